//! Stream fills across the C ABI: uniform, normal and truncated normal, f32 and f64.

use weightinit_core::{Stream, TruncBounds};

use crate::enums::{WiBoundsArg, wi_bounds};
use crate::plumbing::{guard, slice_mut, wi_status};

/// Shared body of the uniform fills.
///
/// # Safety
/// `out` must be NULL (only with `len == 0`) or point to `len` writable values.
unsafe fn fill_uniform<T: weightinit_core::Float>(
    seed: u64,
    key: u64,
    offset: u64,
    low: T,
    high: T,
    out: *mut T,
    len: usize,
) -> wi_status {
    guard(|| {
        // SAFETY: the caller passes `len` writable values at `out` (checked for NULL and alignment).
        let out = unsafe { slice_mut(out, len) }?;
        Ok(Stream::new(seed, key).fill_uniform(offset, out, low, high)?)
    })
}

/// Shared body of the normal fills.
///
/// # Safety
/// As [`fill_uniform`].
unsafe fn fill_normal<T: weightinit_core::Float>(
    seed: u64,
    key: u64,
    offset: u64,
    mean: T,
    std: T,
    out: *mut T,
    len: usize,
) -> wi_status {
    guard(|| {
        // SAFETY: as for the uniform fill.
        let out = unsafe { slice_mut(out, len) }?;
        Ok(Stream::new(seed, key).fill_normal(offset, out, mean, std)?)
    })
}

/// Shared body of the truncated-normal fills.
///
/// # Safety
/// As [`fill_uniform`].
#[allow(clippy::too_many_arguments)]
unsafe fn fill_truncated<T: weightinit_core::Float>(
    seed: u64,
    key: u64,
    offset: u64,
    mean: T,
    std: T,
    a: T,
    b: T,
    bounds: WiBoundsArg,
    out: *mut T,
    len: usize,
) -> wi_status {
    guard(|| {
        let bounds = match bounds.get()? {
            wi_bounds::WI_BOUNDS_ABSOLUTE => TruncBounds::Absolute { a, b },
            wi_bounds::WI_BOUNDS_STD_UNITS => TruncBounds::StdUnits { low: a, high: b },
        };
        // SAFETY: as for the uniform fill.
        let out = unsafe { slice_mut(out, len) }?;
        Ok(Stream::new(seed, key).fill_truncated_normal(offset, out, mean, std, bounds)?)
    })
}

/// Fills `out[0..len]` with elements `offset .. offset + len` of the uniform `[low, high)` stream
/// `(seed, key)`: bit-identical to `Stream::new(seed, key).fill_uniform(offset, ..)` in Rust and to
/// `weightinit init`. NULL `out` is accepted only with `len == 0`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_fill_uniform_f32(
    seed: u64,
    key: u64,
    offset: u64,
    low: f32,
    high: f32,
    out: *mut f32,
    len: usize,
) -> wi_status {
    // SAFETY: the caller's contract is the one documented above.
    unsafe { fill_uniform(seed, key, offset, low, high, out, len) }
}

/// `f64` twin of [`wi_fill_uniform_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_fill_uniform_f64(
    seed: u64,
    key: u64,
    offset: u64,
    low: f64,
    high: f64,
    out: *mut f64,
    len: usize,
) -> wi_status {
    // SAFETY: as above.
    unsafe { fill_uniform(seed, key, offset, low, high, out, len) }
}

/// Fills `out[0..len]` with elements `offset .. offset + len` of the normal N(mean, std^2) stream
/// `(seed, key)` by `Stream::fill_normal` (f32: the vectorized polynomial Box-Muller, identical on every CPU;
/// f64: the ziggurat): bit-identical to the Rust API.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_fill_normal_f32(
    seed: u64,
    key: u64,
    offset: u64,
    mean: f32,
    std: f32,
    out: *mut f32,
    len: usize,
) -> wi_status {
    // SAFETY: as above.
    unsafe { fill_normal(seed, key, offset, mean, std, out, len) }
}

/// `f64` twin of [`wi_fill_normal_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_fill_normal_f64(
    seed: u64,
    key: u64,
    offset: u64,
    mean: f64,
    std: f64,
    out: *mut f64,
    len: usize,
) -> wi_status {
    // SAFETY: as above.
    unsafe { fill_normal(seed, key, offset, mean, std, out, len) }
}

/// Fills `out[0..len]` with a truncated normal: `bounds` `WI_BOUNDS_ABSOLUTE` cuts at `[a, b]`,
/// `WI_BOUNDS_STD_UNITS` at `[mean + a std, mean + b std]`. Every value is inside the bounds.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_fill_truncated_normal_f32(
    seed: u64,
    key: u64,
    offset: u64,
    mean: f32,
    std: f32,
    a: f32,
    b: f32,
    bounds: WiBoundsArg,
    out: *mut f32,
    len: usize,
) -> wi_status {
    // SAFETY: as above.
    unsafe { fill_truncated(seed, key, offset, mean, std, a, b, bounds, out, len) }
}

/// `f64` twin of [`wi_fill_truncated_normal_f32`].
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_fill_truncated_normal_f64(
    seed: u64,
    key: u64,
    offset: u64,
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
    bounds: WiBoundsArg,
    out: *mut f64,
    len: usize,
) -> wi_status {
    // SAFETY: as above.
    unsafe { fill_truncated(seed, key, offset, mean, std, a, b, bounds, out, len) }
}
