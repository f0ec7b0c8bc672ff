//! Element-wise kernels of an MLP trainer: bias, ReLU and leaky ReLU both ways, softmax cross-entropy with
//! its gradient, column sums for bias gradients, and SGD with momentum. Every function checks its lengths
//! and returns [`Error::LengthMismatch`] instead of panicking.

use crate::error::{Error, Result};
use crate::float::Float;

pub(crate) fn same_len(expected: usize, actual: usize) -> Result<()> {
    if expected == actual { Ok(()) } else { Err(Error::LengthMismatch { expected, actual }) }
}

fn matrix_len(rows: usize, cols: usize) -> Result<usize> {
    rows.checked_mul(cols).ok_or(Error::SizeOverflow)
}

/// `x[i][j] += bias[j]` for a row-major `rows x cols` matrix.
pub fn bias_add<T: Float>(x: &mut [T], rows: usize, cols: usize, bias: &[T]) -> Result<()> {
    same_len(matrix_len(rows, cols)?, x.len())?;
    same_len(cols, bias.len())?;
    for row in x.chunks_exact_mut(cols.max(1)) {
        for (v, b) in row.iter_mut().zip(bias) {
            *v += *b;
        }
    }
    Ok(())
}

/// `y = if x > 0 { x } else { 0 }` (so a NaN input gives 0; the trainer detects divergence from the loss).
pub fn relu<T: Float>(x: &[T], y: &mut [T]) -> Result<()> {
    same_len(x.len(), y.len())?;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = if xi > T::ZERO { xi } else { T::ZERO };
    }
    Ok(())
}

/// `grad_in = grad_out` where `pre_activation > 0`, else 0 (the subgradient 0 at 0, as PyTorch).
pub fn relu_backward<T: Float>(pre_activation: &[T], grad_out: &[T], grad_in: &mut [T]) -> Result<()> {
    same_len(pre_activation.len(), grad_out.len())?;
    same_len(pre_activation.len(), grad_in.len())?;
    for ((g, &z), &d) in grad_in.iter_mut().zip(pre_activation).zip(grad_out) {
        *g = if z > T::ZERO { d } else { T::ZERO };
    }
    Ok(())
}

/// `y = x` where `x > 0`, else `slope * x`.
pub fn leaky_relu<T: Float>(x: &[T], y: &mut [T], slope: T) -> Result<()> {
    same_len(x.len(), y.len())?;
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = if xi > T::ZERO { xi } else { slope * xi };
    }
    Ok(())
}

/// `grad_in = grad_out` where `pre_activation > 0`, else `slope * grad_out`.
pub fn leaky_relu_backward<T: Float>(pre_activation: &[T], grad_out: &[T], grad_in: &mut [T], slope: T) -> Result<()> {
    same_len(pre_activation.len(), grad_out.len())?;
    same_len(pre_activation.len(), grad_in.len())?;
    for ((g, &z), &d) in grad_in.iter_mut().zip(pre_activation).zip(grad_out) {
        *g = if z > T::ZERO { d } else { slope * d };
    }
    Ok(())
}

/// Whether every `|x[i]| <= limit` (false if any `x[i]` is NaN, and for a NaN `limit`): a finiteness and
/// size check of a gradient before it is applied, vectorized (no early exit within chunks of 256).
///
/// ```
/// use weightinit_core::kernels::all_within;
/// assert!(all_within(&[1.0f32, -2.0, 0.5], 2.0));
/// assert!(!all_within(&[1.0f32, f32::NAN], 2.0));
/// assert!(!all_within(&[-3.0f32], 2.0));
/// ```
pub fn all_within<T: Float>(x: &[T], limit: T) -> bool {
    crate::kernels::vector::all_within(x, limit)
}

/// `sums[j] = sum_i x[i][j]` for a row-major `rows x cols` matrix (summed in row order).
pub fn col_sums<T: Float>(x: &[T], rows: usize, cols: usize, sums: &mut [T]) -> Result<()> {
    same_len(matrix_len(rows, cols)?, x.len())?;
    same_len(cols, sums.len())?;
    sums.fill(T::ZERO);
    for row in x.chunks_exact(cols.max(1)) {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    Ok(())
}

/// Softmax cross-entropy of a row-major `rows x classes` matrix of logits against integer labels:
/// returns the mean loss `-(1/rows) sum_i log softmax(logits_i)[label_i]` and writes its gradient with
/// respect to the logits, `grad[i][j] = (softmax(logits_i)[j] - [j == label_i]) / rows`.
///
/// Numerically stable: each row is shifted by its maximum before `exp`, and the log-probability is
/// `z_label - max - ln(sum exp(z - max))`, so no logit overflows. Errors: lengths, a label `>= classes`,
/// `rows == 0`.
pub fn softmax_cross_entropy<T: Float>(
    logits: &[T],
    rows: usize,
    classes: usize,
    labels: &[u8],
    grad: &mut [T],
) -> Result<T> {
    same_len(matrix_len(rows, classes)?, logits.len())?;
    same_len(logits.len(), grad.len())?;
    same_len(rows, labels.len())?;
    if rows == 0 || classes == 0 {
        return Err(Error::InvalidShape { reason: "softmax cross-entropy needs rows > 0 and classes > 0" });
    }
    if labels.iter().any(|&l| l as usize >= classes) {
        return Err(Error::InvalidParameter { name: "labels", reason: "every label must be < classes" });
    }
    let inv_rows = 1.0 / rows as f64;
    let scale = T::from_f64(inv_rows);
    let mut loss = 0.0f64;
    for ((z, g), &label) in logits.chunks_exact(classes).zip(grad.chunks_exact_mut(classes)).zip(labels) {
        loss += xent_row(z, g, label as usize, scale);
    }
    Ok(T::from_f64(loss * inv_rows))
}

/// [`softmax_cross_entropy`] on a block of rows of a larger batch, for callers that split a batch across
/// threads: writes `grad[i][j] = (softmax(logits_i)[j] - [j == label_i]) * scale` and each row's loss
/// `losses[i] = -log softmax(logits_i)[label_i]` (f64). With `scale = T::from_f64(1.0 / batch_rows as f64)`
/// the gradient of every row is bit for bit the one [`softmax_cross_entropy`] writes for the whole batch,
/// and its mean loss is `(0.0 + losses[0] + losses[1] + ...) * (1.0 / batch_rows as f64)`, summed in row order.
/// Errors: lengths, a label `>= classes`, `classes == 0`.
///
/// ```
/// use weightinit_core::kernels::{softmax_cross_entropy, softmax_cross_entropy_rows};
/// let (logits, labels) = ([1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0], [1u8, 2]);
/// let mut whole = [0.0f32; 6];
/// let mean = softmax_cross_entropy(&logits, 2, 3, &labels, &mut whole).unwrap();
/// let (mut g, mut losses) = ([0.0f32; 6], [0.0f64; 2]);
/// for r in 0..2 {
///     let s = r * 3..r * 3 + 3;
///     softmax_cross_entropy_rows(&logits[s.clone()], 1, 3, &labels[r..r + 1], 0.5, &mut g[s], &mut losses[r..r + 1])
///         .unwrap();
/// }
/// assert_eq!(g, whole);
/// assert_eq!(((0.0 + losses[0] + losses[1]) * 0.5) as f32, mean);
/// ```
pub fn softmax_cross_entropy_rows<T: Float>(
    logits: &[T],
    rows: usize,
    classes: usize,
    labels: &[u8],
    scale: T,
    grad: &mut [T],
    losses: &mut [f64],
) -> Result<()> {
    same_len(matrix_len(rows, classes)?, logits.len())?;
    same_len(logits.len(), grad.len())?;
    same_len(rows, labels.len())?;
    same_len(rows, losses.len())?;
    if classes == 0 {
        return Err(Error::InvalidShape { reason: "softmax cross-entropy needs classes > 0" });
    }
    if labels.iter().any(|&l| l as usize >= classes) {
        return Err(Error::InvalidParameter { name: "labels", reason: "every label must be < classes" });
    }
    let rows_iter = logits.chunks_exact(classes).zip(grad.chunks_exact_mut(classes)).zip(labels);
    for (((z, g), &label), loss) in rows_iter.zip(losses.iter_mut()) {
        *loss = xent_row(z, g, label as usize, scale);
    }
    Ok(())
}

/// One row of softmax cross-entropy: `g = (softmax(z) - onehot(label)) * scale`, returns
/// `-log softmax(z)[label] = ln(sum exp(z - max)) - (z_label - max)`.
#[inline]
fn xent_row<T: Float>(z: &[T], g: &mut [T], label: usize, scale: T) -> f64 {
    let max = z.iter().fold(z[0], |m, &v| if v > m { v } else { m });
    let mut sum = T::ZERO;
    for (gj, &zj) in g.iter_mut().zip(z) {
        let e = (zj - max).exp();
        *gj = e;
        sum += e;
    }
    let inv = T::ONE / sum;
    for gj in g.iter_mut() {
        *gj = *gj * inv * scale;
    }
    g[label] -= scale;
    -((z[label] - max).to_f64() - libm::log(sum.to_f64()))
}
