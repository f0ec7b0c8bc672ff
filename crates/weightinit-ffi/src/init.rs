//! Initializers across the C ABI: the spec and report structs, fans, gains, the init report, workspace
//! sizes and whole-tensor fills.
#![allow(non_camel_case_types)]

use core::ffi::c_char;

use weightinit_core::Stream;
use weightinit_core::init::{
    FanMode, Init, Layout, Nonlinearity, SchemeId, SchemeParams, VsDistribution, fans, gain as gain_of,
};

use crate::enums::*;
use crate::plumbing::{FfiResult, FixedBuf, copy_str, guard, out, overlaps, slice, slice_mut, wi_status};

/// An initializer and its parameters: a plain struct the caller fills (on the stack) and passes by
/// pointer. Fields a scheme does not use are ignored. Enum fields hold the `WI_*` constants.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wi_init_spec {
    /// `WI_SCHEME_*`.
    pub scheme: WiSchemeArg,
    /// `WI_FAN_*` (he-*, variance scaling).
    pub mode: WiFanModeArg,
    /// `WI_NONLINEARITY_*` (he-*).
    pub nonlinearity: WiNonlinearityArg,
    /// he-*: leaky-relu slope `a`; constant: the value.
    pub param: f64,
    /// xavier-*, orthogonal.
    pub gain: f64,
    /// normal, truncated normal.
    pub mean: f64,
    /// normal, truncated normal, sparse.
    pub std: f64,
    /// uniform low; truncated normal lower bound.
    pub a: f64,
    /// uniform high; truncated normal upper bound.
    pub b: f64,
    /// `WI_BOUNDS_*` (truncated normal).
    pub bounds: WiBoundsArg,
    /// sparse.
    pub sparsity: f64,
    /// variance scaling.
    pub scale: f64,
    /// `WI_DISTRIBUTION_*` (variance scaling).
    pub distribution: WiDistributionArg,
    /// dirac, and the grouped conv layouts.
    pub groups: usize,
}

/// The init report: what an initializer does for a shape. Strings are NUL-terminated and truncated to fit.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wi_init_report {
    /// Scheme name (kebab case).
    pub scheme: [c_char; 32],
    /// Whether `fan_in`, `fan_out` and `fan` are meaningful.
    pub has_fans: bool,
    /// fan_in.
    pub fan_in: usize,
    /// fan_out.
    pub fan_out: usize,
    /// The fan used (NaN when none).
    pub fan: f64,
    /// The gain (NaN when none).
    pub gain: f64,
    /// Std of the resulting values.
    pub std: f64,
    /// `|w| <= bound` (NaN when unbounded).
    pub bound: f64,
    /// Distribution of the values, e.g. "normal(mean 0, std 0.05)".
    pub distribution: [c_char; 96],
    /// The formula and the framework function it follows.
    pub formula: [c_char; 160],
}

pub(crate) fn report_from(e: &weightinit_core::init::Explanation) -> wi_init_report {
    let mut r = wi_init_report {
        scheme: [0; 32],
        has_fans: e.fans.is_some(),
        fan_in: e.fans.map_or(0, |f| f.fan_in),
        fan_out: e.fans.map_or(0, |f| f.fan_out),
        fan: e.fan.unwrap_or(f64::NAN),
        gain: e.gain.unwrap_or(f64::NAN),
        std: e.std,
        bound: e.bound.unwrap_or(f64::NAN),
        distribution: [0; 96],
        formula: [0; 160],
    };
    copy_str(&mut r.scheme, e.scheme);
    let mut d = FixedBuf::<95> { buf: [0; 95], len: 0 };
    let _ = core::fmt::write(&mut d, format_args!("{}", e.values));
    copy_str(&mut r.distribution, core::str::from_utf8(&d.buf[..d.len]).unwrap_or(""));
    copy_str(&mut r.formula, e.formula);
    r
}

pub(crate) fn layout_of(layout: WiLayoutArg, groups: usize) -> FfiResult<Layout> {
    Ok(match layout.get()? {
        wi_layout::WI_LAYOUT_TORCH => Layout::Torch,
        wi_layout::WI_LAYOUT_TORCH_CONV => Layout::TorchConv { groups },
        wi_layout::WI_LAYOUT_TORCH_CONV_TRANSPOSE => Layout::TorchConvTranspose { groups },
        wi_layout::WI_LAYOUT_KERAS => Layout::Keras,
        wi_layout::WI_LAYOUT_IN_OUT => Layout::InOut,
        wi_layout::WI_LAYOUT_JAX => Layout::JAX,
    })
}

fn nonlinearity_of(n: WiNonlinearityArg, param: f64) -> FfiResult<Nonlinearity> {
    use wi_nonlinearity::*;
    Ok(match n.get()? {
        WI_NONLINEARITY_LINEAR => Nonlinearity::Linear,
        WI_NONLINEARITY_CONV1D => Nonlinearity::Conv1d,
        WI_NONLINEARITY_CONV2D => Nonlinearity::Conv2d,
        WI_NONLINEARITY_CONV3D => Nonlinearity::Conv3d,
        WI_NONLINEARITY_CONV_TRANSPOSE1D => Nonlinearity::ConvTranspose1d,
        WI_NONLINEARITY_CONV_TRANSPOSE2D => Nonlinearity::ConvTranspose2d,
        WI_NONLINEARITY_CONV_TRANSPOSE3D => Nonlinearity::ConvTranspose3d,
        WI_NONLINEARITY_SIGMOID => Nonlinearity::Sigmoid,
        WI_NONLINEARITY_TANH => Nonlinearity::Tanh,
        WI_NONLINEARITY_RELU => Nonlinearity::Relu,
        WI_NONLINEARITY_LEAKY_RELU => Nonlinearity::LeakyRelu(param),
        WI_NONLINEARITY_SELU => Nonlinearity::Selu,
    })
}

fn mode_of(m: WiFanModeArg) -> FfiResult<FanMode> {
    Ok(match m.get()? {
        wi_fan_mode::WI_FAN_IN => FanMode::FanIn,
        wi_fan_mode::WI_FAN_OUT => FanMode::FanOut,
        wi_fan_mode::WI_FAN_AVG => FanMode::FanAvg,
        wi_fan_mode::WI_FAN_GEO_AVG => FanMode::FanGeoAvg,
    })
}

/// The core's scheme id of a C scheme value: an exhaustive match, so a `wi_scheme` without a row in the
/// core's table does not compile (the test `c_scheme_names_match_the_table` checks the names).
fn scheme_id(s: WiSchemeArg) -> FfiResult<SchemeId> {
    use wi_scheme::*;
    Ok(match s.get()? {
        WI_SCHEME_ZEROS => SchemeId::Zeros,
        WI_SCHEME_ONES => SchemeId::Ones,
        WI_SCHEME_CONSTANT => SchemeId::Constant,
        WI_SCHEME_UNIFORM => SchemeId::Uniform,
        WI_SCHEME_NORMAL => SchemeId::Normal,
        WI_SCHEME_TRUNCATED_NORMAL => SchemeId::TruncatedNormal,
        WI_SCHEME_XAVIER_UNIFORM => SchemeId::XavierUniform,
        WI_SCHEME_XAVIER_NORMAL => SchemeId::XavierNormal,
        WI_SCHEME_HE_UNIFORM => SchemeId::HeUniform,
        WI_SCHEME_HE_NORMAL => SchemeId::HeNormal,
        WI_SCHEME_LECUN_UNIFORM => SchemeId::LecunUniform,
        WI_SCHEME_LECUN_NORMAL => SchemeId::LecunNormal,
        WI_SCHEME_VARIANCE_SCALING => SchemeId::VarianceScaling,
        WI_SCHEME_ORTHOGONAL => SchemeId::Orthogonal,
        WI_SCHEME_EYE => SchemeId::Eye,
        WI_SCHEME_DIRAC => SchemeId::Dirac,
        WI_SCHEME_SPARSE => SchemeId::Sparse,
        WI_SCHEME_TORCH_LINEAR => SchemeId::TorchLinear,
    })
}

/// The Rust initializer a spec describes: every field the scheme reads is given (C has no defaults),
/// through the core's [`SchemeParams`] and [`Init::from_params`].
pub(crate) fn init_of(s: &wi_init_spec) -> FfiResult<Init> {
    let id = scheme_id(s.scheme)?;
    let reads_mode = matches!(id, SchemeId::HeUniform | SchemeId::HeNormal | SchemeId::VarianceScaling);
    let p = SchemeParams {
        mode: if reads_mode { Some(mode_of(s.mode)?) } else { None },
        nonlinearity: match id {
            SchemeId::HeUniform | SchemeId::HeNormal => Some(nonlinearity_of(s.nonlinearity, s.param)?),
            _ => None,
        },
        param: Some(s.param),
        gain: Some(s.gain),
        mean: Some(s.mean),
        std: Some(s.std),
        a: Some(s.a),
        b: Some(s.b),
        bounds_in_std: id == SchemeId::TruncatedNormal
            && match s.bounds.get()? {
                wi_bounds::WI_BOUNDS_ABSOLUTE => false,
                wi_bounds::WI_BOUNDS_STD_UNITS => true,
            },
        sparsity: Some(s.sparsity),
        scale: Some(s.scale),
        distribution: if id == SchemeId::VarianceScaling {
            Some(match s.distribution.get()? {
                wi_distribution::WI_DISTRIBUTION_UNIFORM => VsDistribution::Uniform,
                wi_distribution::WI_DISTRIBUTION_NORMAL => VsDistribution::UntruncatedNormal,
                wi_distribution::WI_DISTRIBUTION_TRUNCATED_NORMAL => VsDistribution::TruncatedNormal,
            })
        } else {
            None
        },
        groups: Some(s.groups),
        fan_in: None,
        column_axis: None,
    };
    Ok(Init::from_params(id, &p)?)
}

/// Fans of a weight of `shape[0..ndim]` in `layout` (groups 1). `fan_in` and `fan_out` must be non-NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_fans(
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    fan_in: *mut usize,
    fan_out: *mut usize,
) -> wi_status {
    // SAFETY: the caller's contract is that of wi_fans_grouped.
    unsafe { wi_fans_grouped(shape, ndim, layout, 1, fan_in, fan_out) }
}

/// [`wi_fans`] with a group count, for the `WI_LAYOUT_TORCH_CONV*` layouts.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_fans_grouped(
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    groups: usize,
    fan_in: *mut usize,
    fan_out: *mut usize,
) -> wi_status {
    guard(|| {
        if fan_in.is_null() || fan_out.is_null() {
            return Err(wi_status::WI_NULL_POINTER);
        }
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        let f = fans(shape, layout_of(layout, groups)?)?;
        // SAFETY: both output pointers were checked non-NULL; the caller guarantees they are writable.
        unsafe {
            out(fan_in, f.fan_in)?;
            out(fan_out, f.fan_out)
        }
    })
}

/// The gain of `nonlinearity` (PyTorch's `calculate_gain`); `param` is the leaky-relu slope (ignored
/// otherwise; NaN or infinite is `WI_INVALID_PARAMETER` for leaky relu). `gain` must be non-NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_gain(nonlinearity: WiNonlinearityArg, param: f32, gain: *mut f32) -> wi_status {
    guard(|| {
        let g = gain_of(nonlinearity_of(nonlinearity, param as f64)?)?;
        // SAFETY: checked for NULL and alignment in `out`; the caller guarantees it is writable.
        unsafe { out(gain, g as f32) }
    })
}

/// Workspace (`double` elements) that [`wi_init_f32`] / [`wi_init_f64`] need for `spec` and `shape`: for
/// orthogonal the `rows x cols` matrix plus its blocked Householder product's blocks (`V`, `T`, `W`, a factor
/// per column: about `(rows + cols + nb + 48) * nb` more, `nb <= 64`; ask, do not compute), 0 otherwise.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_init_workspace_len(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    len: *mut usize,
) -> wi_status {
    guard(|| {
        // SAFETY: checked non-NULL and aligned; the caller guarantees a readable spec.
        let spec = unsafe { spec.as_ref() }.ok_or(wi_status::WI_NULL_POINTER)?;
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        let n = init_of(spec)?.workspace_len(shape)?;
        // SAFETY: checked in `out`.
        unsafe { out(len, n) }
    })
}

/// The init report of `spec` for `shape` in `layout`, written to `*report`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wi_explain(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    report: *mut wi_init_report,
) -> wi_status {
    guard(|| {
        // SAFETY: checked non-NULL; the caller guarantees a readable spec.
        let spec = unsafe { spec.as_ref() }.ok_or(wi_status::WI_NULL_POINTER)?;
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        let e = init_of(spec)?.explain(shape, layout_of(layout, spec.groups)?)?;
        // SAFETY: checked in `out`.
        unsafe { out(report, report_from(&e)) }
    })
}

/// The caller's buffers of a fill: the output and the workspace, checked and not overlapping, and the
/// optional report.
pub(crate) struct Buffers<T> {
    pub(crate) out: *mut T,
    pub(crate) out_len: usize,
    pub(crate) workspace: *mut f64,
    pub(crate) workspace_len: usize,
    pub(crate) report: *mut wi_init_report,
}

/// The shared body of the whole and shard fills: reads the spec, checks the buffers, runs `fill` on them
/// and writes the report, behind the panic boundary.
///
/// # Safety
/// `spec` must be NULL or readable; `b.out` and `b.workspace` NULL (only with a zero length) or writable
/// for their lengths; `b.report` NULL or writable; the raw arrays `fill` reads valid (its caller's contract).
pub(crate) unsafe fn fill_with<S, T: weightinit_core::Float>(
    spec: *const S,
    b: Buffers<T>,
    fill: impl FnOnce(&S, &mut [T], &mut [f64]) -> FfiResult<weightinit_core::init::Explanation>,
) -> wi_status {
    guard(|| {
        // SAFETY: checked non-NULL; the caller guarantees a readable spec.
        let spec = unsafe { spec.as_ref() }.ok_or(wi_status::WI_NULL_POINTER)?;
        // SAFETY: the caller passes `out_len` writable values at `out`.
        let o = unsafe { slice_mut(b.out, b.out_len) }?;
        // SAFETY: the caller passes `workspace_len` writable values at `workspace`.
        let ws = unsafe { slice_mut(b.workspace, b.workspace_len) }?;
        if overlaps(o, ws) {
            return Err(wi_status::WI_ALIASING);
        }
        let e = fill(spec, o, ws)?;
        if !b.report.is_null() {
            // SAFETY: non-NULL; checked for alignment in `out`; the caller guarantees it is writable.
            unsafe { out(b.report, report_from(&e)) }?;
        }
        Ok(())
    })
}

/// Shared body of `wi_init_f32` / `wi_init_f64`.
///
/// # Safety
/// As documented on [`wi_init_f32`].
#[allow(clippy::too_many_arguments)]
unsafe fn init_impl<T: weightinit_core::Float>(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    seed: u64,
    key: u64,
    out_ptr: *mut T,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    let b = Buffers { out: out_ptr, out_len, workspace, workspace_len, report };
    let fill = |spec: &wi_init_spec, o: &mut [T], ws: &mut [f64]| {
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        Ok(init_of(spec)?.fill(&Stream::new(seed, key), shape, layout_of(layout, spec.groups)?, o, ws)?)
    };
    // SAFETY: the caller upholds `wi_init_f32`'s contract, which covers `fill_with`'s.
    unsafe { fill_with(spec, b, fill) }
}

/// Initializes `out[0..out_len]` (the whole tensor of `shape`, row-major) with `spec`, from the stream
/// `(seed, key)`: the same bits as `Init::fill` in Rust and `weightinit init --seed --key`.
/// `workspace` (`double`, see [`wi_init_workspace_len`]) may be NULL when 0 is needed. `report` may be
/// NULL; otherwise it receives the init report.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_f32(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    seed: u64,
    key: u64,
    out: *mut f32,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    // SAFETY: the caller's contract is the one documented above.
    unsafe { init_impl(spec, shape, ndim, layout, seed, key, out, out_len, workspace, workspace_len, report) }
}

/// `f64` twin of [`wi_init_f32`].
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wi_init_f64(
    spec: *const wi_init_spec,
    shape: *const usize,
    ndim: usize,
    layout: WiLayoutArg,
    seed: u64,
    key: u64,
    out: *mut f64,
    out_len: usize,
    workspace: *mut f64,
    workspace_len: usize,
    report: *mut wi_init_report,
) -> wi_status {
    // SAFETY: as above.
    unsafe { init_impl(spec, shape, ndim, layout, seed, key, out, out_len, workspace, workspace_len, report) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each C scheme is the core's scheme of the same name (`WI_SCHEME_HE_NORMAL` is `he-normal`).
    #[test]
    fn c_scheme_names_match_the_table() {
        let header = include_str!("../include/weightinit.h");
        let mut seen = 0;
        for v in 0..64u32 {
            let Ok(id) = scheme_id(WiSchemeArg(v)) else { continue };
            let row = weightinit_core::init::scheme(id);
            let c_name = format!("WI_SCHEME_{} = {v}", row.name.to_uppercase().replace('-', "_"));
            assert!(header.contains(&c_name), "{c_name} missing from the header");
            assert_eq!(id as u32, v, "{}", row.name);
            seen += 1;
        }
        assert_eq!(seen, 18);
    }
}
