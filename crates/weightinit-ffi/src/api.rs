//! The `wi_*` functions. Every function checks every pointer, converts every enum from its integer value
//! (an out-of-range value is `WI_INVALID_ENUM`, never undefined behaviour) and runs behind the panic
//! boundary. Nothing allocates: all memory is the caller's.
#![allow(non_camel_case_types)]

use core::ffi::c_char;

use weightinit_core::init::{FanMode, Init, Layout, Nonlinearity, VsDistribution, fans, gain as gain_of};
use weightinit_core::kernels::{self, Epilogue, GemmPath, MatMut, MatRef, gemm_with};
use weightinit_core::{Stream, TruncBounds};

use crate::plumbing::{FfiResult, guard, out, overlaps, slice, slice_mut, wi_status};

/// Range-checked conversion from the integer a C caller passes to its enum.
macro_rules! enum_arg {
    ($arg:ident, $name:ident { $($variant:ident),+ $(,)? }) => {
        impl $arg {
            pub(crate) fn get(self) -> FfiResult<$name> {
                $(if self.0 == $name::$variant as u32 { return Ok($name::$variant); })+
                Err(wi_status::WI_INVALID_ENUM)
            }
        }
    };
}

/// Weight layouts, for fans (see weightinit-core's `Layout`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_layout {
    /// PyTorch `[out, in, *k]`, PyTorch's formula.
    WI_LAYOUT_TORCH = 0,
    /// PyTorch conv `[out, in/groups, *k]` with the true fan_out (uses `groups`).
    WI_LAYOUT_TORCH_CONV = 1,
    /// PyTorch transposed conv `[in, out/groups, *k]` with its true fans (uses `groups`).
    WI_LAYOUT_TORCH_CONV_TRANSPOSE = 2,
    /// Keras/TF `[*k, in, out]`.
    WI_LAYOUT_KERAS = 3,
    /// NumPy dense `[in, out]`.
    WI_LAYOUT_IN_OUT = 4,
    /// JAX default axes (in -2, out -1).
    WI_LAYOUT_JAX = 5,
}

/// The integer a C caller passes for a `wi_layout` (so named in the header), range-checked before use.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WiLayoutArg(pub u32);

enum_arg!(
    WiLayoutArg,
    wi_layout {
        WI_LAYOUT_TORCH,
        WI_LAYOUT_TORCH_CONV,
        WI_LAYOUT_TORCH_CONV_TRANSPOSE,
        WI_LAYOUT_KERAS,
        WI_LAYOUT_IN_OUT,
        WI_LAYOUT_JAX
    }
);

/// Nonlinearities, for gains (as PyTorch's `calculate_gain`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_nonlinearity {
    /// 1.
    WI_NONLINEARITY_LINEAR = 0,
    /// 1.
    WI_NONLINEARITY_CONV1D = 1,
    /// 1.
    WI_NONLINEARITY_CONV2D = 2,
    /// 1.
    WI_NONLINEARITY_CONV3D = 3,
    /// 1.
    WI_NONLINEARITY_CONV_TRANSPOSE1D = 4,
    /// 1.
    WI_NONLINEARITY_CONV_TRANSPOSE2D = 5,
    /// 1.
    WI_NONLINEARITY_CONV_TRANSPOSE3D = 6,
    /// 1.
    WI_NONLINEARITY_SIGMOID = 7,
    /// 5/3.
    WI_NONLINEARITY_TANH = 8,
    /// sqrt 2.
    WI_NONLINEARITY_RELU = 9,
    /// sqrt(2 / (1 + a^2)), `a` = the `param` argument.
    WI_NONLINEARITY_LEAKY_RELU = 10,
    /// 3/4.
    WI_NONLINEARITY_SELU = 11,
}

/// The integer a C caller passes for a `wi_nonlinearity` (so named in the header), range-checked before use.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WiNonlinearityArg(pub u32);

enum_arg!(
    WiNonlinearityArg,
    wi_nonlinearity {
        WI_NONLINEARITY_LINEAR,
        WI_NONLINEARITY_CONV1D,
        WI_NONLINEARITY_CONV2D,
        WI_NONLINEARITY_CONV3D,
        WI_NONLINEARITY_CONV_TRANSPOSE1D,
        WI_NONLINEARITY_CONV_TRANSPOSE2D,
        WI_NONLINEARITY_CONV_TRANSPOSE3D,
        WI_NONLINEARITY_SIGMOID,
        WI_NONLINEARITY_TANH,
        WI_NONLINEARITY_RELU,
        WI_NONLINEARITY_LEAKY_RELU,
        WI_NONLINEARITY_SELU
    }
);

/// Initializers.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_scheme {
    /// 0.
    WI_SCHEME_ZEROS = 0,
    /// 1.
    WI_SCHEME_ONES = 1,
    /// `param`.
    WI_SCHEME_CONSTANT = 2,
    /// U[a, b).
    WI_SCHEME_UNIFORM = 3,
    /// N(mean, std^2).
    WI_SCHEME_NORMAL = 4,
    /// N(mean, std^2) truncated to [a, b] (`bounds` says absolute or std units).
    WI_SCHEME_TRUNCATED_NORMAL = 5,
    /// Glorot uniform with `gain`.
    WI_SCHEME_XAVIER_UNIFORM = 6,
    /// Glorot normal with `gain`.
    WI_SCHEME_XAVIER_NORMAL = 7,
    /// He/Kaiming uniform (`mode`, `nonlinearity`, `param` = leaky slope).
    WI_SCHEME_HE_UNIFORM = 8,
    /// He/Kaiming normal.
    WI_SCHEME_HE_NORMAL = 9,
    /// LeCun uniform.
    WI_SCHEME_LECUN_UNIFORM = 10,
    /// LeCun normal (truncated, Keras/JAX).
    WI_SCHEME_LECUN_NORMAL = 11,
    /// Variance scaling (`scale`, `mode`, `distribution`).
    WI_SCHEME_VARIANCE_SCALING = 12,
    /// Orthogonal with `gain` (needs a workspace).
    WI_SCHEME_ORTHOGONAL = 13,
    /// Identity (rank 2).
    WI_SCHEME_EYE = 14,
    /// Dirac (`groups`).
    WI_SCHEME_DIRAC = 15,
    /// Sparse (`sparsity`, `std`).
    WI_SCHEME_SPARSE = 16,
    /// PyTorch nn.Linear / nn.ConvNd default weight.
    WI_SCHEME_TORCH_LINEAR = 17,
}

/// The integer a C caller passes for a `wi_scheme` (so named in the header), range-checked before use.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WiSchemeArg(pub u32);

enum_arg!(
    WiSchemeArg,
    wi_scheme {
        WI_SCHEME_ZEROS,
        WI_SCHEME_ONES,
        WI_SCHEME_CONSTANT,
        WI_SCHEME_UNIFORM,
        WI_SCHEME_NORMAL,
        WI_SCHEME_TRUNCATED_NORMAL,
        WI_SCHEME_XAVIER_UNIFORM,
        WI_SCHEME_XAVIER_NORMAL,
        WI_SCHEME_HE_UNIFORM,
        WI_SCHEME_HE_NORMAL,
        WI_SCHEME_LECUN_UNIFORM,
        WI_SCHEME_LECUN_NORMAL,
        WI_SCHEME_VARIANCE_SCALING,
        WI_SCHEME_ORTHOGONAL,
        WI_SCHEME_EYE,
        WI_SCHEME_DIRAC,
        WI_SCHEME_SPARSE,
        WI_SCHEME_TORCH_LINEAR
    }
);

/// Fan modes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_fan_mode {
    /// fan_in.
    WI_FAN_IN = 0,
    /// fan_out.
    WI_FAN_OUT = 1,
    /// (fan_in + fan_out) / 2.
    WI_FAN_AVG = 2,
    /// sqrt(fan_in fan_out).
    WI_FAN_GEO_AVG = 3,
}

/// The integer a C caller passes for a `wi_fan_mode` (so named in the header), range-checked before use.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WiFanModeArg(pub u32);

enum_arg!(WiFanModeArg, wi_fan_mode { WI_FAN_IN, WI_FAN_OUT, WI_FAN_AVG, WI_FAN_GEO_AVG });

/// Variance-scaling distributions.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_distribution {
    /// Uniform.
    WI_DISTRIBUTION_UNIFORM = 0,
    /// Untruncated normal (JAX "normal").
    WI_DISTRIBUTION_NORMAL = 1,
    /// Truncated normal at ±2 std with the 0.8796 correction (Keras/JAX "truncated_normal").
    WI_DISTRIBUTION_TRUNCATED_NORMAL = 2,
}

/// The integer a C caller passes for a `wi_distribution` (so named in the header), range-checked before use.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WiDistributionArg(pub u32);

enum_arg!(
    WiDistributionArg,
    wi_distribution { WI_DISTRIBUTION_UNIFORM, WI_DISTRIBUTION_NORMAL, WI_DISTRIBUTION_TRUNCATED_NORMAL }
);

/// How truncated-normal bounds are given.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_bounds {
    /// Absolute values `[a, b]` (PyTorch `trunc_normal_`).
    WI_BOUNDS_ABSOLUTE = 0,
    /// Standard deviations `[mean + a std, mean + b std]` (Keras/JAX).
    WI_BOUNDS_STD_UNITS = 1,
}

/// The integer a C caller passes for a `wi_bounds` (so named in the header), range-checked before use.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WiBoundsArg(pub u32);

enum_arg!(WiBoundsArg, wi_bounds { WI_BOUNDS_ABSOLUTE, WI_BOUNDS_STD_UNITS });

/// The status argument of [`wi_status_str`], named `wi_status` in the header.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct WiStatusArg(pub u32);

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

fn copy_str<const N: usize>(dst: &mut [c_char; N], s: &str) {
    let n = s.len().min(N - 1);
    for (d, &b) in dst.iter_mut().zip(&s.as_bytes()[..n]) {
        *d = b as c_char;
    }
    dst[n] = 0;
}

/// A `core::fmt::Write` into a fixed buffer (truncating).
struct FixedBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> core::fmt::Write for FixedBuf<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(N - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

fn report_from(e: &weightinit_core::init::Explanation) -> wi_init_report {
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

fn layout_of(layout: WiLayoutArg, groups: usize) -> FfiResult<Layout> {
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

/// The Rust initializer a spec describes.
pub fn init_of(s: &wi_init_spec) -> FfiResult<Init> {
    use wi_scheme::*;
    Ok(match s.scheme.get()? {
        WI_SCHEME_ZEROS => Init::Zeros,
        WI_SCHEME_ONES => Init::Ones,
        WI_SCHEME_CONSTANT => Init::Constant { value: s.param },
        WI_SCHEME_UNIFORM => Init::Uniform { low: s.a, high: s.b },
        WI_SCHEME_NORMAL => Init::Normal { mean: s.mean, std: s.std },
        WI_SCHEME_TRUNCATED_NORMAL => Init::TruncatedNormal {
            mean: s.mean,
            std: s.std,
            bounds: match s.bounds.get()? {
                wi_bounds::WI_BOUNDS_ABSOLUTE => TruncBounds::Absolute { a: s.a, b: s.b },
                wi_bounds::WI_BOUNDS_STD_UNITS => TruncBounds::StdUnits { low: s.a, high: s.b },
            },
        },
        WI_SCHEME_XAVIER_UNIFORM => Init::XavierUniform { gain: s.gain },
        WI_SCHEME_XAVIER_NORMAL => Init::XavierNormal { gain: s.gain },
        WI_SCHEME_HE_UNIFORM => {
            Init::KaimingUniform { mode: mode_of(s.mode)?, nonlinearity: nonlinearity_of(s.nonlinearity, s.param)? }
        }
        WI_SCHEME_HE_NORMAL => {
            Init::KaimingNormal { mode: mode_of(s.mode)?, nonlinearity: nonlinearity_of(s.nonlinearity, s.param)? }
        }
        WI_SCHEME_LECUN_UNIFORM => Init::LecunUniform,
        WI_SCHEME_LECUN_NORMAL => Init::LecunNormal,
        WI_SCHEME_VARIANCE_SCALING => Init::VarianceScaling {
            scale: s.scale,
            mode: mode_of(s.mode)?,
            distribution: match s.distribution.get()? {
                wi_distribution::WI_DISTRIBUTION_UNIFORM => VsDistribution::Uniform,
                wi_distribution::WI_DISTRIBUTION_NORMAL => VsDistribution::UntruncatedNormal,
                wi_distribution::WI_DISTRIBUTION_TRUNCATED_NORMAL => VsDistribution::TruncatedNormal,
            },
        },
        WI_SCHEME_ORTHOGONAL => Init::Orthogonal { gain: s.gain },
        WI_SCHEME_EYE => Init::Eye,
        WI_SCHEME_DIRAC => Init::Dirac { groups: s.groups },
        WI_SCHEME_SPARSE => Init::Sparse { sparsity: s.sparsity, std: s.std },
        WI_SCHEME_TORCH_LINEAR => Init::TorchDefaultWeight,
    })
}

/// The library version, a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn wi_version() -> *const c_char {
    c"0.1.0".as_ptr()
}

/// A static NUL-terminated message for any status value (unknown values included). Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wi_status_str(status: WiStatusArg) -> *const c_char {
    wi_status::message(status.0).as_ptr()
}

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

/// Workspace (`double` elements) that [`wi_init_f32`] / [`wi_init_f64`] need for `spec` and `shape`:
/// `rows * cols + min(rows, cols)` for orthogonal, 0 otherwise.
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
    guard(|| {
        // SAFETY: checked non-NULL; the caller guarantees a readable spec.
        let spec = unsafe { spec.as_ref() }.ok_or(wi_status::WI_NULL_POINTER)?;
        // SAFETY: the caller passes `ndim` readable values at `shape`.
        let shape = unsafe { slice(shape, ndim) }?;
        // SAFETY: the caller passes `out_len` writable values at `out_ptr`.
        let o = unsafe { slice_mut(out_ptr, out_len) }?;
        // SAFETY: the caller passes `workspace_len` writable values at `workspace`.
        let ws = unsafe { slice_mut(workspace, workspace_len) }?;
        if overlaps(o, ws) {
            return Err(wi_status::WI_ALIASING);
        }
        let e = init_of(spec)?.fill(&Stream::new(seed, key), shape, layout_of(layout, spec.groups)?, o, ws)?;
        if !report.is_null() {
            // SAFETY: non-NULL; checked for alignment in `out`; the caller guarantees it is writable.
            unsafe { out(report, report_from(&e)) }?;
        }
        Ok(())
    })
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
