//! Shards across the C ABI: a box of a tensor, the same bits as the same box of `wi_init_f32` /
//! `wi_init_f64`, computed alone (no communication between ranks or threads).

use weightinit_core::Stream;

use crate::enums::WiLayoutArg;
use crate::init::{Buffers, fill_with, init_of, layout_of, wi_init_report, wi_init_spec};
use crate::plumbing::{FfiResult, guard, out, slice, wi_status};

/// The shape and the box, read from the caller's arrays (each `ndim` long).
///
/// # Safety
/// `shape`, `box_start` and `box_len` must each be NULL (only with `ndim == 0`) or point to `ndim` values.
unsafe fn read_box<'a>(
    shape: *const usize,
    box_start: *const usize,
    box_len: *const usize,
    ndim: usize,
) -> FfiResult<(&'a [usize], &'a [usize], &'a [usize])> {
    // SAFETY: the caller passes `ndim` readable values at each pointer (checked for NULL and alignment).
    unsafe { Ok((slice(shape, ndim)?, slice(box_start, ndim)?, slice(box_len, ndim)?)) }
}

/// Workspace (`double` elements) that [`wi_init_shard_f32`] / [`wi_init_shard_f64`] need for `spec`,
/// `shape` and the box: for orthogonal the whole Householder product's workspace plus the whole tensor (orthogonal
/// needs the whole product: it is computed there and the box copied out); 0 otherwise. Errors as the shard functions'.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_shard_workspace_len(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    box_start: *const usize,
    box_len: *const usize,
    len: *mut usize,
) -> wi_status {
    guard(|| {
        // SAFETY: checked non-NULL and aligned; the caller guarantees a readable spec.
        let spec = unsafe { spec.as_ref() }.ok_or(wi_status::WI_NULL_POINTER)?;
        // SAFETY: the caller passes `ndim` values at each array.
        let (shape, start, blen) = unsafe { read_box(shape, box_start, box_len, ndim) }?;
        layout_of(layout, spec.groups)?;
        let n = init_of(spec)?.shard_workspace_len(shape, start, blen)?;
        // SAFETY: checked in `out`.
        unsafe { out(len, n) }
    })
}

/// Shared body of the shard fills.
///
/// # Safety
/// As documented on [`wi_init_shard_f32`].
#[allow(clippy::too_many_arguments)]
unsafe fn shard_impl<T: weightinit_core::Float>(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    seed: u64,
    key: u64,
    box_start: *const usize,
    box_len: *const usize,
    out_ptr: *mut T,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    let b = Buffers { out: out_ptr, out_len, workspace, workspace_len, report };
    let fill = |spec: &wi_init_spec, o: &mut [T], ws: &mut [f64]| {
        // SAFETY: the caller passes `ndim` values at each array.
        let (shape, start, blen) = unsafe { read_box(shape, box_start, box_len, ndim) }?;
        let (stream, layout) = (Stream::new(seed, key), layout_of(layout, spec.groups)?);
        Ok(init_of(spec)?.fill_shard(&stream, shape, layout, start, blen, o, ws)?)
    };
    // SAFETY: the caller upholds `wi_init_shard_f32`'s contract, which covers `fill_with`'s.
    unsafe { fill_with(spec, b, fill) }
}

/// Fills `out` with the box `box_start[d] .. box_start[d] + box_len[d]` (every `d < ndim`) of the tensor
/// `wi_init_f32` would produce for the same `spec`, `shape`, `layout`, `seed` and `key`: the same bits, in
/// row-major (C) order over the box. Element-wise schemes fill each contiguous run of the box straight from
/// the stream at its global offset; eye, dirac and sparse compute only what the box needs; orthogonal
/// computes the whole Householder product in `workspace` ([`wi_init_shard_workspace_len`]) and copies the box.
///
/// Statuses: a box past the shape `WI_SHARD_OUT_OF_BOUNDS`, a zero-length box `WI_EMPTY_SHARD`, `out_len`
/// below the box's element count (or a short workspace) `WI_BUFFER_TOO_SMALL`; `out` overlapping
/// `workspace` `WI_ALIASING`; the rest as `wi_init_f32`. `report` may be NULL.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_shard_f32(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    seed: u64,
    key: u64,
    box_start: *const usize,
    box_len: *const usize,
    out: *mut f32,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    // SAFETY: the caller upholds this function's contract, which is `shard_impl`'s.
    unsafe {
        shard_impl(
            spec,
            shape,
            ndim,
            layout,
            seed,
            key,
            box_start,
            box_len,
            out,
            out_len,
            workspace,
            workspace_len,
            report,
        )
    }
}

/// `double` twin of [`wi_init_shard_f32`].
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_shard_f64(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    seed: u64,
    key: u64,
    box_start: *const usize,
    box_len: *const usize,
    out: *mut f64,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    // SAFETY: as above.
    unsafe {
        shard_impl(
            spec,
            shape,
            ndim,
            layout,
            seed,
            key,
            box_start,
            box_len,
            out,
            out_len,
            workspace,
            workspace_len,
            report,
        )
    }
}
