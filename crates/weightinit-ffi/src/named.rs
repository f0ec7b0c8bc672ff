//! Framework initializers by name across the C ABI: `wi_init_named_f32("keras:he_normal", &args, ...)`
//! resolves the name through the core's framework table (`weightinit_core::init::framework`), with the
//! framework's own argument names, defaults, layout and axes, and fills as `wi_init_f32` does.
#![allow(non_camel_case_types)]

use core::ffi::{CStr, c_char};

use weightinit_core::Stream;
use weightinit_core::init::framework::{FrameworkParams, Resolved, framework_init};

use crate::init::{Buffers, fill_with, wi_init_report};
use crate::plumbing::{FfiResult, guard, out, slice, wi_status};

/// A framework initializer's arguments, by the framework's names. Start from `wi_framework_args_default`
/// (every field "not given": the framework's default applies), then set what you pass. A given argument
/// the initializer does not take is `WI_INVALID_PARAMETER`, as in the framework.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wi_framework_args {
    /// `mean` (NaN: not given).
    pub mean: f64,
    /// `std` / `stddev` (NaN: not given).
    pub std: f64,
    /// torch `a` (bounds; kaiming's slope) (NaN: not given).
    pub a: f64,
    /// torch `b` (NaN: not given).
    pub b: f64,
    /// Keras `minval` (NaN: not given).
    pub minval: f64,
    /// Keras `maxval` (NaN: not given).
    pub maxval: f64,
    /// JAX `lower` (NaN: not given).
    pub lower: f64,
    /// JAX `upper` (NaN: not given).
    pub upper: f64,
    /// `val` / `value` (NaN: not given).
    pub value: f64,
    /// `gain` (NaN: not given).
    pub gain: f64,
    /// `scale` (NaN: not given).
    pub scale: f64,
    /// torch `sparsity` (NaN: not given).
    pub sparsity: f64,
    /// `mode`, the framework's spelling (`"fan_in"`); NULL: not given.
    pub mode: *const c_char,
    /// torch `nonlinearity` (`"leaky_relu"`); NULL: not given.
    pub nonlinearity: *const c_char,
    /// `distribution` (`"truncated_normal"`; JAX's `"normal"` is untruncated, Keras's truncated); NULL:
    /// not given.
    pub distribution: *const c_char,
    /// JAX `in_axis` (`INT64_MIN`: not given).
    pub in_axis: i64,
    /// JAX `out_axis` (`INT64_MIN`: not given).
    pub out_axis: i64,
    /// JAX `column_axis` (`INT64_MIN`: not given).
    pub column_axis: i64,
    /// JAX `batch_axis` as a mask, bit `k` for axis `k` (used when `has_batch_axis`).
    pub batch_axis_mask: u64,
    /// Whether `batch_axis_mask` is given.
    pub has_batch_axis: bool,
    /// torch `groups` (0: not given).
    pub groups: usize,
    /// The weight's `fan_in` for a layer default's bias (0: not given).
    pub fan_in: usize,
}

/// Sets every field of `*args` to "not given". NULL is `WI_NULL_POINTER`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_framework_args_default(args: *mut wi_framework_args) -> wi_status {
    let d = wi_framework_args {
        mean: f64::NAN,
        std: f64::NAN,
        a: f64::NAN,
        b: f64::NAN,
        minval: f64::NAN,
        maxval: f64::NAN,
        lower: f64::NAN,
        upper: f64::NAN,
        value: f64::NAN,
        gain: f64::NAN,
        scale: f64::NAN,
        sparsity: f64::NAN,
        mode: core::ptr::null(),
        nonlinearity: core::ptr::null(),
        distribution: core::ptr::null(),
        in_axis: i64::MIN,
        out_axis: i64::MIN,
        column_axis: i64::MIN,
        batch_axis_mask: 0,
        has_batch_axis: false,
        groups: 0,
        fan_in: 0,
    };
    // SAFETY: checked in `out`; the caller passes a writable struct.
    guard(|| unsafe { out(args, d) })
}

/// A C string argument: NULL is `None`; not UTF-8 is `WI_INVALID_PARAMETER`.
///
/// # Safety
/// Non-NULL `p` must point to a NUL-terminated string valid for the call.
unsafe fn c_str<'a>(p: *const c_char) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(Some).map_err(|_| wi_status::WI_INVALID_PARAMETER)
}

/// The scheme and layout of `name` with `args`.
///
/// # Safety
/// `name` NULL or NUL-terminated; `args` NULL (every default) or readable with valid string fields.
unsafe fn resolve(name: *const c_char, args: *const wi_framework_args) -> FfiResult<Resolved> {
    if name.is_null() {
        return Err(wi_status::WI_NULL_POINTER);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let name = unsafe { CStr::from_ptr(name) }.to_str().map_err(|_| wi_status::WI_UNKNOWN_NAME)?;
    let f = framework_init(name).ok_or(wi_status::WI_UNKNOWN_NAME)?;
    // SAFETY: NULL or readable, by the caller's contract.
    let p = match unsafe { args.as_ref() } {
        None => FrameworkParams::default(),
        Some(a) => {
            let num = |x: f64| (!x.is_nan()).then_some(x);
            let axis = |x: i64| (x != i64::MIN).then_some(x as isize);
            FrameworkParams {
                mean: num(a.mean),
                std: num(a.std),
                a: num(a.a),
                b: num(a.b),
                minval: num(a.minval),
                maxval: num(a.maxval),
                lower: num(a.lower),
                upper: num(a.upper),
                value: num(a.value),
                gain: num(a.gain),
                scale: num(a.scale),
                // SAFETY: each NULL or NUL-terminated, by the caller's contract.
                mode: unsafe { c_str(a.mode) }?,
                // SAFETY: as above.
                nonlinearity: unsafe { c_str(a.nonlinearity) }?,
                // SAFETY: as above.
                distribution: unsafe { c_str(a.distribution) }?,
                in_axis: axis(a.in_axis),
                out_axis: axis(a.out_axis),
                batch_axis: a.has_batch_axis.then_some(a.batch_axis_mask),
                column_axis: axis(a.column_axis),
                sparsity: num(a.sparsity),
                groups: (a.groups != 0).then_some(a.groups),
                fan_in: (a.fan_in != 0).then_some(a.fan_in),
            }
        }
    };
    Ok(f.resolve(&p)?)
}

/// Shared body of `wi_init_named_f32` / `_f64`.
///
/// # Safety
/// As documented on [`wi_init_named_f32`].
#[allow(clippy::too_many_arguments)]
unsafe fn named_impl<T: weightinit_core::Float>(
    name: *const c_char,
    args: *const wi_framework_args,
    shape: *const usize,
    ndim: usize,
    seed: u64,
    key: u64,
    out_ptr: *mut T,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    if name.is_null() {
        return wi_status::WI_NULL_POINTER;
    }
    let b = Buffers { out: out_ptr, out_len, workspace, workspace_len, report };
    let fill = |_: &c_char, o: &mut [T], ws: &mut [f64]| {
        // SAFETY: the caller's contract covers `name`, `args` and `shape`.
        let r = unsafe { resolve(name, args) }?;
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        Ok(r.init.fill(&Stream::new(seed, key), shape, r.layout, o, ws)?)
    };
    // SAFETY: `name` is non-NULL and readable (its first byte is the "spec" `fill_with` reads); the
    // caller upholds the buffers' contract.
    unsafe { fill_with(name, b, fill) }
}

/// Initializes `out[0..out_len]` (the whole tensor of `shape`, row-major) with the framework initializer
/// `name` (`"torch:kaiming_normal_"`, `"keras:he_normal"`, `"keras:HeNormal"`, `"jax:orthogonal"`,
/// `"flax:Dense"`, ...; `weightinit schemes` lists them) and `args` (NULL: every default), from the
/// stream `(seed, key)`: the same bits as `weightinit init --scheme NAME` and the Rust API. The layout is
/// the framework's own. `workspace` (see [`wi_init_named_workspace_len`]) may be NULL when 0 is needed;
/// `report` may be NULL.
///
/// Statuses: those of `wi_init_f32`, plus `WI_UNKNOWN_NAME` for a name not in the table and
/// `WI_INVALID_PARAMETER` for an argument the initializer does not take or a mode/distribution it does not
/// know.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_named_f32(
    name: *const c_char,
    args: *const wi_framework_args,
    shape: *const usize,
    ndim: usize,
    seed: u64,
    key: u64,
    out: *mut f32,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    // SAFETY: the caller upholds this function's contract, which is `named_impl`'s.
    unsafe { named_impl(name, args, shape, ndim, seed, key, out, out_len, workspace, workspace_len, report) }
}

/// [`wi_init_named_f32`] for `double`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_named_f64(
    name: *const c_char,
    args: *const wi_framework_args,
    shape: *const usize,
    ndim: usize,
    seed: u64,
    key: u64,
    out: *mut f64,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    // SAFETY: as `wi_init_named_f32`.
    unsafe { named_impl(name, args, shape, ndim, seed, key, out, out_len, workspace, workspace_len, report) }
}

/// The `double` workspace elements `wi_init_named_*` needs for `name`, `args` and `shape`, into `*len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_init_named_workspace_len(
    name: *const c_char,
    args: *const wi_framework_args,
    shape: *const usize,
    ndim: usize,
    len: *mut usize,
) -> wi_status {
    guard(|| {
        // SAFETY: the caller's contract covers `name` and `args`.
        let r = unsafe { resolve(name, args) }?;
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        let n = r.init.workspace_len(shape)?;
        // SAFETY: checked in `out`.
        unsafe { out(len, n) }
    })
}
