//! Initializers: every scheme users know from PyTorch, Keras/TF, JAX/Flax and the classic NumPy code, each
//! filling a tensor from a [`Stream`] and able to explain itself.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::explain::{Explanation, check_fits};
use crate::init::fan::{FanMode, Layout, fans, numel};
use crate::init::gain::Nonlinearity;
use crate::init::orthogonal;
use crate::sample::TruncBounds;
use crate::stream::Stream;

pub use crate::init::explain::{mode_name, truncated_normal_std};

/// The distribution of a variance-scaling initializer. Frameworks disagree on what "normal" means here:
/// Keras 2 / TF1 `distribution="normal"` is truncated, JAX's `"normal"` is untruncated. Both are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VsDistribution {
    /// `U(-limit, limit)`, `limit = sqrt(3 scale / fan)`.
    Uniform,
    /// `N(0, scale / fan)` (JAX `"normal"`, Keras 3 `"untruncated_normal"`).
    UntruncatedNormal,
    /// Normal truncated at ±2 std, with std `sqrt(scale / fan) / 0.87962566103423978` so the variance is
    /// still `scale / fan` (Keras/JAX `"truncated_normal"`).
    TruncatedNormal,
}

/// An initializer and its parameters. Parameters are `f64` and converted once to the tensor's type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// All ones.
    Ones,
    /// Every element `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// `U[low, high)`.
    Uniform {
        /// Lower bound (inclusive).
        low: f64,
        /// Upper bound (exclusive).
        high: f64,
    },
    /// `N(mean, std^2)`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// `N(mean, std^2)` truncated to `bounds` (absolute: PyTorch `trunc_normal_`; std units: Keras/JAX).
    TruncatedNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation of the untruncated normal.
        std: f64,
        /// Where to cut.
        bounds: TruncBounds<f64>,
    },
    /// Glorot & Bengio (2010), PyTorch `xavier_uniform_`: `U(-a, a)`, `a = gain sqrt(6 / (fan_in + fan_out))`.
    XavierUniform {
        /// Gain (1 for linear layers).
        gain: f64,
    },
    /// PyTorch `xavier_normal_`: `N(0, std^2)`, `std = gain sqrt(2 / (fan_in + fan_out))` (untruncated;
    /// Keras `glorot_normal` is the truncated [`Init::VarianceScaling`] with scale 1, fan_avg).
    XavierNormal {
        /// Gain.
        gain: f64,
    },
    /// He et al. (2015), PyTorch `kaiming_uniform_`: `U(-b, b)`, `b = gain(nonlinearity) sqrt(3 / fan)`.
    /// PyTorch's default is `LeakyRelu(0)` (gain sqrt 2) and fan_in.
    KaimingUniform {
        /// Which fan.
        mode: FanMode,
        /// Nonlinearity whose gain to use; PyTorch's `a` is the `LeakyRelu` slope.
        nonlinearity: Nonlinearity,
    },
    /// PyTorch `kaiming_normal_`: `N(0, std^2)`, `std = gain(nonlinearity) / sqrt(fan)` (untruncated;
    /// Keras `he_normal` is the truncated [`Init::VarianceScaling`] with scale 2, fan_in).
    KaimingNormal {
        /// Which fan.
        mode: FanMode,
        /// Nonlinearity whose gain to use.
        nonlinearity: Nonlinearity,
    },
    /// LeCun uniform (Keras/JAX): `U(-l, l)`, `l = sqrt(3 / fan_in)`.
    LecunUniform,
    /// LeCun normal as Keras and JAX/Flax define it: truncated normal (±2 std) with variance `1 / fan_in`.
    LecunNormal,
    /// The general variance-scaling initializer (Keras `VarianceScaling`, JAX `variance_scaling`):
    /// variance `scale / fan(mode)` with the given distribution.
    VarianceScaling {
        /// Variance scale (> 0).
        scale: f64,
        /// Which fan.
        mode: FanMode,
        /// Distribution.
        distribution: VsDistribution,
    },
    /// Saxe et al. (2013), PyTorch `orthogonal_`: a (semi-)orthogonal matrix times `gain`, flattened as
    /// `[shape[0], numel / shape[0]]`. Needs a workspace ([`Init::workspace_len`]).
    Orthogonal {
        /// Gain.
        gain: f64,
    },
    /// The identity (PyTorch `eye_`): rank 2, ones on the main diagonal.
    Eye,
    /// Keras `Identity(gain)`: rank 2, `gain` on the main diagonal, zeros elsewhere.
    Identity {
        /// The diagonal's value.
        gain: f64,
    },
    /// JAX `orthogonal(scale, column_axis)` and Keras `Orthogonal(gain)` (`column_axis = -1`): the
    /// `[numel / shape[column_axis], shape[column_axis]]` matrix whose columns lie along `column_axis` is
    /// semi-orthogonal, times `gain`. Needs a workspace ([`Init::workspace_len`]).
    OrthogonalColumns {
        /// Gain (JAX's `scale`).
        gain: f64,
        /// The axis holding the columns (negative counts from the end).
        column_axis: isize,
    },
    /// JAX `delta_orthogonal(scale, column_axis)` (Xiao et al. 2018): a rank 3-5 convolution kernel
    /// `[*k, in, out]` (in <= out), zero but at the spatial centre `(k - 1) / 2`, where it is the orthogonal
    /// `[in, out]` matrix of [`Init::OrthogonalColumns`] with `column_axis`. Needs a workspace.
    DeltaOrthogonal {
        /// Gain (JAX's `scale`).
        gain: f64,
        /// The axis of the `[in, out]` matrix holding the columns (-1: out).
        column_axis: isize,
    },
    /// PyTorch `dirac_`: conv weights (rank 3-5) that pass input channels through (per group).
    Dirac {
        /// Number of groups (divides `shape[0]`).
        groups: usize,
    },
    /// Martens (2010), PyTorch `sparse_`: rank 2 `[rows, cols]`, `N(0, std^2)` with exactly
    /// `ceil(sparsity * rows)` zeros in every column.
    Sparse {
        /// Fraction of zeros per column, in `[0, 1]`.
        sparsity: f64,
        /// Std of the non-zero entries.
        std: f64,
    },
    /// PyTorch's default for `nn.Linear` / `nn.ConvNd` weights: `kaiming_uniform_(a = sqrt 5)`, i.e.
    /// `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` with [`Layout::Torch`] fans.
    TorchDefaultWeight,
    /// PyTorch's default bias: `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` with the weight's `fan_in` (0 gives 0).
    TorchDefaultBias {
        /// fan_in of the layer's weight.
        fan_in: usize,
    },
}

/// The values an initializer produces, with their parameters after fans and gains are applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Values {
    /// Every element equal.
    Constant {
        /// The value.
        value: f64,
    },
    /// `U[low, high)`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound (exclusive).
        high: f64,
    },
    /// `N(mean, std^2)`.
    Normal {
        /// Mean.
        mean: f64,
        /// Std.
        std: f64,
    },
    /// `N(mean, std^2)` truncated to `[a, b]`.
    TruncatedNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Std of the untruncated normal.
        std: f64,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
    /// Semi-orthogonal times `gain`.
    Orthogonal {
        /// Gain.
        gain: f64,
    },
    /// `gain` times the identity matrix.
    Eye {
        /// The diagonal's value.
        gain: f64,
    },
    /// Semi-orthogonal along `column_axis` (normalized, in `0..rank`) times `gain`.
    OrthogonalColumns {
        /// Gain.
        gain: f64,
        /// The axis holding the columns.
        column_axis: usize,
    },
    /// A delta-orthogonal kernel: the orthogonal `[in, out]` matrix (columns along `column_axis` of it, 0 or
    /// 1) at the spatial centre.
    DeltaOrthogonal {
        /// Gain.
        gain: f64,
        /// The axis of the `[in, out]` matrix holding the columns.
        column_axis: usize,
    },
    /// Dirac delta conv weight.
    Dirac {
        /// Groups.
        groups: usize,
    },
    /// `N(0, std^2)` with `zeros_per_column` zeros in each column.
    Sparse {
        /// Std of the non-zeros.
        std: f64,
        /// Exact zeros in each column.
        zeros_per_column: usize,
    },
}

/// A vector of `n` zeros, or [`Error::AllocationFailed`] (never an abort).
#[cfg(feature = "alloc")]
fn try_zeros<T: Float>(n: usize) -> Result<alloc::vec::Vec<T>> {
    let bytes = n.checked_mul(core::mem::size_of::<T>()).ok_or(Error::SizeOverflow)?;
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(n).map_err(|_| Error::AllocationFailed { bytes })?;
    v.resize(n, T::ZERO);
    Ok(v)
}

impl Init {
    /// He/Kaiming normal with PyTorch's defaults for a ReLU network: fan_in, gain sqrt 2.
    pub const HE_NORMAL: Init = Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: Nonlinearity::Relu };
    /// Xavier/Glorot normal with gain 1.
    pub const XAVIER_NORMAL: Init = Init::XavierNormal { gain: 1.0 };

    /// `f64` workspace elements [`Init::fill`] needs (non-zero only for orthogonal).
    pub fn workspace_len(&self, shape: &[usize]) -> Result<usize> {
        match self {
            Init::Orthogonal { .. } => orthogonal::workspace_len(shape),
            Init::OrthogonalColumns { column_axis, .. } => orthogonal::columns_workspace_len(shape, *column_axis),
            Init::DeltaOrthogonal { column_axis, .. } => orthogonal::delta_workspace_len(shape, *column_axis),
            _ => numel(shape).map(|_| 0),
        }
    }

    /// Fills `out` (the whole tensor of `shape`, row-major) from `stream`; `workspace` is used by
    /// orthogonal only (pass `&mut []` otherwise). Element-wise schemes give element `i` = stream element
    /// `i`, so [`Init::fill_range`] of any window matches. Returns the init report.
    ///
    /// Errors: bad parameters or shape (as [`Init::explain`]), `out.len()` not the shape's element count,
    /// a workspace shorter than [`Init::workspace_len`].
    ///
    /// ```
    /// use weightinit_core::{Stream, init::{Init, Layout}};
    /// let mut w = vec![0.0f32; 64 * 32 * 3 * 3];
    /// let report = Init::HE_NORMAL
    ///     .fill(&Stream::new(1, 0), &[64, 32, 3, 3], Layout::Torch, &mut w, &mut [])
    ///     .unwrap();
    /// assert_eq!(report.fan, Some(288.0));
    /// ```
    pub fn fill<T: Float>(
        &self,
        stream: &Stream,
        shape: &[usize],
        layout: Layout,
        out: &mut [T],
        workspace: &mut [f64],
    ) -> Result<Explanation> {
        self.fill_threads(stream, shape, layout, out, workspace, 1)
    }

    /// [`Init::fill`] with the orthogonal schemes' Householder products on up to `threads` threads (feature
    /// `std`; others fill on the caller's thread, see `Stream::fill_normal_parallel` for element-wise
    /// schemes): the same bits for every `threads`.
    pub fn fill_threads<T: Float>(
        &self,
        stream: &Stream,
        shape: &[usize],
        layout: Layout,
        out: &mut [T],
        workspace: &mut [f64],
        threads: usize,
    ) -> Result<Explanation> {
        let e = self.explain(shape, layout)?;
        check_fits::<T>(&e)?;
        let n = numel(shape)?;
        if out.len() != n {
            return Err(Error::LengthMismatch { expected: n, actual: out.len() });
        }
        match e.values {
            Values::Orthogonal { gain } => orthogonal::fill_orthogonal(stream, shape, gain, out, workspace, threads)?,
            Values::Eye { gain } => {
                out.fill(T::ZERO);
                let cols = shape[1];
                for i in 0..shape[0].min(cols) {
                    out[i * cols + i] = T::from_f64(gain);
                }
            }
            Values::OrthogonalColumns { gain, column_axis } => {
                let at =
                    orthogonal::columns_matrix::<T>(stream, shape, gain, column_axis as isize, workspace, threads)?;
                out.iter_mut().enumerate().for_each(|(i, o)| *o = T::from_f64(workspace[at(i)]));
            }
            Values::DeltaOrthogonal { gain, column_axis } => {
                let r = shape.len();
                let (din, dout) = (shape[r - 2], shape[r - 1]);
                let at = orthogonal::columns_matrix::<T>(
                    stream,
                    &[din, dout],
                    gain,
                    column_axis as isize,
                    workspace,
                    threads,
                )?;
                out.fill(T::ZERO);
                let c = orthogonal::delta_centre(shape) * din * dout;
                out[c..c + din * dout].iter_mut().enumerate().for_each(|(i, o)| *o = T::from_f64(workspace[at(i)]));
            }
            Values::Dirac { groups } => fill_dirac(shape, groups, out),
            Values::Sparse { std, zeros_per_column } => fill_sparse(stream, shape, std, zeros_per_column, out)?,
            _ => fill_values(stream, e.values, 0, out)?,
        }
        Ok(e)
    }

    /// Allocating convenience (feature `alloc`): a new row-major tensor of `shape`, filled as
    /// [`Init::fill`] does, with the workspace allocated internally.
    ///
    /// ```
    /// use weightinit_core::{Stream, init::{Init, Layout}};
    /// let (w, report) = Init::Orthogonal { gain: 1.0 }
    ///     .fill_vec::<f32>(&Stream::new(3, 0), &[4, 6], Layout::Torch)
    ///     .unwrap();
    /// assert_eq!(w.len(), 24);
    /// assert_eq!(report.scheme, "orthogonal");
    /// ```
    #[cfg(feature = "alloc")]
    pub fn fill_vec<T: Float>(
        &self,
        stream: &Stream,
        shape: &[usize],
        layout: Layout,
    ) -> Result<(alloc::vec::Vec<T>, Explanation)> {
        let e = self.explain(shape, layout)?;
        check_fits::<T>(&e)?;
        let mut out = try_zeros::<T>(numel(shape)?)?;
        let mut ws = try_zeros::<f64>(self.workspace_len(shape)?)?;
        let e = self.fill(stream, shape, layout, &mut out, &mut ws)?;
        Ok((out, e))
    }

    /// Fills elements `offset .. offset + out.len()` of the tensor, for element-wise schemes (everything but
    /// orthogonal, eye, identity, dirac and sparse), so shards or threads can each produce their part with the same
    /// bits as a whole [`Init::fill`]. Errors: as [`Init::explain`], a range past the end of the tensor, or
    /// [`Error::Unsupported`] for the structured schemes.
    pub fn fill_range<T: Float>(
        &self,
        stream: &Stream,
        shape: &[usize],
        layout: Layout,
        offset: usize,
        out: &mut [T],
    ) -> Result<Explanation> {
        let e = self.explain(shape, layout)?;
        check_fits::<T>(&e)?;
        let n = numel(shape)?;
        match offset.checked_add(out.len()) {
            Some(end) if end <= n => {}
            _ => {
                return Err(Error::BufferTooSmall { needed: offset.saturating_add(out.len()), actual: n });
            }
        }
        fill_values(stream, e.values, offset as u64, out)?;
        Ok(e)
    }
}

/// `x` as a `T`, or an error naming the parameter when it does not fit.
fn param<T: Float>(x: f64, name: &'static str) -> Result<T> {
    let v = T::from_f64(x);
    if v.is_finite() { Ok(v) } else { Err(Error::InvalidParameter { name, reason: "outside the float type's range" }) }
}

/// The f32 bulk fill (its parameters checked as [`fill_values`] checks them) that gives `values`, if one
/// does: uniform, normal, and truncated normal with bounds the fast path takes.
pub(crate) fn bulk_f32(values: Values) -> Result<Option<crate::sample::bulk::BulkF32>> {
    use crate::sample::bulk::BulkF32;
    use crate::sample::{Normal, NormalMethod, TruncatedNormal, Uniform};
    Ok(Some(match values {
        Values::Uniform { low, high } => {
            BulkF32::Uniform(Uniform::new(param::<f32>(low, "low")?, param(high, "high")?)?.params().cast())
        }
        Values::Normal { mean, std } => {
            let (mean, std) = (param::<f32>(mean, "mean")?, param::<f32>(std, "std")?);
            Normal::new(mean, std, NormalMethod::default_for::<f32>())?;
            BulkF32::Normal { mean, std }
        }
        Values::TruncatedNormal { mean, std, a, b } => {
            let bounds = TruncBounds::Absolute { a: param::<f32>(a, "a")?, b: param(b, "b")? };
            match TruncatedNormal::new(param::<f32>(mean, "mean")?, param(std, "std")?, bounds)?.fast_params() {
                Some(p) => BulkF32::Truncated(p),
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    }))
}

pub(crate) fn fill_values<T: Float>(stream: &Stream, values: Values, offset: u64, out: &mut [T]) -> Result<()> {
    let t = param::<T>;
    match values {
        Values::Constant { value } => out.fill(t(value, "value")?),
        Values::Uniform { low, high } => stream.fill_uniform(offset, out, t(low, "low")?, t(high, "high")?)?,
        Values::Normal { mean, std } => stream.fill_normal(offset, out, t(mean, "mean")?, t(std, "std")?)?,
        Values::TruncatedNormal { mean, std, a, b } => {
            let bounds = TruncBounds::Absolute { a: t(a, "a")?, b: t(b, "b")? };
            stream.fill_truncated_normal(offset, out, t(mean, "mean")?, t(std, "std")?, bounds)?
        }
        _ => {
            return Err(Error::Unsupported { what: "a range fill of a structured (non element-wise) scheme" });
        }
    }
    Ok(())
}

fn fill_dirac<T: Float>(shape: &[usize], groups: usize, out: &mut [T]) {
    out.fill(T::ZERO);
    let out_per_group = shape[0] / groups;
    let k = &shape[2..];
    let kernel: usize = k.iter().product();
    // Offset of the kernel's centre (k // 2 on each axis) within one [*k] block, row-major.
    let mut centre = 0;
    for &d in k {
        centre = centre * d + d / 2;
    }
    for g in 0..groups {
        for d in 0..out_per_group.min(shape[1]) {
            let o = g * out_per_group + d;
            out[(o * shape[1] + d) * kernel + centre] = T::ONE;
        }
    }
}

/// Sparse: normals at stream elements `0..rows*cols`; column `c`'s zero rows chosen by selection sampling
/// (Knuth's Algorithm S) with the f64 uniforms at stream elements `numel + c * rows + i`.
fn fill_sparse<T: Float>(stream: &Stream, shape: &[usize], std: f64, zeros: usize, out: &mut [T]) -> Result<()> {
    let (rows, cols) = (shape[0], shape[1]);
    stream.fill_normal(0, out, T::ZERO, T::from_f64(std))?;
    for c in 0..cols {
        sparse_zero_rows(stream, rows, cols, c, zeros, |i| out[i * cols + c] = T::ZERO)?;
    }
    Ok(())
}

/// The rows of column `c` that sparse sets to zero, in order, passed to `zero`: selection sampling (Knuth's
/// Algorithm S) with the f64 uniforms at stream elements `rows * cols + c * rows + i`.
pub(crate) fn sparse_zero_rows(
    stream: &Stream,
    rows: usize,
    cols: usize,
    c: usize,
    zeros: usize,
    mut zero: impl FnMut(usize),
) -> Result<()> {
    let base = (rows * cols) as u64;
    let mut u = [0.0f64; 256];
    let mut needed = zeros;
    let mut i = 0;
    while i < rows && needed > 0 {
        let chunk = (rows - i).min(u.len());
        stream.fill_uniform(base + (c * rows + i) as u64, &mut u[..chunk], 0.0, 1.0)?;
        for &ui in &u[..chunk] {
            // Select row i with probability needed / (rows - i): exactly `zeros` rows, uniformly.
            if ((rows - i) as f64) * ui < needed as f64 {
                zero(i);
                needed -= 1;
            }
            i += 1;
        }
    }
    Ok(())
}

/// The default initializers of common layers in each framework.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerDefaults {
    /// The weight's initializer.
    pub weight: Init,
    /// The bias's initializer.
    pub bias: Init,
}

/// PyTorch `nn.Linear` / `nn.ConvNd` defaults for a weight of `weight_shape` (`[out, in, *k]`):
/// weight `kaiming_uniform_(a = sqrt 5)` = `U(±1/sqrt(fan_in))`, bias `U(±1/sqrt(fan_in))`.
pub fn torch_layer(weight_shape: &[usize]) -> Result<LayerDefaults> {
    let f = fans(weight_shape, Layout::Torch)?;
    Ok(LayerDefaults { weight: Init::TorchDefaultWeight, bias: Init::TorchDefaultBias { fan_in: f.fan_in } })
}

/// Keras `Dense` / `Conv` defaults: kernel `glorot_uniform` (variance scaling 1, fan_avg, uniform), bias zeros.
pub const KERAS_DENSE: LayerDefaults = LayerDefaults {
    weight: Init::VarianceScaling { scale: 1.0, mode: FanMode::FanAvg, distribution: VsDistribution::Uniform },
    bias: Init::Zeros,
};

/// Flax `nn.Dense` defaults: kernel `lecun_normal` (truncated normal, variance 1 / fan_in), bias zeros.
pub const FLAX_DENSE: LayerDefaults = LayerDefaults { weight: Init::LecunNormal, bias: Init::Zeros };
