//! The C enums (`wi_layout`, `wi_nonlinearity`, `wi_scheme`, ...), each with the integer type a C
//! caller passes for it and its checked conversion (one list per enum, see `enum_arg!`).
#![allow(non_camel_case_types)]

use crate::plumbing::{FfiResult, enum_arg, wi_status};

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

/// The status argument of [`wi_status_str`](crate::wi_status_str), named `wi_status` in the header.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct WiStatusArg(pub u32);
