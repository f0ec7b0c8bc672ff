//! gemm across the C ABI.

use weightinit_core::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with};

use crate::plumbing::{FfiResult, guard, overlaps, slice, slice_mut, wi_status};

/// Elements a row-major `rows x cols` operand with leading dimension `ld` spans.
fn extent(rows: usize, cols: usize, ld: usize) -> FfiResult<usize> {
    if rows == 0 || cols == 0 {
        return Ok(0);
    }
    if ld < cols {
        return Err(wi_status::WI_INVALID_SHAPE);
    }
    (rows - 1).checked_mul(ld).and_then(|x| x.checked_add(cols)).ok_or(wi_status::WI_SIZE_OVERFLOW)
}

/// Shared body of `wi_gemm_f32` / `wi_gemm_f64`.
///
/// # Safety
/// As documented on [`wi_gemm_f32`].
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_impl<T: weightinit_core::Float>(
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: T,
    a: *const T,
    lda: usize,
    b: *const T,
    ldb: usize,
    beta: T,
    c: *mut T,
    ldc: usize,
) -> wi_status {
    guard(|| {
        let (ar, ac) = if trans_a { (k, m) } else { (m, k) };
        let (br, bc) = if trans_b { (n, k) } else { (k, n) };
        // SAFETY: the caller passes operands spanning the extents computed from their shapes.
        let (asl, bsl, csl) = unsafe {
            (slice(a, extent(ar, ac, lda)?)?, slice(b, extent(br, bc, ldb)?)?, slice_mut(c, extent(m, n, ldc)?)?)
        };
        if overlaps(csl, asl) || overlaps(csl, bsl) {
            return Err(wi_status::WI_ALIASING);
        }
        let av = MatRef::new(asl, ar, ac, lda.max(1), 1)?;
        let av = if trans_a { av.t() } else { av };
        let bv = MatRef::new(bsl, br, bc, ldb.max(1), 1)?;
        let bv = if trans_b { bv.t() } else { bv };
        let cv = MatMut::new(csl, m, n, ldc.max(1), 1)?;
        Ok(gemm_with(GemmPath::Auto, alpha, av, bv, beta, cv, Epilogue::None)?)
    })
}

/// Row-major `C = alpha * op(A) * op(B) + beta * C`: `op(A)` is `m x k` (A stored `m x k` with leading
/// dimension `lda`, or `k x m` when `trans_a`), `op(B)` is `k x n`, C is `m x n` with leading dimension
/// `ldc`. Same dispatch as the Rust `gemm`. With `beta == 0`, C is not read. C must not overlap A or B
/// (`WI_ALIASING`). NULL pointers are accepted only for empty operands.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_gemm_f32(
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) -> wi_status {
    // SAFETY: the caller's contract is the one documented above.
    unsafe { gemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) }
}

/// `f64` twin of [`wi_gemm_f32`].
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_gemm_f64(
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    a: *const f64,
    lda: usize,
    b: *const f64,
    ldb: usize,
    beta: f64,
    c: *mut f64,
    ldc: usize,
) -> wi_status {
    // SAFETY: as above.
    unsafe { gemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) }
}
