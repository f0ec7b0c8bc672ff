//! Normalization layers after each hidden linear layer, before its activation: batch norm (Ioffe &
//! Szegedy 2015) and layer norm (Ba, Kiros & Hinton 2016), with PyTorch's conventions (`eps = 1e-5`,
//! biased variance to normalize, unbiased variance in the running estimate, momentum 0.1, scale 1 and
//! shift 0 at initialization).
//!
//! Every statistic is a sum in a fixed order (rows in batch order for batch norm, features in order for
//! layer norm) in f64, so results do not depend on the thread count.

/// The normalization after each hidden linear layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// None.
    None,
    /// Batch norm: each feature normalized over the batch (running estimates for evaluation).
    Batch,
    /// Layer norm: each example normalized over its features.
    Layer,
}

/// PyTorch's `eps` (BatchNorm1d, LayerNorm).
pub const EPS: f64 = 1e-5;
/// PyTorch's BatchNorm1d momentum: `running = (1 - m) running + m batch`.
pub const MOMENTUM: f32 = 0.1;

impl Norm {
    /// Parses `none | batch | layer`.
    pub fn parse(s: &str) -> Option<Norm> {
        match s {
            "none" => Some(Norm::None),
            "batch" => Some(Norm::Batch),
            "layer" => Some(Norm::Layer),
            _ => None,
        }
    }

    /// The CLI's name.
    pub fn name(self) -> &'static str {
        match self {
            Norm::None => "none",
            Norm::Batch => "batch",
            Norm::Layer => "layer",
        }
    }
}

/// Whether a forward pass normalizes with the batch's statistics (training) or the running estimates
/// (evaluation; batch norm only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Batch statistics.
    Train,
    /// Running estimates.
    Eval,
}

/// The saved statistics of one normalization's forward pass, for its backward pass and the running update.
#[derive(Debug, Default, Clone)]
pub struct NormTrace {
    /// The normalized values `(z - mean) / sqrt(var + eps)`, `rows x width`.
    pub xhat: Vec<f32>,
    /// `1 / sqrt(var + eps)`: per feature (batch norm) or per row (layer norm).
    pub istd: Vec<f32>,
    /// Per-feature batch mean (batch norm, training).
    pub mean: Vec<f32>,
    /// Per-feature biased batch variance (batch norm, training).
    pub var: Vec<f32>,
}

/// A normalization layer's parameters: learned scale and shift, and batch norm's running estimates (empty
/// for layer norm).
#[derive(Debug, Clone, Copy)]
pub struct NormParams<'a> {
    /// Scale, one per feature.
    pub gamma: &'a [f32],
    /// Shift, one per feature.
    pub beta: &'a [f32],
    /// Running mean, one per feature.
    pub running_mean: &'a [f32],
    /// Running variance, one per feature.
    pub running_var: &'a [f32],
}

/// `y = gamma * (z - mean) / sqrt(var + eps) + beta` for `z` of `rows x width` (row-major), in place in `y`
/// (`y` holds `z` on entry). Batch norm in [`Mode::Eval`] uses the running estimates.
pub fn forward(
    (norm, mode): (Norm, Mode),
    y: &mut [f32],
    rows: usize,
    width: usize,
    p: NormParams<'_>,
    t: &mut NormTrace,
) {
    let (gamma, beta, running) = (p.gamma, p.beta, (p.running_mean, p.running_var));
    if norm == Norm::None {
        return;
    }
    t.xhat.resize(rows * width, 0.0);
    match (norm, mode) {
        (Norm::None, _) => {}
        (Norm::Batch, Mode::Eval) => {
            t.istd.clear();
            t.istd.extend(running.1.iter().map(|&v| (1.0 / (v as f64 + EPS).sqrt()) as f32));
            t.mean.clear();
            t.mean.extend_from_slice(running.0);
        }
        (Norm::Batch, Mode::Train) => {
            let mut s = vec![0.0f64; width];
            for row in y.chunks_exact(width) {
                s.iter_mut().zip(row).for_each(|(s, &v)| *s += v as f64);
            }
            let mean: Vec<f64> = s.iter().map(|&s| s / rows as f64).collect();
            s.fill(0.0);
            for row in y.chunks_exact(width) {
                s.iter_mut().zip(row).zip(&mean).for_each(|((s, &v), &m)| *s += (v as f64 - m).powi(2));
            }
            t.var.clear();
            t.var.extend(s.iter().map(|&s| (s / rows as f64) as f32));
            t.istd.clear();
            t.istd.extend(s.iter().map(|&s| (1.0 / (s / rows as f64 + EPS).sqrt()) as f32));
            t.mean.clear();
            t.mean.extend(mean.iter().map(|&m| m as f32));
        }
        (Norm::Layer, _) => {
            t.istd.clear();
            t.mean.clear();
            for row in y.chunks_exact(width) {
                let m = row.iter().map(|&v| v as f64).sum::<f64>() / width as f64;
                let v = row.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / width as f64;
                t.mean.push(m as f32);
                t.istd.push((1.0 / (v + EPS).sqrt()) as f32);
            }
        }
    }
    for (r, (yr, xr)) in y.chunks_exact_mut(width).zip(t.xhat.chunks_exact_mut(width)).enumerate() {
        for (j, (yv, xv)) in yr.iter_mut().zip(xr.iter_mut()).enumerate() {
            let (m, is) = match norm {
                Norm::Layer => (t.mean[r], t.istd[r]),
                _ => (t.mean[j], t.istd[j]),
            };
            *xv = (*yv - m) * is;
            *yv = gamma[j] * *xv + beta[j];
        }
    }
}

/// The backward pass of a training-mode [`forward`]: from `dy` (the gradient of the loss with respect to
/// the normalization's output, `rows x width`) to the gradients of `gamma` and `beta` (overwritten) and of
/// its input `z`, in place in `dy`:
/// batch norm `dz = gamma istd / B (B dy - sum_b dy - xhat sum_b dy xhat)` per feature; layer norm the same
/// per row over features with `dxhat = gamma dy`.
pub fn backward(
    norm: Norm,
    dy: &mut [f32],
    rows: usize,
    width: usize,
    gamma: &[f32],
    t: &NormTrace,
    (dgamma, dbeta): (&mut [f32], &mut [f32]),
) {
    if norm == Norm::None {
        return;
    }
    let (mut sg, mut sb) = (vec![0.0f64; width], vec![0.0f64; width]);
    for (d, x) in dy.chunks_exact(width).zip(t.xhat.chunks_exact(width)) {
        for j in 0..width {
            sg[j] += (d[j] * x[j]) as f64;
            sb[j] += d[j] as f64;
        }
    }
    dgamma.iter_mut().zip(&sg).for_each(|(o, &s)| *o = s as f32);
    dbeta.iter_mut().zip(&sb).for_each(|(o, &s)| *o = s as f32);
    match norm {
        Norm::None => {}
        Norm::Batch => {
            let n = rows as f64;
            for (d, x) in dy.chunks_exact_mut(width).zip(t.xhat.chunks_exact(width)) {
                for j in 0..width {
                    let c = gamma[j] as f64 * t.istd[j] as f64 / n;
                    d[j] = (c * (n * d[j] as f64 - sb[j] - x[j] as f64 * sg[j])) as f32;
                }
            }
        }
        Norm::Layer => {
            let n = width as f64;
            for (r, (d, x)) in dy.chunks_exact_mut(width).zip(t.xhat.chunks_exact(width)).enumerate() {
                let (mut s, mut sx) = (0.0f64, 0.0f64);
                for j in 0..width {
                    let dx = (gamma[j] * d[j]) as f64;
                    s += dx;
                    sx += dx * x[j] as f64;
                }
                let c = t.istd[r] as f64 / n;
                for j in 0..width {
                    let dx = (gamma[j] * d[j]) as f64;
                    d[j] = (c * (n * dx - s - x[j] as f64 * sx)) as f32;
                }
            }
        }
    }
}

/// Batch norm's running update after a training step on `rows` examples:
/// `mean = (1 - m) mean + m batch_mean`, `var = (1 - m) var + m batch_var rows / (rows - 1)`.
pub fn update_running(running: (&mut [f32], &mut [f32]), t: &NormTrace, rows: usize) {
    let unbias = if rows > 1 { rows as f32 / (rows - 1) as f32 } else { 1.0 };
    for (r, &b) in running.0.iter_mut().zip(&t.mean) {
        *r = (1.0 - MOMENTUM) * *r + MOMENTUM * b;
    }
    for (r, &b) in running.1.iter_mut().zip(&t.var) {
        *r = (1.0 - MOMENTUM) * *r + MOMENTUM * b * unbias;
    }
}
