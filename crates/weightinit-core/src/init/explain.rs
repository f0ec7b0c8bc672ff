//! The init report: what an initializer does for a shape (fans, gain, distribution, std, bound, formula),
//! computed and checked before any value is drawn ([`Init::explain`]), and [`check_fits`] for the element
//! type a fill writes.

use core::fmt;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::fan::{FanMode, Fans, Layout, fans, numel};
use crate::init::gain::{Nonlinearity, gain};
use crate::init::orthogonal;
use crate::init::scheme::{Init, Values, VsDistribution};
use crate::init::table::SchemeId;
use crate::sample::truncated::STD_OF_STANDARD_NORMAL_TRUNCATED_AT_2;
use crate::sample::{Normal, NormalMethod, TruncBounds, TruncatedNormal, Uniform};
use crate::stats::{normal_cdf, normal_sf};

/// What an initializer does for a given shape and layout: the init report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Explanation {
    /// Scheme name, kebab case (`"he-normal"`), as the CLI spells it.
    pub scheme: &'static str,
    /// The fans, when the scheme uses them.
    pub fans: Option<Fans>,
    /// Which fan, when the scheme uses one.
    pub mode: Option<FanMode>,
    /// The fan's value.
    pub fan: Option<f64>,
    /// The gain, when the scheme has one.
    pub gain: Option<f64>,
    /// The distribution of the values.
    pub values: Values,
    /// Standard deviation of the values (exact, from the distribution; for sparse including the zeros).
    pub std: f64,
    /// `|x| <= bound` for every value, when the distribution is bounded.
    pub bound: Option<f64>,
    /// The formula and the framework function it follows.
    pub formula: &'static str,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scheme       {}", self.scheme)?;
        if let Some(fans) = self.fans {
            writeln!(f, "fan_in       {}", fans.fan_in)?;
            writeln!(f, "fan_out      {}", fans.fan_out)?;
        }
        if let (Some(mode), Some(fan)) = (self.mode, self.fan) {
            writeln!(f, "mode         {} = {}", mode_name(mode), fan)?;
        }
        if let Some(g) = self.gain {
            writeln!(f, "gain         {g}")?;
        }
        writeln!(f, "distribution {}", self.values)?;
        writeln!(f, "std          {}", self.std)?;
        if let Some(b) = self.bound {
            writeln!(f, "bound        {b}")?;
        }
        write!(f, "formula      {}", self.formula)
    }
}

impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Values::Constant { value } => write!(f, "constant {value}"),
            Values::Uniform { low, high } => write!(f, "uniform [{low}, {high})"),
            Values::Normal { mean, std } => write!(f, "normal(mean {mean}, std {std})"),
            Values::TruncatedNormal { mean, std, a, b } => {
                write!(f, "truncated normal(mean {mean}, std {std}) on [{a}, {b}]")
            }
            Values::Orthogonal { gain } => write!(f, "orthogonal x {gain}"),
            Values::Eye { gain } => write!(f, "identity x {gain}"),
            Values::OrthogonalColumns { gain, column_axis } => {
                write!(f, "orthogonal x {gain}, columns along axis {column_axis}")
            }
            Values::DeltaOrthogonal { gain, column_axis } => {
                write!(f, "delta-orthogonal x {gain} (centre matrix columns along its axis {column_axis})")
            }
            Values::Dirac { groups } => write!(f, "dirac ({groups} groups)"),
            Values::Sparse { std, zeros_per_column } => {
                write!(f, "sparse normal(0, {std}) with {zeros_per_column} zeros per column")
            }
        }
    }
}

/// Kebab-case name of a fan mode (`fan-in`, ...).
pub fn mode_name(mode: FanMode) -> &'static str {
    match mode {
        FanMode::FanIn => "fan-in",
        FanMode::FanOut => "fan-out",
        FanMode::FanAvg => "fan-avg",
        FanMode::FanGeoAvg => "fan-geo-avg",
    }
}

/// Standard deviation of N(mean, std^2) truncated to [a, b].
pub fn truncated_normal_std(mean: f64, std: f64, a: f64, b: f64) -> f64 {
    let (al, be) = ((a - mean) / std, (b - mean) / std);
    let pdf = |x: f64| libm::exp(-0.5 * x * x) / libm::sqrt(core::f64::consts::TAU);
    // Z computed on the side of zero that keeps precision.
    let z = if al >= 0.0 { normal_sf(al) - normal_sf(be) } else { normal_cdf(be) - normal_cdf(al) };
    let (pa, pb) = (pdf(al), pdf(be));
    let m = (pa - pb) / z;
    let var = 1.0 + (al * pa - be * pb) / z - m * m;
    std * libm::sqrt(var.max(0.0))
}

/// Errors unless every value `e` describes is finite in `T`: a bound (or constant) beyond `T::MAX` would
/// fill infinities (`f32` holds magnitudes up to 3.4e38). Unbounded normals are checked by
/// [`Normal::new`].
pub fn check_fits<T: Float>(e: &Explanation) -> Result<()> {
    if let Values::Constant { value } = e.values
        && libm::fabs(value) > T::MAX.to_f64()
    {
        return Err(Error::InvalidParameter { name: "value", reason: "outside the float type's range" });
    }
    if e.bound.unwrap_or(0.0) > T::MAX.to_f64() {
        return Err(Error::InvalidParameter {
            name: "values",
            reason: "exceed the element type's range (the tensor would hold infinities)",
        });
    }
    Ok(())
}

/// Fills the fan fields of `e` for `shape` in `layout` and returns the fan of `mode`.
fn with_fans(e: &mut Explanation, shape: &[usize], layout: Layout, mode: FanMode) -> Result<f64> {
    let f = fans(shape, layout)?;
    let fan = f.get(mode);
    e.fans = Some(f);
    e.mode = Some(mode);
    e.fan = Some(fan);
    Ok(fan)
}

fn check_finite(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() { Ok(()) } else { Err(Error::InvalidParameter { name, reason: "must be finite" }) }
}

fn check_positive(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, reason: "must be finite and > 0" })
    }
}

fn check_non_negative(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, reason: "must be finite and >= 0" })
    }
}

fn uniform_explained(bound: f64) -> (Values, f64, Option<f64>) {
    (Values::Uniform { low: -bound, high: bound }, bound / libm::sqrt(3.0), Some(bound))
}

fn vs_values(variance: f64, distribution: VsDistribution) -> (Values, f64, Option<f64>) {
    let target = libm::sqrt(variance);
    match distribution {
        VsDistribution::Uniform => uniform_explained(libm::sqrt(3.0 * variance)),
        VsDistribution::UntruncatedNormal => (Values::Normal { mean: 0.0, std: target }, target, None),
        VsDistribution::TruncatedNormal => {
            let s = target / STD_OF_STANDARD_NORMAL_TRUNCATED_AT_2;
            (Values::TruncatedNormal { mean: 0.0, std: s, a: -2.0 * s, b: 2.0 * s }, target, Some(2.0 * s))
        }
    }
}

impl Init {
    /// The init report for `shape` and `layout`: fans, gain, distribution, std, bound and formula. Checks
    /// every parameter and the shape, so a `fill` with the same arguments can only fail on buffers or on values
    /// that do not fit its element type ([`check_fits`]: `f32` holds magnitudes up to 3.4e38).
    ///
    /// ```
    /// use weightinit_core::init::{Init, Layout, Values};
    /// let e = Init::HE_NORMAL.explain(&[100, 784], Layout::Torch).unwrap();
    /// assert_eq!(e.fan, Some(784.0));
    /// let Values::Normal { mean, std } = e.values else { panic!() };
    /// assert_eq!(mean, 0.0);
    /// assert!((std - (2.0f64 / 784.0).sqrt()).abs() < 1e-17);
    /// ```
    pub fn explain(&self, shape: &[usize], layout: Layout) -> Result<Explanation> {
        numel(shape)?;
        let mut e = Explanation {
            scheme: self.name(),
            fans: None,
            mode: None,
            fan: None,
            gain: None,
            values: Values::Constant { value: 0.0 },
            std: 0.0,
            bound: None,
            formula: "",
        };
        match self.id() {
            SchemeId::Zeros
            | SchemeId::Ones
            | SchemeId::Constant
            | SchemeId::Uniform
            | SchemeId::Normal
            | SchemeId::TruncatedNormal => self.explain_plain(&mut e)?,
            SchemeId::XavierUniform
            | SchemeId::XavierNormal
            | SchemeId::HeUniform
            | SchemeId::HeNormal
            | SchemeId::LecunUniform
            | SchemeId::LecunNormal
            | SchemeId::VarianceScaling => self.explain_scaled(shape, layout, &mut e)?,
            SchemeId::Orthogonal
            | SchemeId::Eye
            | SchemeId::Identity
            | SchemeId::OrthogonalColumns
            | SchemeId::DeltaOrthogonal
            | SchemeId::Dirac
            | SchemeId::Sparse => self.explain_structured(shape, &mut e)?,
            SchemeId::TorchLinear | SchemeId::TorchBias => self.explain_torch(shape, &mut e)?,
        }
        // Finite parameters can still overflow once scaled (a gain of 1.7e308 times sqrt(3)).
        if !e.std.is_finite() || e.bound.is_some_and(|b| !b.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "values",
                reason: "overflow: the std or bound they imply is not a finite number",
            });
        }
        Ok(e)
    }

    /// Constants and the plain distributions: their parameters are the values'.
    fn explain_plain(&self, e: &mut Explanation) -> Result<()> {
        match *self {
            Init::Zeros | Init::Ones | Init::Constant { .. } => {
                let value = match *self {
                    Init::Ones => 1.0,
                    Init::Constant { value } => value,
                    _ => 0.0,
                };
                check_finite("value", value)?;
                e.values = Values::Constant { value };
                e.bound = Some(libm::fabs(value));
                e.formula = "w = value (torch.nn.init.constant_)";
            }
            Init::Uniform { low, high } => {
                Uniform::new(low, high)?;
                e.values = Values::Uniform { low, high };
                e.std = (high - low) / libm::sqrt(12.0);
                e.bound = Some(libm::fabs(low).max(libm::fabs(high)));
                e.formula = "w ~ U[low, high) (torch.nn.init.uniform_)";
            }
            Init::Normal { mean, std } => {
                Normal::new(mean, std, NormalMethod::Ziggurat)?;
                e.values = Values::Normal { mean, std };
                e.std = std;
                e.formula = "w ~ N(mean, std^2) (torch.nn.init.normal_)";
            }
            Init::TruncatedNormal { mean, std, bounds } => {
                let t = TruncatedNormal::new(mean, std, bounds)?;
                let (a, b) = (t.low(), t.high());
                e.values = Values::TruncatedNormal { mean, std, a, b };
                e.std = truncated_normal_std(mean, std, a, b);
                e.bound = Some(libm::fabs(a).max(libm::fabs(b)));
                e.formula = match bounds {
                    TruncBounds::Absolute { .. } => {
                        "w ~ N(mean, std^2) | a <= w <= b, absolute bounds (torch.nn.init.trunc_normal_)"
                    }
                    TruncBounds::StdUnits { .. } => {
                        "w ~ N(mean, std^2) | mean + low std <= w <= mean + high std (Keras/JAX TruncatedNormal)"
                    }
                };
            }
            // The other schemes are explained by the other `explain_*` methods (see `explain`).
            _ => {}
        }
        Ok(())
    }

    /// The fan-scaled schemes (Glorot, He, LeCun, variance scaling): fans from the shape and layout.
    fn explain_scaled(&self, shape: &[usize], layout: Layout, e: &mut Explanation) -> Result<()> {
        match *self {
            Init::XavierUniform { gain: g } | Init::XavierNormal { gain: g } => {
                // PyTorch refuses a negative gain here too (uniform_(-a, a) with a < 0, normal_ with std < 0).
                check_non_negative("gain", g)?;
                let fan = with_fans(e, shape, layout, FanMode::FanAvg)?;
                e.gain = Some(g);
                if let Init::XavierUniform { .. } = self {
                    (e.values, e.std, e.bound) = uniform_explained(g * libm::sqrt(3.0 / fan));
                    e.formula = "a = gain * sqrt(6 / (fan_in + fan_out)), w ~ U(-a, a) (torch.nn.init.xavier_uniform_)";
                } else {
                    let std = g * libm::sqrt(1.0 / fan);
                    (e.values, e.std) = (Values::Normal { mean: 0.0, std }, std);
                    e.formula =
                        "std = gain * sqrt(2 / (fan_in + fan_out)), w ~ N(0, std^2) (torch.nn.init.xavier_normal_)";
                }
            }
            Init::KaimingUniform { mode, nonlinearity } | Init::KaimingNormal { mode, nonlinearity } => {
                let g = gain(nonlinearity)?;
                let fan = with_fans(e, shape, layout, mode)?;
                e.gain = Some(g);
                let std = g / libm::sqrt(fan);
                if let Init::KaimingUniform { .. } = self {
                    (e.values, e.std, e.bound) = uniform_explained(libm::sqrt(3.0) * std);
                    e.formula = "bound = gain * sqrt(3 / fan), w ~ U(-bound, bound) (torch.nn.init.kaiming_uniform_)";
                } else {
                    (e.values, e.std) = (Values::Normal { mean: 0.0, std }, std);
                    e.formula = "std = gain / sqrt(fan), w ~ N(0, std^2) (torch.nn.init.kaiming_normal_)";
                }
            }
            Init::LecunUniform => {
                let fan = with_fans(e, shape, layout, FanMode::FanIn)?;
                (e.values, e.std, e.bound) = vs_values(1.0 / fan, VsDistribution::Uniform);
                e.formula = "limit = sqrt(3 / fan_in), w ~ U(-limit, limit) (keras lecun_uniform, jax lecun_uniform)";
            }
            Init::LecunNormal => {
                let fan = with_fans(e, shape, layout, FanMode::FanIn)?;
                (e.values, e.std, e.bound) = vs_values(1.0 / fan, VsDistribution::TruncatedNormal);
                e.formula = "std = sqrt(1 / fan_in) / 0.87962566103423978, truncated at +-2 std (keras lecun_normal, jax/flax lecun_normal)";
            }
            Init::VarianceScaling { scale, mode, distribution } => {
                check_positive("scale", scale)?;
                let fan = with_fans(e, shape, layout, mode)?;
                (e.values, e.std, e.bound) = vs_values(scale / fan, distribution);
                e.formula = match distribution {
                    VsDistribution::Uniform => {
                        "limit = sqrt(3 scale / fan), w ~ U(-limit, limit) (keras VarianceScaling, jax variance_scaling 'uniform')"
                    }
                    VsDistribution::UntruncatedNormal => {
                        "std = sqrt(scale / fan), w ~ N(0, std^2) (jax variance_scaling 'normal', keras 'untruncated_normal')"
                    }
                    VsDistribution::TruncatedNormal => {
                        "std = sqrt(scale / fan) / 0.87962566103423978, truncated at +-2 std (keras/jax 'truncated_normal')"
                    }
                };
            }
            // The other schemes are explained by the other `explain_*` methods (see `explain`).
            _ => {}
        }
        Ok(())
    }

    /// The structured schemes: orthogonal, eye, dirac, sparse (shape checks and exact moments).
    fn explain_structured(&self, shape: &[usize], e: &mut Explanation) -> Result<()> {
        match *self {
            Init::Orthogonal { gain: g } => {
                check_finite("gain", g)?;
                let (rows, cols) = orthogonal::flat_dims(shape)?;
                e.gain = Some(g);
                e.values = Values::Orthogonal { gain: g };
                // Each row (wide) or column (tall) has norm |gain|; the mean square of the elements is
                // gain^2 min(rows, cols) / (rows cols).
                e.std = libm::fabs(g) * libm::sqrt(rows.min(cols) as f64 / (rows as f64 * cols as f64));
                e.bound = Some(libm::fabs(g));
                e.formula = "Haar Q from a Gaussian [rows, numel/rows] matrix (its columns' Householder reflectors, blocked; the law of Q of its QR with Q *= sign(diag R)), w = gain Q (torch.nn.init.orthogonal_)";
            }
            Init::Eye | Init::Identity { .. } => {
                if shape.len() != 2 {
                    return Err(Error::InvalidShape { reason: "eye and identity need a rank-2 shape" });
                }
                let g = if let Init::Identity { gain } = *self { gain } else { 1.0 };
                check_finite("gain", g)?;
                let n = (shape[0] * shape[1]) as f64;
                let k = shape[0].min(shape[1]) as f64;
                e.values = Values::Eye { gain: g };
                e.gain = Some(g);
                e.std = libm::fabs(g) * libm::sqrt(k / n - (k / n) * (k / n));
                e.bound = Some(libm::fabs(g));
                e.formula = if let Init::Eye = self {
                    "w[i][i] = 1, else 0 (torch.nn.init.eye_)"
                } else {
                    "w[i][i] = gain, else 0 (keras.initializers.Identity)"
                };
            }
            Init::OrthogonalColumns { gain: g, column_axis } => {
                check_finite("gain", g)?;
                let (rows, cols, axis) = orthogonal::column_dims(shape, column_axis)?;
                e.gain = Some(g);
                e.values = Values::OrthogonalColumns { gain: g, column_axis: axis };
                e.std = libm::fabs(g) * libm::sqrt(rows.min(cols) as f64 / (rows as f64 * cols as f64));
                e.bound = Some(libm::fabs(g));
                e.formula = "the [numel / shape[axis], shape[axis]] matrix is gain times a semi-orthogonal Q (Haar: a Gaussian's Householder reflectors, the law of QR's Q with Q *= sign(diag R)), its columns along column_axis (jax.nn.initializers.orthogonal, keras.initializers.Orthogonal)";
            }
            Init::DeltaOrthogonal { gain: g, column_axis } => {
                check_finite("gain", g)?;
                let (din, dout) = orthogonal::delta_dims(shape)?;
                let (_, _, axis) = orthogonal::column_dims(&[din, dout], column_axis)?;
                e.gain = Some(g);
                e.values = Values::DeltaOrthogonal { gain: g, column_axis: axis };
                e.std = libm::fabs(g) * libm::sqrt(din.min(dout) as f64 / numel(shape)? as f64);
                e.bound = Some(libm::fabs(g));
                e.formula = "w[centre] = gain Q ([in, out] orthogonal), 0 elsewhere; centre = (k - 1) / 2 per spatial axis (jax.nn.initializers.delta_orthogonal)";
            }
            Init::Dirac { groups } => {
                if !(3..=5).contains(&shape.len()) {
                    return Err(Error::InvalidShape { reason: "dirac needs a rank 3, 4 or 5 shape" });
                }
                if groups == 0 || !shape[0].is_multiple_of(groups) {
                    return Err(Error::InvalidShape { reason: "groups must be >= 1 and divide shape[0]" });
                }
                let ones = groups * (shape[0] / groups).min(shape[1]);
                let p = ones as f64 / numel(shape)? as f64;
                e.values = Values::Dirac { groups };
                e.std = libm::sqrt(p - p * p);
                e.bound = Some(1.0);
                e.formula = "w[g*out_g + d][d][center] = 1 for d < min(out_g, in), else 0 (torch.nn.init.dirac_)";
            }
            Init::Sparse { sparsity, std } => {
                if !(0.0..=1.0).contains(&sparsity) {
                    return Err(Error::InvalidParameter { name: "sparsity", reason: "must be in [0, 1]" });
                }
                check_non_negative("std", std)?;
                if shape.len() != 2 {
                    return Err(Error::InvalidShape { reason: "sparse needs a rank-2 shape" });
                }
                let zeros = libm::ceil(sparsity * shape[0] as f64) as usize;
                e.values = Values::Sparse { std, zeros_per_column: zeros.min(shape[0]) };
                e.std = std * libm::sqrt(1.0 - zeros.min(shape[0]) as f64 / shape[0] as f64);
                e.formula = "w ~ N(0, std^2), then ceil(sparsity * rows) random rows of each column set to 0 (torch.nn.init.sparse_)";
            }
            // The other schemes are explained by the other `explain_*` methods (see `explain`).
            _ => {}
        }
        Ok(())
    }

    /// PyTorch's layer defaults (always PyTorch's fans).
    fn explain_torch(&self, shape: &[usize], e: &mut Explanation) -> Result<()> {
        match *self {
            Init::TorchDefaultWeight => {
                let f = fans(shape, Layout::Torch)?;
                e.fans = Some(f);
                e.mode = Some(FanMode::FanIn);
                e.fan = Some(f.fan_in as f64);
                e.gain = Some(gain(Nonlinearity::LeakyRelu(libm::sqrt(5.0)))?);
                (e.values, e.std, e.bound) = uniform_explained(1.0 / libm::sqrt(f.fan_in as f64));
                e.formula = "kaiming_uniform_(a=sqrt(5)): bound = 1 / sqrt(fan_in), w ~ U(-bound, bound) (nn.Linear / nn.ConvNd default)";
            }
            Init::TorchDefaultBias { fan_in } => {
                if fan_in == 0 {
                    e.values = Values::Constant { value: 0.0 };
                    e.bound = Some(0.0);
                } else {
                    (e.values, e.std, e.bound) = uniform_explained(1.0 / libm::sqrt(fan_in as f64));
                }
                e.formula =
                    "bound = 1 / sqrt(fan_in of the weight), b ~ U(-bound, bound) (nn.Linear / nn.ConvNd default bias)";
            }

            // The other schemes are explained by the other `explain_*` methods (see `explain`).
            _ => {}
        }
        Ok(())
    }
}
