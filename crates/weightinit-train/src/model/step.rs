//! One training step of an [`Mlp`]: the step buffers, the two parallel phases (forward and backward by
//! blocks of rows; weight gradients by pieces of rows, checked and applied where computed) and the
//! outcome. The thread split comes from [`crate::par`].

use weightinit_core::kernels::{
    Epilogue, GemmPath, MatMut, MatRef, all_within, blocked_tile_rows, gemm_with, softmax_cross_entropy_rows,
};

use super::chunks::{Rows, bias_grad_chunk, chunk_spans, weight_grad_chunk};
use super::{Activation, Mlp, offsets};
use crate::par::{first_layer_halves, pieces, spread};

/// Buffers of one training step (row-major over the batch), reused from step to step.
#[derive(Debug, Default)]
pub struct StepWork {
    /// The batch's inputs, split by feature into the two halves of [`first_layer_halves`].
    pub(super) xh: [Vec<f32>; 2],
    /// `X_h W1_h`: the first layer's product over each half of the features.
    z1: [Vec<f32>; 2],
    labels: Vec<u8>,
    /// Each layer's output: hidden activations, then the logits.
    pub(super) acts: Vec<Vec<f32>>,
    /// Gradient of the mean loss with respect to each layer's pre-activation.
    pub(super) dz: Vec<Vec<f32>>,
    /// Loss of each example of the batch.
    pub(super) losses: Vec<f64>,
    /// The layer-by-layer pass's buffers (networks with normalization).
    general: super::Trace,
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
    /// 2. if the mean loss is finite and at most `max_loss`: each weight gradient `H^T dZ` is split by its
    ///    rows, again at tile-row multiples, and each piece is summed over the batch's fixed chunks of
    ///    [`super::GRAD_CHUNK_ROWS`] examples in chunk order (the gemm adds each chunk's product into the
    ///    piece: what [`Mlp::train_step_ranks`] computes across ranks); the bias gradients are column sums,
    ///    chunk by chunk the same way; each piece is checked (every `|g| <= GRAD_LIMIT`, so no NaN or infinity) and updated by
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
        self.check_batch(images, labels, idx, grad.len(), &state)?;
        if self.norm != super::Norm::None {
            self.gather(images, labels, idx, &mut work.general);
            return Ok(self.general_step(&mut work.general, grad, state, max_loss, update));
        }
        let rows = idx.len();
        let threads = rayon::current_num_threads().max(1);
        self.forward_backward(images, labels, idx, work, (1.0 / rows as f64) as f32);
        let sum = work.losses.iter().fold(0.0f64, |s, &l| s + l);
        let loss = ((sum * (1.0 / rows as f64)) as f32) as f64;
        if !loss.is_finite() || loss > max_loss {
            return Ok(Step::Diverged { loss });
        }

        // Phase 2: weight and bias gradients over the whole batch, checked and applied piece by piece.
        let ok = self.apply_gradients(work, rows, threads, grad, state, update);
        Ok(if ok { Step::Done { loss } } else { Step::Diverged { loss } })
    }

    /// Phase 1 of [`Mlp::train_step`] on the rows `idx` (the whole batch, or one rank's chunks of it):
    /// the first layer's products, then row blocks forward, through the loss (its gradient scaled by
    /// `scale`, one over the whole batch's size) and back to every pre-activation's gradient. Each row's
    /// results are the same whichever rows it is computed with.
    pub(super) fn forward_backward(
        &self,
        images: &[f32],
        labels: &[u8],
        idx: &[usize],
        work: &mut StepWork,
        scale: f32,
    ) {
        let rows = idx.len();
        self.size_work(work, rows);
        let offs = offsets(&self.widths);
        let threads = rayon::current_num_threads().max(1);
        let align = blocked_tile_rows::<f32>();
        self.first_layer_products(images, idx, work, threads);
        let chunk = rows.div_ceil(threads).next_multiple_of(align).max(1);
        let blocks = row_blocks(work, &self.widths, chunk);
        let this = self;
        spread(blocks, |b| {
            let ids = &idx[b.r0..b.r0 + b.rows];
            this.rows_forward_backward(&offs, labels, ids, b, scale);
        });
    }

    /// The errors of [`Mlp::train_step`], checked before anything is computed.
    pub(super) fn check_batch(
        &self,
        images: &[f32],
        labels: &[u8],
        idx: &[usize],
        grad_len: usize,
        state: &[&mut [f32]; 2],
    ) -> Result<(), String> {
        let f = self.widths[0];
        let classes = self.widths[self.layers()];
        let np = self.params.len();
        if idx.is_empty() {
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
        if grad_len != np || state.iter().any(|s| !s.is_empty() && s.len() != np) {
            return Err(format!("train_step: the gradient and optimizer state buffers must hold {np} values"));
        }
        Ok(())
    }

    /// Sizes the step buffers for a batch of `rows`.
    fn size_work(&self, work: &mut StepWork, rows: usize) {
        let layers = self.layers();
        for (h, &(_, wh)) in first_layer_halves(self.widths[0]).iter().enumerate() {
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
    }

    /// Phase 1a: `Z1_h = X_h W1_h` for each half `h` of the features, in blocks of rows, gathering the
    /// batch's inputs on the way; on two threads thread `h` takes half `h` (`spread` deals tasks
    /// round-robin), every step.
    fn first_layer_products(&self, images: &[f32], idx: &[usize], work: &mut StepWork, threads: usize) {
        let (f, d1, rows) = (self.widths[0], self.widths[1], idx.len());
        let halves = first_layer_halves(f);
        let hchunk = rows.div_ceil(threads.div_ceil(2)).next_multiple_of(blocked_tile_rows::<f32>()).max(1);
        let mut partial = Vec::new();
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
        let w1 = &self.params[..offsets(&self.widths)[0].1];
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
    }

    /// Phase 2: pieces of every layer's weight-gradient rows, largest first, then the bias gradients;
    /// `spread` deals them round-robin, so each thread gets its share of every layer, the same at every
    /// step. Each piece is checked and updated by the thread that computed it. False if a piece failed its
    /// check.
    fn apply_gradients(
        &mut self,
        work: &StepWork,
        rows: usize,
        threads: usize,
        grad: &mut [f32],
        state: [&mut [f32]; 2],
        update: &PieceUpdate<'_>,
    ) -> bool {
        let halves = first_layer_halves(self.widths[0]);
        let per_half = threads.div_ceil(2);
        let offs = offsets(&self.widths);
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
                    for (c, span) in chunk_spans(rows).enumerate() {
                        let rows_in = Rows { input, width, from, span };
                        weight_grad_chunk(rows_in, (i0, i1), &dz[l], dout, out.g, c > 0);
                    }
                    out
                }
                GradTask::Bias { l, out } => {
                    let mut tmp = Vec::new();
                    for (c, span) in chunk_spans(rows).enumerate() {
                        bias_grad_chunk(&dz[l], widths[l + 1], span, out.g, &mut tmp, c > 0);
                    }
                    out
                }
            };
            if all_within(piece.g, GRAD_LIMIT) {
                update(piece.w, piece.g, piece.s1, piece.s2);
            } else {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
        !failed.into_inner()
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
}
