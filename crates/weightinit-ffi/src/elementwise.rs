//! Element-wise and optimizer kernels across the C ABI (f32).

use weightinit_core::kernels;

use crate::plumbing::{guard, out, overlaps, slice, slice_mut, wi_status};

/// `y[i] = max(x[i], 0)` for `i < len` (`y` may equal `x` exactly for in-place use, but not partially overlap).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_relu_f32(x: *const f32, y: *mut f32, len: usize) -> wi_status {
    guard(|| {
        if len > 0 && core::ptr::eq(x, y) {
            // SAFETY: in place: one exclusive slice.
            let v = unsafe { slice_mut(y, len) }?;
            v.iter_mut().for_each(|e| *e = if *e > 0.0 { *e } else { 0.0 });
            return Ok(());
        }
        // SAFETY: the caller passes `len` values at each pointer.
        let (xs, ys) = unsafe { (slice(x, len)?, slice_mut(y, len)?) };
        if overlaps(xs, ys) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::relu(xs, ys)?)
    })
}

/// `grad_in[i] = pre_activation[i] > 0 ? grad_out[i] : 0` for `i < len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_relu_backward_f32(
    pre_activation: *const f32,
    grad_out: *const f32,
    grad_in: *mut f32,
    len: usize,
) -> wi_status {
    guard(|| {
        // SAFETY: the caller passes `len` values at each pointer.
        let (z, go, gi) = unsafe { (slice(pre_activation, len)?, slice(grad_out, len)?, slice_mut(grad_in, len)?) };
        if overlaps(gi, z) || overlaps(gi, go) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::relu_backward(z, go, gi)?)
    })
}

/// `y[i] = x[i] > 0 ? x[i] : slope * x[i]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_leaky_relu_f32(x: *const f32, y: *mut f32, len: usize, slope: f32) -> wi_status {
    guard(|| {
        // SAFETY: the caller passes `len` values at each pointer.
        let (xs, ys) = unsafe { (slice(x, len)?, slice_mut(y, len)?) };
        if overlaps(xs, ys) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::leaky_relu(xs, ys, slope)?)
    })
}

/// `grad_in[i] = pre_activation[i] > 0 ? grad_out[i] : slope * grad_out[i]`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_leaky_relu_backward_f32(
    pre_activation: *const f32,
    grad_out: *const f32,
    grad_in: *mut f32,
    len: usize,
    slope: f32,
) -> wi_status {
    guard(|| {
        // SAFETY: the caller passes `len` values at each pointer.
        let (z, go, gi) = unsafe { (slice(pre_activation, len)?, slice(grad_out, len)?, slice_mut(grad_in, len)?) };
        if overlaps(gi, z) || overlaps(gi, go) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::leaky_relu_backward(z, go, gi, slope)?)
    })
}

/// `x[i][j] += bias[j]` for a row-major `rows x cols` matrix.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_bias_add_f32(x: *mut f32, rows: usize, cols: usize, bias: *const f32) -> wi_status {
    guard(|| {
        let n = rows.checked_mul(cols).ok_or(wi_status::WI_SIZE_OVERFLOW)?;
        // SAFETY: the caller passes `rows * cols` values at `x` and `cols` at `bias`.
        let (xs, bs) = unsafe { (slice_mut(x, n)?, slice(bias, cols)?) };
        if overlaps(xs, bs) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::bias_add(xs, rows, cols, bs)?)
    })
}

/// `sums[j] = sum_i x[i][j]` for a row-major `rows x cols` matrix.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_col_sums_f32(x: *const f32, rows: usize, cols: usize, sums: *mut f32) -> wi_status {
    guard(|| {
        let n = rows.checked_mul(cols).ok_or(wi_status::WI_SIZE_OVERFLOW)?;
        // SAFETY: the caller passes `rows * cols` values at `x` and `cols` at `sums`.
        let (xs, ss) = unsafe { (slice(x, n)?, slice_mut(sums, cols)?) };
        if overlaps(xs, ss) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::col_sums(xs, rows, cols, ss)?)
    })
}

/// Mean softmax cross-entropy of `rows x classes` logits against `labels` (each `< classes`), written to
/// `*loss`, and its gradient with respect to the logits in `grad` (`rows x classes`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_softmax_cross_entropy_f32(
    logits: *const f32,
    rows: usize,
    classes: usize,
    labels: *const u8,
    grad: *mut f32,
    loss: *mut f32,
) -> wi_status {
    guard(|| {
        let n = rows.checked_mul(classes).ok_or(wi_status::WI_SIZE_OVERFLOW)?;
        if loss.is_null() {
            return Err(wi_status::WI_NULL_POINTER);
        }
        // SAFETY: the caller passes the documented lengths at each pointer.
        let (z, l, g) = unsafe { (slice(logits, n)?, slice(labels, rows)?, slice_mut(grad, n)?) };
        if overlaps(g, z) {
            return Err(wi_status::WI_ALIASING);
        }
        let v = kernels::softmax_cross_entropy(z, rows, classes, l, g)?;
        // SAFETY: checked non-NULL above; alignment checked in `out`.
        unsafe { out(loss, v) }
    })
}

/// SGD with momentum: `v = momentum * v + grad; w -= lr * v` over `len` parameters.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_sgd_momentum_f32(
    w: *mut f32,
    grad: *const f32,
    velocity: *mut f32,
    len: usize,
    lr: f32,
    momentum: f32,
) -> wi_status {
    guard(|| {
        // SAFETY: the caller passes `len` values at each pointer.
        let (ws, gs, vs) = unsafe { (slice_mut(w, len)?, slice(grad, len)?, slice_mut(velocity, len)?) };
        if overlaps(ws, gs) || overlaps(ws, vs) || overlaps(vs, gs) {
            return Err(wi_status::WI_ALIASING);
        }
        Ok(kernels::sgd_momentum(ws, gs, vs, lr, momentum)?)
    })
}
