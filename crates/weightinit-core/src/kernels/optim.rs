//! Optimizer steps over flat parameter slices: SGD with momentum (vectorized for the best ISA) and Adam.

use crate::error::Result;
use crate::float::Float;
use crate::kernels::elementwise::same_len;
use crate::kernels::vector::best_isa_fn;
use crate::simd::{self, Wide, WithSimd};

/// SGD with momentum, element-wise: `v = momentum * v + g; w -= lr * v` (no fused multiply-add, so every
/// path gives the same bits).
#[inline(always)]
fn sgd_body<T: Float>(w: &mut [T], g: &[T], v: &mut [T], lr: T, momentum: T) {
    for ((wi, &gi), vi) in w.iter_mut().zip(g).zip(v.iter_mut()) {
        *vi = momentum * *vi + gi;
        *wi -= lr * *vi;
    }
}

best_isa_fn!(
    /// [`sgd_body`], vectorized for the best ISA.
    sgd = sgd_body(w: &'a mut [T], g: &'a [T], v: &'a mut [T], lr: T, momentum: T) -> ()
);

/// SGD with momentum (PyTorch's convention): `v = momentum * v + grad`, `w -= lr * v`.
pub fn sgd_momentum<T: Float>(w: &mut [T], grad: &[T], velocity: &mut [T], lr: T, momentum: T) -> Result<()> {
    same_len(w.len(), grad.len())?;
    same_len(w.len(), velocity.len())?;
    sgd(w, grad, velocity, lr, momentum);
    Ok(())
}

/// Adam (Kingma & Ba 2015) step `t >= 1`: `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
/// `w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.
#[allow(clippy::too_many_arguments)]
pub fn adam<T: Float>(
    w: &mut [T],
    grad: &[T],
    m: &mut [T],
    v: &mut [T],
    t: u32,
    lr: T,
    betas: (T, T),
    eps: T,
) -> Result<()> {
    same_len(w.len(), grad.len())?;
    same_len(w.len(), m.len())?;
    same_len(w.len(), v.len())?;
    let (b1, b2) = betas;
    let c1 = T::ONE - T::from_f64(libm::pow(b1.to_f64(), t as f64));
    let c2 = T::ONE - T::from_f64(libm::pow(b2.to_f64(), t as f64));
    for (((wi, &gi), mi), vi) in w.iter_mut().zip(grad).zip(m.iter_mut()).zip(v.iter_mut()) {
        *mi = b1 * *mi + (T::ONE - b1) * gi;
        *vi = b2 * *vi + (T::ONE - b2) * gi * gi;
        *wi -= lr * (*mi / c1) / ((*vi / c2).sqrt() + eps);
    }
    Ok(())
}
