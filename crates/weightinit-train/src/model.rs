//! A multilayer perceptron built on weightinit-core's kernels and initializers.

use rayon::prelude::*;
use weightinit_core::Stream;
use weightinit_core::init::{Explanation, Init, Layout};
use weightinit_core::kernels::{
    Epilogue, GemmPath, MatMut, MatRef, auto_path, blocked_tile_rows, gemm_with, softmax_cross_entropy_rows,
};

/// The hidden layers' nonlinearity (the output layer is linear, followed by softmax cross-entropy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// max(x, 0).
    Relu,
    /// x if x > 0 else slope * x.
    LeakyRelu(f32),
    /// tanh.
    Tanh,
    /// 1 / (1 + e^-x).
    Sigmoid,
    /// Identity.
    Linear,
}

impl Activation {
    /// Parses `relu | leaky-relu[:slope] | tanh | sigmoid | linear`.
    pub fn parse(s: &str) -> Option<Activation> {
        let (name, param) = s.split_once(':').map_or((s, None), |(a, b)| (a, Some(b)));
        Some(match (name, param) {
            ("relu", None) => Activation::Relu,
            ("leaky-relu", None) => Activation::LeakyRelu(0.01),
            ("leaky-relu", Some(p)) => Activation::LeakyRelu(p.parse().ok().filter(|x: &f32| x.is_finite())?),
            ("tanh", None) => Activation::Tanh,
            ("sigmoid", None) => Activation::Sigmoid,
            ("linear", None) => Activation::Linear,
            _ => return None,
        })
    }

    /// The matching nonlinearity for gains.
    pub fn nonlinearity(self) -> weightinit_core::init::Nonlinearity {
        use weightinit_core::init::Nonlinearity as N;
        match self {
            Activation::Relu => N::Relu,
            Activation::LeakyRelu(a) => N::LeakyRelu(a as f64),
            Activation::Tanh => N::Tanh,
            Activation::Sigmoid => N::Sigmoid,
            Activation::Linear => N::Linear,
        }
    }

    fn forward(self, z: &mut [f32]) {
        match self {
            Activation::Relu => {} // fused into the gemm epilogue
            Activation::LeakyRelu(a) => z.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { a * *v }),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            Activation::Linear => {}
        }
    }

    /// `grad *= act'(z)`, written in terms of the output `h = act(z)`.
    fn backward(self, h: &[f32], grad: &mut [f32]) {
        let it = grad.iter_mut().zip(h);
        match self {
            Activation::Relu => it.for_each(|(g, &h)| *g = if h > 0.0 { *g } else { 0.0 }),
            Activation::LeakyRelu(a) => it.for_each(|(g, &h)| *g = if h > 0.0 { *g } else { a * *g }),
            Activation::Tanh => it.for_each(|(g, &h)| *g *= 1.0 - h * h),
            Activation::Sigmoid => it.for_each(|(g, &h)| *g *= h * (1.0 - h)),
            Activation::Linear => {}
        }
    }
}

/// Smallest product (`m * n * k` multiply-adds) split across threads.
const PAR_MIN_MNK: usize = 4 << 20;

/// `C = A B` then the epilogue, `C` row-major `m x n` in `c`. Blocked-path products are split by rows of C
/// across the current rayon pool, at multiples of the microkernel's tile rows
/// ([`blocked_tile_rows`]): each element of C is computed by exactly the same operations for any thread
/// count, so results are bit-identical for 1 or 64 threads. The path is chosen from the full shape (other
/// paths run unsplit).
fn par_gemm(a: MatRef<'_, f32>, b: MatRef<'_, f32>, c: &mut [f32], ep: Epilogue<'_, f32>) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let path = auto_path::<f32>(m, k, n);
    let align = blocked_tile_rows::<f32>();
    let threads = rayon::current_num_threads();
    let c = &mut c[..m * n];
    // Products below PAR_MIN_MNK multiply-adds cost less than waking a second thread.
    if path != GemmPath::Blocked || threads == 1 || m < 2 * align || m * n * k < PAR_MIN_MNK {
        let cv = MatMut::row_major(c, m, n, n).expect("output shape");
        gemm_with(path, 1.0, a, b, 0.0, cv, ep).expect("consistent shapes");
        return;
    }
    let chunk = m.div_ceil(threads).next_multiple_of(align);
    c.par_chunks_mut(chunk * n).enumerate().for_each(|(i, cc)| {
        let (r0, r1) = (i * chunk, (i * chunk + chunk).min(m));
        let av = a.rows_range(r0, r1).expect("row range");
        let cv = MatMut::row_major(cc, r1 - r0, n, n).expect("output shape");
        gemm_with(GemmPath::Blocked, 1.0, av, b, 0.0, cv, ep).expect("consistent shapes");
    });
}

/// Runs `f` on every task of `tasks` on the threads of the current rayon pool and returns when all are
/// done. Thread `t` of `n` first runs tasks `t, t + n, ...` (the same tasks as at the previous call with
/// as many tasks: the rows and weights they touch are still in that core's cache), then takes the others'
/// not yet started, from the back of the list (a thread woken late loses its share instead of holding
/// the step up).
///
/// Every thread of the pool takes part (one [`rayon::broadcast`]) and, once no task is left, spins until
/// every other thread is done too, instead of going back to rayon's idle loop: an idle rayon thread sleeps
/// after a few microseconds, and waking it for the next phase took 9 to 107 us on this 2-core VM (a
/// training step is ~400 us). The spin turns to `yield_now` after [`SPIN_FOR`], so an oversubscribed pool
/// (more threads than cores) still makes progress.
///
/// Measured against one rayon fork-join per phase (same shares, interleaved in one process, 2 threads,
/// 12 runs each): median 292,000 vs 259,000 samples/s and 255,000 vs 231,000. Smaller tasks claimed
/// dynamically (4 per thread) were slower (198,000 vs 221,000): a task that changes cores drags its rows,
/// weights and optimizer state across.
fn spread<T: Send, F: Fn(T) + Sync>(tasks: Vec<T>, f: F) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = rayon::current_num_threads().max(1);
    if threads == 1 || tasks.len() <= 1 {
        tasks.into_iter().for_each(f);
        return;
    }
    let slots: Vec<std::sync::Mutex<Option<T>>> = tasks.into_iter().map(|t| std::sync::Mutex::new(Some(t))).collect();
    let done = AtomicUsize::new(0);
    let n = slots.len();
    // Counts a thread as done when dropped, also while unwinding from a panicking task (rayon re-raises
    // the panic after the broadcast; the other threads must not spin forever waiting for it).
    struct Done<'a>(&'a AtomicUsize);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::AcqRel);
        }
    }
    rayon::broadcast(|ctx| {
        let guard = Done(&done);
        let run = |i: usize| {
            // A poisoned lock only means another task panicked; rayon re-raises that panic after the
            // broadcast.
            let task = slots[i].lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(t) = task {
                f(t);
            }
        };
        let (me, nt) = (ctx.index(), ctx.num_threads());
        (me..n).step_by(nt).for_each(&run);
        (0..n).rev().filter(|i| i % nt != me).for_each(&run);
        drop(guard);
        let start = std::time::Instant::now();
        let mut spins = 0u32;
        while done.load(Ordering::Acquire) < ctx.num_threads() {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) && start.elapsed() > SPIN_FOR {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    });
}

/// How long a thread of [`spread`] busy-waits for the others before yielding its core.
const SPIN_FOR: std::time::Duration = std::time::Duration::from_micros(200);

/// An MLP: weights `[in, out]` (`x W + b`, the seed's NumPy layout), biases `[out]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    /// Layer widths, input first (e.g. 784, 100, 100, 10).
    pub widths: Vec<usize>,
    /// Hidden activation.
    pub act: Activation,
    /// All parameters in one buffer: `W1, b1, W2, b2, ...`.
    pub params: Vec<f32>,
}

/// Offsets of each layer's weight and bias in [`Mlp::params`].
fn offsets(widths: &[usize]) -> Vec<(usize, usize)> {
    let mut o = 0;
    let mut v = Vec::new();
    for w in widths.windows(2) {
        let wo = o;
        o += w[0] * w[1];
        v.push((wo, o));
        o += w[1];
    }
    v
}

/// Buffers of one training step (row-major over the batch), reused from step to step.
#[derive(Debug, Default)]
pub struct StepWork {
    /// The batch's inputs, split by feature into the two halves of [`first_layer_halves`].
    xh: [Vec<f32>; 2],
    /// `X_h W1_h`: the first layer's product over each half of the features.
    z1: [Vec<f32>; 2],
    labels: Vec<u8>,
    /// Each layer's output: hidden activations, then the logits.
    acts: Vec<Vec<f32>>,
    /// Gradient of the mean loss with respect to each layer's pre-activation.
    dz: Vec<Vec<f32>>,
    /// Loss of each example of the batch.
    losses: Vec<f64>,
}

/// The first layer's inputs split in two by feature, `[0, h) [h, f)` with `h` a multiple of 8 (or `h = f`
/// for fewer than 16 features), as `(offset, width)` pairs. A training step computes the first layer's
/// product as `X_0 W1_0 + X_1 W1_1`: the thread that gathers half `h` of the batch's inputs also reads and
/// updates the rows of `W1` that multiply it, so on two threads the largest operands never change cores
/// (each thread sends the other its 128 x 100 partial product instead of half of `W1` and of the batch).
/// The split depends on the shape only, never on the thread count.
pub fn first_layer_halves(f: usize) -> [(usize, usize); 2] {
    let h = if f >= 16 { (f / 2).next_multiple_of(8).min(f) } else { f };
    [(0, h), (h, f - h)]
}

/// One thread's rows `r0 .. r0 + rows` of the step buffers.
struct RowBlock<'a> {
    r0: usize,
    rows: usize,
    /// Rows of the first layer's two partial products.
    z1: [&'a [f32]; 2],
    labels: &'a mut [u8],
    acts: Vec<&'a mut [f32]>,
    dz: Vec<&'a mut [f32]>,
    losses: &'a mut [f64],
}

/// Splits the step buffers into blocks of `chunk` rows.
fn row_blocks<'a>(work: &'a mut StepWork, widths: &[usize], chunk: usize) -> Vec<RowBlock<'a>> {
    let mut acts: Vec<_> = work.acts.iter_mut().zip(&widths[1..]).map(|(a, &w)| a.chunks_mut(chunk * w)).collect();
    let mut dz: Vec<_> = work.dz.iter_mut().zip(&widths[1..]).map(|(a, &w)| a.chunks_mut(chunk * w)).collect();
    let d1 = widths[1];
    let z1 = &work.z1;
    let parts = work.labels.chunks_mut(chunk).zip(work.losses.chunks_mut(chunk));
    parts
        .enumerate()
        .map(|(i, (labels, losses))| RowBlock {
            r0: i * chunk,
            rows: labels.len(),
            z1: core::array::from_fn(|h| {
                let z = &z1[h];
                if z.is_empty() { &z[..] } else { &z[i * chunk * d1..(i * chunk + labels.len()) * d1] }
            }),
            labels,
            acts: acts.iter_mut().map(|it| it.next().expect("one block per buffer")).collect(),
            dz: dz.iter_mut().map(|it| it.next().expect("one block per buffer")).collect(),
            losses,
        })
        .collect()
}

/// `(start, len, piece)` cut into ranges of at most `piece` rows (a multiple of the gemm's tile rows, so the
/// pieces' products have the bits of the whole one), as `(i0, i1)`.
fn pieces((start, len, piece): (usize, usize, usize)) -> Vec<(usize, usize)> {
    let piece = piece.next_multiple_of(blocked_tile_rows::<f32>()).max(1);
    (start..start + len).step_by(piece).map(|i0| (i0, (i0 + piece).min(start + len))).collect()
}

/// Largest gradient magnitude a step accepts (above it, or NaN, the step diverged): the square root of
/// f32's largest value (so no single square overflows).
pub const GRAD_LIMIT: f32 = 1.8e19;

/// An optimizer's element-wise update `(params, grad, state_1, state_2)` on matching pieces (state buffers
/// empty when the optimizer does not use them).
pub type PieceUpdate<'a> = dyn Fn(&mut [f32], &[f32], &mut [f32], &mut [f32]) + Sync + 'a;

/// The outcome of [`Mlp::train_step`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Gradient computed and applied; the batch's mean loss.
    Done {
        /// Mean loss of the batch (before the update).
        loss: f64,
    },
    /// The loss was not finite or above the limit (nothing updated), or some gradient was not finite or
    /// above [`GRAD_LIMIT`].
    Diverged {
        /// Mean loss of the batch.
        loss: f64,
    },
}

/// Matching pieces of the gradient, the parameters and the optimizer's state buffers (empty when unused).
struct Piece<'a> {
    g: &'a mut [f32],
    w: &'a mut [f32],
    s1: &'a mut [f32],
    s2: &'a mut [f32],
}

impl<'a> Piece<'a> {
    /// The first `n` elements and the rest.
    fn split_at(self, n: usize) -> (Piece<'a>, Piece<'a>) {
        let cut = |v: &'a mut [f32]| if v.is_empty() { v.split_at_mut(0) } else { v.split_at_mut(n) };
        let (g0, g1) = self.g.split_at_mut(n);
        let (w0, w1) = self.w.split_at_mut(n);
        let (a0, a1) = cut(self.s1);
        let (b0, b1) = cut(self.s2);
        (Piece { g: g0, w: w0, s1: a0, s2: b0 }, Piece { g: g1, w: w1, s1: a1, s2: b1 })
    }
}

/// A piece of phase 2 of [`Mlp::train_step`].
enum GradTask<'a> {
    /// Rows `i0 ..` of layer `l`'s weight gradient.
    Weight { l: usize, i0: usize, out: Piece<'a> },
    /// Layer `l`'s bias gradient.
    Bias { l: usize, out: Piece<'a> },
}

impl GradTask<'_> {
    /// Gradient values the task computes.
    fn len(&self) -> usize {
        match self {
            GradTask::Weight { out, .. } | GradTask::Bias { out, .. } => out.g.len(),
        }
    }
}

impl Mlp {
    /// Number of layers (weight matrices).
    pub fn layers(&self) -> usize {
        self.widths.len() - 1
    }

    /// Initializes every weight with `init` (layout `[in, out]`, stream `(seed, 2 l)`) and every bias with
    /// `bias_init` (stream `(seed, 2 l + 1)`); `TorchDefaultBias` gets each layer's fan_in. Returns the
    /// init report of each weight.
    pub fn new(
        widths: &[usize],
        act: Activation,
        init: Init,
        bias_init: Init,
        seed: u64,
    ) -> Result<(Mlp, Vec<Explanation>), String> {
        if widths.len() < 2 || widths.contains(&0) {
            return Err(format!("layer widths {widths:?}: need at least two non-zero widths"));
        }
        let total: usize = widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
        let mut params = vec![0.0f32; total];
        let mut reports = Vec::new();
        for (l, (w, (wo, bo))) in widths.windows(2).zip(offsets(widths)).enumerate() {
            let shape = [w[0], w[1]];
            let (wbuf, rest) = params[wo..].split_at_mut(w[0] * w[1]);
            let e = init
                .fill_vec_into(&Stream::new(seed, 2 * l as u64), &shape, wbuf)
                .map_err(|e| format!("layer {}: {e}", l + 1))?;
            reports.push(e);
            let bias = match bias_init {
                Init::TorchDefaultBias { .. } => Init::TorchDefaultBias { fan_in: w[0] },
                b => b,
            };
            bias.fill(&Stream::new(seed, 2 * l as u64 + 1), &[w[1]], Layout::Keras, &mut rest[..w[1]], &mut [])
                .map_err(|e| format!("layer {} bias: {e}", l + 1))?;
            debug_assert_eq!(bo, wo + w[0] * w[1]);
        }
        Ok((Mlp { widths: widths.to_vec(), act, params }, reports))
    }

    /// Layer `l`'s weight `[in, out]` and bias.
    pub fn layer(&self, l: usize) -> (&[f32], &[f32]) {
        let (wo, bo) = offsets(&self.widths)[l];
        (&self.params[wo..bo], &self.params[bo..bo + self.widths[l + 1]])
    }

    /// Names and shapes of the parameters (`layer1.weight` `[in, out]`, `layer1.bias` `[out]`, ...), with
    /// their ranges in [`Mlp::params`].
    pub fn tensors(&self) -> Vec<(String, Vec<usize>, std::ops::Range<usize>)> {
        let mut v = Vec::new();
        for (l, (w, (wo, bo))) in self.widths.windows(2).zip(offsets(&self.widths)).enumerate() {
            v.push((format!("layer{}.weight", l + 1), vec![w[0], w[1]], wo..bo));
            v.push((format!("layer{}.bias", l + 1), vec![w[1]], bo..bo + w[1]));
        }
        v
    }

    /// Forward pass of `rows` examples; fills `acts` (one buffer per layer: hidden outputs, then logits).
    pub fn forward(&self, x: &[f32], rows: usize, acts: &mut [Vec<f32>]) {
        for l in 0..self.layers() {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let (w, b) = self.layer(l);
            let (before, rest) = acts.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &before[l - 1] };
            let out = &mut rest[0];
            out.resize(rows * dout, 0.0);
            let hidden = l + 1 < self.layers();
            let ep = if hidden && self.act == Activation::Relu { Epilogue::BiasRelu(b) } else { Epilogue::Bias(b) };
            par_gemm(
                MatRef::row_major(input, rows, din, din).expect("input shape"),
                MatRef::row_major(w, din, dout, dout).expect("weight shape"),
                out,
                ep,
            );
            if hidden {
                self.act.forward(out);
            }
        }
    }

    /// One training step on the batch `idx` (indices of rows of `images`, `widths[0]` values each): the
    /// gradient of the mean softmax cross-entropy loss goes into `grad` (same layout as [`Mlp::params`]),
    /// then `update(params, grad, state[0], state[1])` runs on matching pieces of the parameters, the
    /// gradient and the optimizer's state buffers (each `params.len()` long, or empty when unused).
    ///
    /// Two parallel phases on the current rayon pool, one share per thread, each thread keeping the same
    /// share from step to step (its rows and weights stay in its core's cache) and spinning between phases
    /// rather than sleeping:
    /// 1. the batch is split into blocks of rows (at multiples of [`blocked_tile_rows`]); each block is
    ///    gathered, run forward through every layer, through the softmax, and backward through every
    ///    layer's input gradient, all by one thread (rows do not interact there);
    /// 2. if the mean loss is finite and at most `max_loss`: each weight gradient `H^T dZ` (one product over
    ///    the whole batch) is split by its rows, again at tile-row multiples, the bias gradients are column
    ///    sums, and each piece is checked (every `|g| <= GRAD_LIMIT`, so no NaN or infinity) and updated by
    ///    the thread that computed it, while it is in that core's cache.
    ///
    /// Every product is the blocked gemm, whose elements do not depend on where its rows are split, the
    /// per-example losses are summed in batch order, and the update is element-wise, so the result is bit
    /// for bit the same for any thread count. A loss or gradient that fails its check makes the step
    /// [`Step::Diverged`]; the parameters of pieces whose gradient passed may then have been updated.
    ///
    /// Errors (nothing computed): an empty batch, an index past the data, a label `>= widths.last()`,
    /// `images` not a whole number of rows, `grad` or a non-empty state buffer not `params.len()` long.
    #[allow(clippy::too_many_arguments)]
    pub fn train_step(
        &mut self,
        images: &[f32],
        labels: &[u8],
        idx: &[usize],
        work: &mut StepWork,
        grad: &mut [f32],
        state: [&mut [f32]; 2],
        max_loss: f64,
        update: &PieceUpdate<'_>,
    ) -> Result<Step, String> {
        let rows = idx.len();
        let layers = self.layers();
        let f = self.widths[0];
        let classes = self.widths[layers];
        let np = self.params.len();
        if rows == 0 {
            return Err("train_step: empty batch".into());
        }
        if !images.len().is_multiple_of(f) || images.len() / f != labels.len() {
            return Err(format!(
                "train_step: {} image values and {} labels do not make rows of {f}",
                images.len(),
                labels.len()
            ));
        }
        if let Some(&i) = idx.iter().find(|&&i| i >= labels.len()) {
            return Err(format!("train_step: example index {i} is past the {} examples", labels.len()));
        }
        if let Some(&i) = idx.iter().find(|&&i| labels[i] as usize >= classes) {
            return Err(format!(
                "train_step: example {i} has label {} but the network has {classes} classes",
                labels[i]
            ));
        }
        if grad.len() != np || state.iter().any(|s| !s.is_empty() && s.len() != np) {
            return Err(format!("train_step: the gradient and optimizer state buffers must hold {np} values"));
        }
        let halves = first_layer_halves(f);
        for (h, &(_, wh)) in halves.iter().enumerate() {
            work.xh[h].resize(rows * wh, 0.0);
            work.z1[h].resize(if wh == 0 { 0 } else { rows * self.widths[1] }, 0.0);
        }
        work.labels.resize(rows, 0);
        work.losses.resize(rows, 0.0);
        work.acts.resize_with(layers, Vec::new);
        work.dz.resize_with(layers, Vec::new);
        for (l, &w) in self.widths[1..].iter().enumerate() {
            work.acts[l].resize(rows * w, 0.0);
            work.dz[l].resize(rows * w, 0.0);
        }
        let offs = offsets(&self.widths);
        let threads = rayon::current_num_threads().max(1);
        let align = blocked_tile_rows::<f32>();
        let scale = (1.0 / rows as f64) as f32;

        // Phase 1a: the first layer's product over each half of the features, `Z1_h = X_h W1_h`, in blocks
        // of rows; on two threads thread h takes half h (`spread` deals tasks round-robin), every step.
        let d1 = self.widths[1];
        let per_half = threads.div_ceil(2);
        let hchunk = rows.div_ceil(per_half).next_multiple_of(align).max(1);
        let mut partial = Vec::new();
        {
            let [x0, x1] = &mut work.xh;
            let [z0, z1] = &mut work.z1;
            let mut cuts: Vec<_> = [(x0, z0), (x1, z1)]
                .into_iter()
                .zip(halves)
                .filter(|(_, (_, wh))| *wh > 0)
                .map(|((x, z), (off, wh))| (x.chunks_mut(hchunk * wh).zip(z.chunks_mut(hchunk * d1)), off, wh))
                .collect();
            // Interleaved, half 0 then half 1 of each block of rows.
            for r in 0..rows.div_ceil(hchunk) {
                for (it, off, wh) in cuts.iter_mut() {
                    let (x, z) = it.next().expect("one block per buffer");
                    partial.push((r * hchunk, x, z, *off, *wh));
                }
            }
        }
        let (w1, _) = self.params.split_at(offs[0].1);
        spread(partial, |(r0, x, z, off, wh)| {
            let n = x.len() / wh;
            for (dst, &i) in x.chunks_exact_mut(wh).zip(&idx[r0..r0 + n]) {
                dst.copy_from_slice(&images[i * f + off..i * f + off + wh]);
            }
            let a = MatRef::row_major(x, n, wh, wh).expect("input shape");
            let w = MatRef::row_major(&w1[off * d1..(off + wh) * d1], wh, d1, d1).expect("weight shape");
            let c = MatMut::row_major(z, n, d1, d1).expect("output shape");
            gemm_with(GemmPath::Blocked, 1.0, a, w, 0.0, c, Epilogue::None).expect("consistent shapes");
        });

        // Phase 1b: row blocks, from the first layer's sum to the gradients of every pre-activation.
        let chunk = rows.div_ceil(threads).next_multiple_of(align).max(1);
        let blocks = row_blocks(work, &self.widths, chunk);
        let this = &*self;
        spread(blocks, |b| {
            let ids = &idx[b.r0..b.r0 + b.rows];
            this.rows_forward_backward(&offs, labels, ids, b, scale);
        });
        let sum = work.losses.iter().fold(0.0f64, |s, &l| s + l);
        let loss = ((sum * (1.0 / rows as f64)) as f32) as f64;
        if !loss.is_finite() || loss > max_loss {
            return Ok(Step::Diverged { loss });
        }

        // Phase 2: weight and bias gradients over the whole batch, checked and applied piece by piece.
        // Pieces of every layer's weight-gradient rows, largest first, then the bias gradients; `spread`
        // deals them round-robin, so each thread gets its share of every layer, the same at every step.
        let mut tasks: Vec<GradTask<'_>> = Vec::new();
        let mut biases = Vec::new();
        let [s1, s2] = state;
        let mut rest = Piece { g: grad, w: &mut self.params, s1, s2 };
        for (l, &(wo, bo)) in offs.iter().enumerate() {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let (mut gw, tail) = rest.split_at(bo - wo);
            let (gb, tail) = tail.split_at(dout);
            rest = tail;
            // The first layer's rows in pieces within each half of the features (the thread that gathered
            // a half multiplies it); the other layers' rows in one piece per thread.
            let ranges: Vec<(usize, usize)> = if l == 0 {
                halves.iter().filter(|h| h.1 > 0).map(|&(o, w)| (o, w, w.div_ceil(per_half))).flat_map(pieces).collect()
            } else {
                pieces((0, din, din.div_ceil(threads)))
            };
            for (i0, i1) in ranges {
                let (head, tail) = gw.split_at((i1 - i0) * dout);
                tasks.push(GradTask::Weight { l, i0, out: head });
                gw = tail;
            }
            biases.push(GradTask::Bias { l, out: gb });
        }
        tasks.sort_by_key(|t| std::cmp::Reverse(t.len()));
        tasks.extend(biases);
        let (xh, acts, dz, widths) = (&work.xh, &work.acts, &work.dz, &self.widths);
        let failed = std::sync::atomic::AtomicBool::new(false);
        spread(tasks, |t| {
            let piece = match t {
                GradTask::Weight { l, i0, out } => {
                    let (din, dout) = (widths[l], widths[l + 1]);
                    let i1 = i0 + out.g.len() / dout;
                    // Rows i0 .. i1 of the layer's input columns (of the first layer's half holding them).
                    let (input, width, from): (&[f32], usize, usize) = if l == 0 {
                        let h = usize::from(i0 >= halves[1].0 && halves[1].1 > 0);
                        (&xh[h], halves[h].1, halves[h].0)
                    } else {
                        (&acts[l - 1], din, 0)
                    };
                    let a = MatRef::row_major(input, rows, width, width).expect("input shape").t();
                    let a = a.rows_range(i0 - from, i1 - from).expect("gradient rows");
                    let b = MatRef::row_major(&dz[l], rows, dout, dout).expect("dz shape");
                    let c = MatMut::row_major(out.g, i1 - i0, dout, dout).expect("gradient shape");
                    gemm_with(GemmPath::Blocked, 1.0, a, b, 0.0, c, Epilogue::None).expect("consistent shapes");
                    out
                }
                GradTask::Bias { l, out } => {
                    weightinit_core::kernels::col_sums(&dz[l], rows, widths[l + 1], out.g).expect("bias shape");
                    out
                }
            };
            if weightinit_core::kernels::all_within(piece.g, GRAD_LIMIT) {
                update(piece.w, piece.g, piece.s1, piece.s2);
            } else {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
        Ok(if failed.into_inner() { Step::Diverged { loss } } else { Step::Done { loss } })
    }

    /// Phase 1 of [`Mlp::train_step`] on one block of rows.
    fn rows_forward_backward(
        &self,
        offs: &[(usize, usize)],
        labels: &[u8],
        ids: &[usize],
        b: RowBlock<'_>,
        scale: f32,
    ) {
        let RowBlock { rows, z1, labels: lab, mut acts, mut dz, losses, .. } = b;
        for (l, &i) in lab.iter_mut().zip(ids) {
            *l = labels[i];
        }
        let layers = self.layers();
        let param = |l: usize| {
            let (wo, bo) = offs[l];
            (&self.params[wo..bo], &self.params[bo..bo + self.widths[l + 1]])
        };
        for l in 0..layers {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let (w, bias) = param(l);
            let (before, after) = acts.split_at_mut(l);
            let out = &mut *after[0];
            let hidden = l + 1 < layers;
            let relu = hidden && self.act == Activation::Relu;
            if l == 0 {
                // (X_0 W1_0 + X_1 W1_1) + b, then ReLU (the epilogue the gemm would apply).
                for (j, o) in out.chunks_exact_mut(dout).enumerate() {
                    let p0 = &z1[0][j * dout..(j + 1) * dout];
                    let p1 = z1[1].get(j * dout..(j + 1) * dout).unwrap_or(&[]);
                    for (k, (o, (&a, &b))) in o.iter_mut().zip(p0.iter().zip(bias)).enumerate() {
                        let s = p1.get(k).map_or(a, |&c| a + c) + b;
                        *o = match relu {
                            true if s > 0.0 => s,
                            true => 0.0,
                            false => s,
                        };
                    }
                }
                if hidden {
                    self.act.forward(out);
                }
                continue;
            }
            let ep = if relu { Epilogue::BiasRelu(bias) } else { Epilogue::Bias(bias) };
            let a = MatRef::row_major(before[l - 1], rows, din, din).expect("input shape");
            let wv = MatRef::row_major(w, din, dout, dout).expect("weight shape");
            let c = MatMut::row_major(out, rows, dout, dout).expect("output shape");
            gemm_with(GemmPath::Blocked, 1.0, a, wv, 0.0, c, ep).expect("consistent shapes");
            if hidden {
                self.act.forward(out);
            }
        }
        let classes = self.widths[layers];
        // Labels were checked by `train_step`.
        softmax_cross_entropy_rows(acts[layers - 1], rows, classes, lab, scale, dz[layers - 1], losses)
            .expect("labels < classes");
        for l in (1..layers).rev() {
            // dZ_{l-1} = (dZ_l W_l^T) * act'(H_{l-1}).
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let (w, _) = param(l);
            let (lower, upper) = dz.split_at_mut(l);
            let a = MatRef::row_major(upper[0], rows, dout, dout).expect("dz shape");
            let wt = MatRef::row_major(w, din, dout, dout).expect("weight shape").t();
            let c = MatMut::row_major(lower[l - 1], rows, din, din).expect("dh shape");
            gemm_with(GemmPath::Blocked, 1.0, a, wt, 0.0, c, Epilogue::None).expect("consistent shapes");
            self.act.backward(acts[l - 1], lower[l - 1]);
        }
    }

    /// Predicted classes of `rows` examples.
    pub fn predict(&self, x: &[f32], rows: usize, acts: &mut [Vec<f32>]) -> Vec<u8> {
        self.forward(x, rows, acts);
        let classes = *self.widths.last().expect("widths");
        acts[self.layers() - 1]
            .chunks_exact(classes)
            .map(|z| {
                z.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0 as u8
            })
            .collect()
    }
}

/// Extension used by [`Mlp::new`]: fill a caller's buffer, allocating an orthogonal workspace if needed.
trait FillInto {
    fn fill_vec_into(&self, stream: &Stream, shape: &[usize], out: &mut [f32]) -> weightinit_core::Result<Explanation>;
}

impl FillInto for Init {
    fn fill_vec_into(&self, stream: &Stream, shape: &[usize], out: &mut [f32]) -> weightinit_core::Result<Explanation> {
        let mut ws = vec![0.0f64; self.workspace_len(shape)?];
        self.fill(stream, shape, Layout::InOut, out, &mut ws)
    }
}

#[cfg(test)]
mod tests {
    use super::spread;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool")
    }

    #[test]
    fn spread_runs_every_task_once_on_any_pool() {
        for threads in [1, 2, 3, 7] {
            for n in [0, 1, 2, 5, 40] {
                let runs: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
                pool(threads)
                    .install(|| spread((0..n).collect(), |i: usize| _ = runs[i].fetch_add(1, Ordering::Relaxed)));
                assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1), "threads {threads}, tasks {n}");
            }
        }
    }

    #[test]
    fn spread_passes_a_task_panic_on_instead_of_hanging() {
        let ran = AtomicUsize::new(0);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool(2).install(|| {
                spread((0..8).collect(), |i: usize| {
                    ran.fetch_add(1, Ordering::Relaxed);
                    assert!(i != 3, "task 3 fails");
                })
            })
        }));
        assert!(r.is_err(), "the panic reaches the caller");
        assert_eq!(ran.load(Ordering::Relaxed), 8, "the other tasks still ran");
    }
}
