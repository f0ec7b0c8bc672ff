//! A multilayer perceptron built on weightinit-core's kernels and initializers: the activations, the
//! parameters and their initialization, inference; one training step in `step.rs` ([`Mlp::train_step`]).

mod chunks;
mod general;
pub mod lsuv;
pub mod norm;
pub mod ranks;
pub mod saved;
mod step;

pub use crate::par::first_layer_halves;
pub use chunks::{GRAD_CHUNK_ROWS, chunk_spans};
pub use general::Trace;
pub use norm::{Mode, Norm};
pub use step::{GRAD_LIMIT, PieceUpdate, Step, StepWork};

use weightinit_core::Stream;
use weightinit_core::init::{Explanation, Init, Layout};
use weightinit_core::kernels::{Epilogue, MatRef};

use crate::par::par_gemm;

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

    /// The CLI's name (`leaky-relu:0.01`).
    pub fn name(self) -> String {
        match self {
            Activation::Relu => "relu".into(),
            Activation::LeakyRelu(a) => format!("leaky-relu:{a}"),
            Activation::Tanh => "tanh".into(),
            Activation::Sigmoid => "sigmoid".into(),
            Activation::Linear => "linear".into(),
        }
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

    /// The activation, in place; ReLU excepted (fused into the gemm's epilogue by the callers).
    fn forward(self, z: &mut [f32]) {
        match self {
            Activation::Relu => {} // fused into the gemm epilogue
            Activation::LeakyRelu(a) => z.iter_mut().for_each(|v| *v = if *v > 0.0 { *v } else { a * *v }),
            Activation::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Sigmoid => z.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            Activation::Linear => {}
        }
    }

    /// The activation, in place, ReLU included.
    fn apply(self, z: &mut [f32]) {
        match self {
            Activation::Relu => z.iter_mut().for_each(|v| *v = v.max(0.0)),
            a => a.forward(z),
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

/// An MLP: weights `[in, out]` (`x W + b`, the seed's NumPy layout), biases `[out]`; with normalization,
/// each hidden layer is `act(norm(x W + b))`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    /// Layer widths, input first (e.g. 784, 100, 100, 10).
    pub widths: Vec<usize>,
    /// Hidden activation.
    pub act: Activation,
    /// Normalization after each hidden linear layer.
    pub norm: Norm,
    /// All parameters in one buffer: `W1, b1, W2, b2, ...`, then with normalization each hidden layer's
    /// scale and shift `gamma1, beta1, gamma2, beta2, ...`.
    pub params: Vec<f32>,
    /// Batch norm's running estimates, per hidden layer its mean then its variance (empty otherwise).
    pub running: Vec<f32>,
    /// Batch norm's count of training steps (PyTorch's `num_batches_tracked`).
    pub batches_tracked: u64,
}

/// Parses `--layers`: comma-separated positive widths, `WxN` for N copies of W (`784,100x30,10`).
pub fn parse_layers(s: &str) -> Result<Vec<usize>, String> {
    let bad = || {
        format!(
            "invalid --layers '{s}': expected comma-separated positive integers such as 784,100,10 (WxN for N layers of width W: 784,100x30,10)"
        )
    };
    let mut v = Vec::new();
    for term in s.split(',') {
        let (w, n) = term.trim().split_once('x').map_or((term.trim(), "1"), |(w, n)| (w, n));
        let (w, n) = (w.parse::<usize>().map_err(|_| bad())?, n.parse::<usize>().map_err(|_| bad())?);
        if w == 0 || n == 0 || v.len() + n > MAX_LAYERS {
            return Err(bad());
        }
        v.extend(std::iter::repeat_n(w, n));
    }
    Ok(v)
}

/// Most widths `--layers` accepts.
const MAX_LAYERS: usize = 10_000;

/// The number of parameters of an MLP with `widths` and normalization `norm` (weights and biases, and
/// each hidden layer's scale and shift), or None if it overflows.
pub fn param_count(widths: &[usize], norm: Norm) -> Option<usize> {
    let linear =
        widths.windows(2).try_fold(0usize, |acc, w| w[0].checked_mul(w[1])?.checked_add(w[1])?.checked_add(acc))?;
    let hidden = widths.get(1..widths.len().saturating_sub(1)).unwrap_or(&[]);
    let norm_params = if norm == Norm::None { 0 } else { hidden.iter().try_fold(0usize, |a, &w| a.checked_add(w))? };
    linear.checked_add(norm_params.checked_mul(2)?)
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
        let total = param_count(widths, Norm::None)
            .ok_or_else(|| format!("layer widths {widths:?}: the parameter count overflows"))?;
        let mut params = Vec::new();
        params
            .try_reserve_exact(total)
            .map_err(|_| format!("layer widths {widths:?}: cannot allocate {total} parameters"))?;
        params.resize(total, 0.0f32);
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
        Ok((
            Mlp { widths: widths.to_vec(), act, norm: Norm::None, params, running: Vec::new(), batches_tracked: 0 },
            reports,
        ))
    }

    /// The same network with normalization `norm` after each hidden linear layer: scale 1, shift 0, running
    /// mean 0 and variance 1 (PyTorch's initial values).
    pub fn with_norm(mut self, norm: Norm) -> Mlp {
        if self.norm != Norm::None {
            self.params.truncate(param_count(&self.widths, Norm::None).expect("counted at construction"));
            self.running.clear();
        }
        self.norm = norm;
        if norm != Norm::None {
            for &w in &self.widths[1..self.layers()] {
                self.params.extend(std::iter::repeat_n(1.0, w).chain(std::iter::repeat_n(0.0, w)));
                if norm == Norm::Batch {
                    self.running.extend(std::iter::repeat_n(0.0, w).chain(std::iter::repeat_n(1.0, w)));
                }
            }
        }
        self
    }

    /// Offsets in [`Mlp::params`] of each hidden layer's normalization scale (its shift follows).
    pub(crate) fn norm_offsets(&self) -> Vec<(usize, usize)> {
        let mut o = param_count(&self.widths, Norm::None).expect("counted at construction");
        self.widths[1..self.layers()]
            .iter()
            .map(|&w| {
                let r = (o, w);
                o += 2 * w;
                r
            })
            .collect()
    }

    /// Hidden layer `l`'s normalization scale and shift (empty without normalization).
    pub(crate) fn norm_params(&self, l: usize) -> (&[f32], &[f32]) {
        if self.norm == Norm::None {
            return (&[], &[]);
        }
        let (o, w) = self.norm_offsets()[l];
        self.params[o..o + 2 * w].split_at(w)
    }

    fn running_range(&self, l: usize) -> (usize, usize) {
        let o: usize = self.widths[1..=l].iter().map(|w| 2 * w).sum();
        (o, self.widths[l + 1])
    }

    /// Hidden layer `l`'s running mean and variance (empty without batch norm).
    pub(crate) fn running(&self, l: usize) -> (&[f32], &[f32]) {
        if self.norm != Norm::Batch {
            return (&[], &[]);
        }
        let (o, w) = self.running_range(l);
        self.running[o..o + 2 * w].split_at(w)
    }

    fn running_mut(&mut self, l: usize) -> (&mut [f32], &mut [f32]) {
        let (o, w) = self.running_range(l);
        self.running[o..o + 2 * w].split_at_mut(w)
    }

    /// Layer `l`'s weight `[in, out]` and bias.
    pub fn layer(&self, l: usize) -> (&[f32], &[f32]) {
        let (wo, bo) = offsets(&self.widths)[l];
        (&self.params[wo..bo], &self.params[bo..bo + self.widths[l + 1]])
    }

    /// Forward pass of `rows` examples for evaluation (batch norm with its running estimates); fills `acts`
    /// (one buffer per layer: hidden outputs, then logits).
    pub fn forward(&self, x: &[f32], rows: usize, acts: &mut [Vec<f32>]) {
        if self.norm != Norm::None {
            return self.forward_general(x, rows, Mode::Eval, acts);
        }
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

    /// Forward pass as in training: batch norm with the batch's statistics (nothing is updated). The same
    /// as [`Mlp::forward`] without batch norm.
    pub fn forward_training(&self, x: &[f32], rows: usize, acts: &mut [Vec<f32>]) {
        self.forward_general(x, rows, Mode::Train, acts)
    }

    fn forward_general(&self, x: &[f32], rows: usize, mode: Mode, acts: &mut [Vec<f32>]) {
        let mut tr = Trace::default();
        self.forward_layers(Some(x), rows, mode, self.layers() - 1, &mut tr);
        for (a, h) in acts.iter_mut().zip(tr.h) {
            *a = h;
        }
    }

    /// The mean softmax cross-entropy loss of the batch `idx` (as in training: batch statistics) and its
    /// gradient with respect to every parameter, into `grad` (the layout of [`Mlp::params`]), by the
    /// layer-by-layer pass. Nothing is updated. Errors: those of [`Mlp::train_step`].
    pub fn gradient(
        &self,
        images: &[f32],
        labels: &[u8],
        idx: &[usize],
        tr: &mut Trace,
        grad: &mut [f32],
    ) -> Result<f64, String> {
        self.check_batch(images, labels, idx, grad.len(), &[&mut [], &mut []])?;
        self.gather(images, labels, idx, tr);
        Ok(self.loss_and_gradient(tr, grad))
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
