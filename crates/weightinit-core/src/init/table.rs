//! The scheme table: the one list of every initializer weightinit names, with its kebab-case name, the
//! parameters it reads, their defaults, what a `NAME:VALUE` training spec's value means, and the framework
//! function it follows. [`Init::name`], the CLI's parser, help and error texts, and the C ABI's scheme enum
//! all come from here, so a scheme is added in one place.
//!
//! ```
//! use weightinit_core::init::{FanMode, Init, Nonlinearity, SchemeId, SchemeParams, scheme};
//! let id = SchemeId::from_name("he-normal").unwrap();
//! assert_eq!(scheme(id).name, "he-normal");
//! let init = Init::from_params(id, &SchemeParams::default()).unwrap();
//! // PyTorch's kaiming_normal_ defaults: fan_in, leaky_relu with a = 0.
//! assert_eq!(init, Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: Nonlinearity::LeakyRelu(0.0) });
//! assert_eq!(init.name(), "he-normal");
//! ```

use crate::error::{Error, Result};
use crate::init::fan::FanMode;
use crate::init::gain::Nonlinearity;
use crate::init::scheme::{Init, VsDistribution};
use crate::sample::TruncBounds;

/// Names every scheme of the table (fieldless: the parameters live in [`Init`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SchemeId {
    /// All zeros.
    Zeros,
    /// All ones.
    Ones,
    /// A constant.
    Constant,
    /// Uniform on `[a, b)`.
    Uniform,
    /// Normal.
    Normal,
    /// Truncated normal.
    TruncatedNormal,
    /// Glorot uniform.
    XavierUniform,
    /// Glorot normal.
    XavierNormal,
    /// He/Kaiming uniform.
    HeUniform,
    /// He/Kaiming normal.
    HeNormal,
    /// LeCun uniform.
    LecunUniform,
    /// LeCun normal (truncated).
    LecunNormal,
    /// Variance scaling.
    VarianceScaling,
    /// Orthogonal.
    Orthogonal,
    /// Identity.
    Eye,
    /// Dirac.
    Dirac,
    /// Sparse.
    Sparse,
    /// PyTorch's `nn.Linear` / `nn.ConvNd` default weight.
    TorchLinear,
    /// PyTorch's default bias.
    TorchBias,
    /// Keras `Identity(gain)`.
    Identity,
    /// Orthogonal along a column axis (JAX, Keras).
    OrthogonalColumns,
    /// JAX delta-orthogonal.
    DeltaOrthogonal,
}

/// What the value of a training spec `NAME:VALUE` sets, and its default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainValue {
    /// The parameter the value sets (`"std"`, `"gain"`, ...), or `""` when the scheme takes none.
    pub what: &'static str,
    /// Its default.
    pub default: f64,
}

/// One row of the scheme table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scheme {
    /// The id.
    pub id: SchemeId,
    /// Kebab-case name, as the CLI and reports spell it.
    pub name: &'static str,
    /// The parameters it reads, as CLI flags, with their defaults.
    pub params: &'static str,
    /// One line: the distribution and where it comes from.
    pub summary: &'static str,
    /// The framework functions it equals (for the framework-name issue: `torch:kaiming_normal_`, ...).
    pub aliases: &'static [&'static str],
    /// Whether the trainer accepts it as `--init NAME[:VALUE]`, and what the value sets.
    pub train: Option<TrainValue>,
}

const fn tv(what: &'static str, default: f64) -> Option<TrainValue> {
    Some(TrainValue { what, default })
}

/// Every scheme, in the order of [`SchemeId`] (and of the C ABI's `wi_scheme` values).
pub const SCHEMES: &[Scheme] = &[
    Scheme {
        id: SchemeId::Zeros,
        name: "zeros",
        params: "",
        summary: "all zeros",
        aliases: &["torch:zeros_"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::Ones,
        name: "ones",
        params: "",
        summary: "all ones",
        aliases: &["torch:ones_"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::Constant,
        name: "constant",
        params: "--param VALUE (0)",
        summary: "every element VALUE",
        aliases: &["torch:constant_"],
        train: tv("value", 0.0),
    },
    Scheme {
        id: SchemeId::Uniform,
        name: "uniform",
        params: "--a A (0) --b B (1)",
        summary: "U[a, b) (train: U(-v, v))",
        aliases: &["torch:uniform_"],
        train: tv("bound", 0.05),
    },
    Scheme {
        id: SchemeId::Normal,
        name: "normal",
        params: "--mean M (0) --std S (1)",
        summary: "N(mean, std^2)",
        aliases: &["torch:normal_"],
        train: tv("std", 0.01),
    },
    Scheme {
        id: SchemeId::TruncatedNormal,
        name: "truncated-normal",
        params: "--mean M (0) --std S (1) --a A (-2) --b B (2)",
        summary: "N(mean, std^2) cut to [a, b] (absolute, as PyTorch; train: +-2 std)",
        aliases: &["torch:trunc_normal_"],
        train: tv("std", 0.01),
    },
    Scheme {
        id: SchemeId::XavierUniform,
        name: "xavier-uniform",
        params: "--gain G (1)",
        summary: "Glorot & Bengio 2010: U(-a, a), a = gain sqrt(6 / (fan_in + fan_out))",
        aliases: &["torch:xavier_uniform_"],
        train: tv("gain", 1.0),
    },
    Scheme {
        id: SchemeId::XavierNormal,
        name: "xavier-normal",
        params: "--gain G (1)",
        summary: "Glorot & Bengio 2010: N(0, gain^2 2 / (fan_in + fan_out))",
        aliases: &["torch:xavier_normal_"],
        train: tv("gain", 1.0),
    },
    Scheme {
        id: SchemeId::HeUniform,
        name: "he-uniform",
        params: "--mode (fan-in) --nonlinearity (leaky-relu) --param A (0)",
        summary: "He et al. 2015: U(-b, b), b = gain sqrt(3 / fan)",
        aliases: &["torch:kaiming_uniform_"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::HeNormal,
        name: "he-normal",
        params: "--mode (fan-in) --nonlinearity (leaky-relu) --param A (0)",
        summary: "He et al. 2015: N(0, gain^2 / fan)",
        aliases: &["torch:kaiming_normal_"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::LecunUniform,
        name: "lecun-uniform",
        params: "",
        summary: "U(-l, l), l = sqrt(3 / fan_in)",
        aliases: &["keras:lecun_uniform", "jax:lecun_uniform"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::LecunNormal,
        name: "lecun-normal",
        params: "",
        summary: "truncated normal (+-2 std), variance 1 / fan_in",
        aliases: &["keras:lecun_normal", "jax:lecun_normal"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::VarianceScaling,
        name: "variance-scaling",
        params: "--scale X (1) --mode (fan-in) --distribution (truncated-normal)",
        summary: "variance scale / fan(mode)",
        aliases: &["keras:VarianceScaling", "jax:variance_scaling"],
        train: None,
    },
    Scheme {
        id: SchemeId::Orthogonal,
        name: "orthogonal",
        params: "--gain G (1)",
        summary: "Saxe et al. 2013: (semi-)orthogonal times gain, rows = shape[0]",
        aliases: &["torch:orthogonal_"],
        train: tv("gain", 1.0),
    },
    Scheme {
        id: SchemeId::Eye,
        name: "eye",
        params: "",
        summary: "the identity (rank 2)",
        aliases: &["torch:eye_"],
        train: None,
    },
    Scheme {
        id: SchemeId::Dirac,
        name: "dirac",
        params: "--groups G (1)",
        summary: "conv weights passing channels through",
        aliases: &["torch:dirac_"],
        train: None,
    },
    Scheme {
        id: SchemeId::Sparse,
        name: "sparse",
        params: "--sparsity P (required) --std S (0.01)",
        summary: "Martens 2010: N(0, std^2), ceil(P rows) zeros per column",
        aliases: &["torch:sparse_"],
        train: tv("sparsity", 0.9),
    },
    Scheme {
        id: SchemeId::TorchLinear,
        name: "torch-linear",
        params: "",
        summary: "PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
        aliases: &["torch:Linear"],
        train: tv("", 0.0),
    },
    Scheme {
        id: SchemeId::TorchBias,
        name: "torch-bias",
        params: "",
        summary: "PyTorch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of the weight's fan_in",
        aliases: &["torch:Linear.bias"],
        train: None,
    },
    Scheme {
        id: SchemeId::Identity,
        name: "identity",
        params: "--gain G (1)",
        summary: "gain on the diagonal, else 0 (rank 2)",
        aliases: &["keras:Identity"],
        train: None,
    },
    Scheme {
        id: SchemeId::OrthogonalColumns,
        name: "orthogonal-columns",
        params: "--gain G (1) --column-axis K (-1)",
        summary: "Saxe et al. 2013: the [numel/shape[K], shape[K]] matrix semi-orthogonal times gain, columns along axis K",
        aliases: &["keras:Orthogonal", "jax:orthogonal"],
        train: None,
    },
    Scheme {
        id: SchemeId::DeltaOrthogonal,
        name: "delta-orthogonal",
        params: "--gain G (1) --column-axis K (-1)",
        summary: "Xiao et al. 2018: conv kernel [*k, in, out], orthogonal [in, out] at the centre, 0 elsewhere",
        aliases: &["jax:delta_orthogonal"],
        train: None,
    },
];

/// The table row of `id`.
pub const fn scheme(id: SchemeId) -> &'static Scheme {
    &SCHEMES[id as usize]
}

impl SchemeId {
    /// Every id, in order.
    pub fn all() -> impl Iterator<Item = SchemeId> {
        SCHEMES.iter().map(|s| s.id)
    }

    /// The id named `name` (kebab case, as [`Scheme::name`]).
    pub fn from_name(name: &str) -> Option<SchemeId> {
        SCHEMES.iter().find(|s| s.name == name).map(|s| s.id)
    }

    /// The id whose value is `v` (the C ABI's `wi_scheme` integers).
    pub fn from_u32(v: u32) -> Option<SchemeId> {
        SCHEMES.get(v as usize).map(|s| s.id)
    }
}

/// The parameters a scheme may read; `None` takes the table's default. One struct for every front end
/// (CLI flags, the C ABI's `wi_init_spec`, the Python keywords).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SchemeParams {
    /// Fan mode (he-*, variance-scaling; default fan_in).
    pub mode: Option<FanMode>,
    /// Nonlinearity for the gain (he-*; default leaky ReLU with slope `param`, PyTorch's default).
    pub nonlinearity: Option<Nonlinearity>,
    /// he-*: the leaky ReLU slope (0); constant: the value (0).
    pub param: Option<f64>,
    /// xavier-*, orthogonal (1).
    pub gain: Option<f64>,
    /// normal, truncated-normal (0).
    pub mean: Option<f64>,
    /// normal, truncated-normal (1), sparse (0.01).
    pub std: Option<f64>,
    /// uniform low (0); truncated-normal lower bound (-2).
    pub a: Option<f64>,
    /// uniform high (1); truncated-normal upper bound (2).
    pub b: Option<f64>,
    /// truncated-normal: `a`, `b` in std units around the mean (Keras/JAX) instead of absolute.
    pub bounds_in_std: bool,
    /// sparse: the fraction of zeros per column (required).
    pub sparsity: Option<f64>,
    /// variance-scaling (1).
    pub scale: Option<f64>,
    /// variance-scaling (truncated normal).
    pub distribution: Option<VsDistribution>,
    /// dirac (1).
    pub groups: Option<usize>,
    /// torch-bias: the weight's fan_in (required).
    pub fan_in: Option<usize>,
    /// orthogonal-columns, delta-orthogonal: the axis holding the columns (-1).
    pub column_axis: Option<isize>,
}

impl SchemeParams {
    /// Sets the parameter `name` of the core's schemes (`mode`, `nonlinearity`, `param`, `gain`, `mean`, `std`,
    /// `a`, `b`, `bounds` (`"std"` or `"absolute"`), `sparsity`, `scale`, `distribution`, `groups`, `fan_in`,
    /// `column_axis`), checking the value's kind and spelling: the one place the model spec, Python and the
    /// other front ends turn a named argument into a parameter. Order does not matter (`param` after
    /// `nonlinearity = "leaky_relu"` is its slope). Errors: an unknown name, a value of the wrong kind, an
    /// unknown mode, nonlinearity or distribution.
    ///
    /// ```
    /// use weightinit_core::init::{Init, SchemeId, SchemeParams, framework::Arg};
    /// let mut p = SchemeParams::default();
    /// p.set("nonlinearity", Arg::Text("leaky_relu")).unwrap();
    /// p.set("param", Arg::Num(0.2)).unwrap();
    /// p.set("mode", Arg::Text("fan-out")).unwrap();
    /// let init = Init::from_params(SchemeId::from_name("he-normal").unwrap(), &p).unwrap();
    /// assert!(p.set("stddev", Arg::Num(1.0)).is_err());
    /// # let _ = init;
    /// ```
    pub fn set(&mut self, name: &str, v: crate::init::framework::Arg<'_>) -> Result<()> {
        const NAMES: [&str; 15] = [
            "mode",
            "nonlinearity",
            "param",
            "gain",
            "mean",
            "std",
            "a",
            "b",
            "bounds",
            "sparsity",
            "scale",
            "distribution",
            "groups",
            "fan_in",
            "column_axis",
        ];
        let key = *NAMES.iter().find(|&&k| k == name).ok_or(Error::InvalidParameter {
            name: "argument",
            reason: "is not a parameter of weightinit's schemes",
        })?;
        let bad = |reason| Error::InvalidParameter { name: key, reason };
        match key {
            "mode" => {
                let t = v.need_text(key)?;
                let modes = [
                    ("fan_in", FanMode::FanIn),
                    ("fan_out", FanMode::FanOut),
                    ("fan_avg", FanMode::FanAvg),
                    ("fan_geo_avg", FanMode::FanGeoAvg),
                ];
                let m = modes.iter().find(|(n, _)| spelled(t, n));
                self.mode = Some(m.ok_or(bad("must be fan_in, fan_out, fan_avg or fan_geo_avg"))?.1);
            }
            "nonlinearity" => {
                let n = Nonlinearity::parse(v.need_text(key)?, self.param).ok_or(bad("is not a known nonlinearity"))?;
                self.nonlinearity = Some(n);
            }
            "param" => {
                let x = v.need_num(key)?;
                self.param = Some(x);
                if let Some(Nonlinearity::LeakyRelu(_)) = self.nonlinearity {
                    self.nonlinearity = Some(Nonlinearity::LeakyRelu(x));
                }
            }
            "gain" => self.gain = Some(v.need_num(key)?),
            "mean" => self.mean = Some(v.need_num(key)?),
            "std" => self.std = Some(v.need_num(key)?),
            "a" => self.a = Some(v.need_num(key)?),
            "b" => self.b = Some(v.need_num(key)?),
            "bounds" => {
                self.bounds_in_std = match v.need_text(key)? {
                    "std" => true,
                    "absolute" => false,
                    _ => return Err(bad("must be std or absolute")),
                }
            }
            "sparsity" => self.sparsity = Some(v.need_num(key)?),
            "scale" => self.scale = Some(v.need_num(key)?),
            "distribution" => {
                let t = v.need_text(key)?;
                let kinds = [
                    ("uniform", VsDistribution::Uniform),
                    ("normal", VsDistribution::UntruncatedNormal),
                    ("untruncated_normal", VsDistribution::UntruncatedNormal),
                    ("truncated_normal", VsDistribution::TruncatedNormal),
                ];
                let d = kinds.iter().find(|(n, _)| spelled(t, n));
                self.distribution = Some(d.ok_or(bad("must be uniform, normal or truncated_normal"))?.1);
            }
            "groups" => self.groups = Some(v.need_count(key)?),
            "fan_in" => self.fan_in = Some(v.need_count(key)?),
            // "column_axis": every other name of NAMES has its arm above.
            _ => self.column_axis = Some(v.need_axis(key)?),
        }
        Ok(())
    }
}

/// `given` is `want` with any `_` of `want` written `-` or `_` (`fan-in` and `fan_in`).
fn spelled(given: &str, want: &str) -> bool {
    given.len() == want.len() && given.bytes().zip(want.bytes()).all(|(g, w)| g == w || (g == b'-' && w == b'_'))
}

impl Init {
    /// The initializer `id` with parameters `p` (defaults from the table). Errors: a required parameter
    /// missing (sparse's sparsity, torch-bias's fan_in). Values are checked by [`Init::explain`] and the
    /// fills.
    pub fn from_params(id: SchemeId, p: &SchemeParams) -> Result<Init> {
        let mode = p.mode.unwrap_or(FanMode::FanIn);
        let nonlinearity = p.nonlinearity.unwrap_or(Nonlinearity::LeakyRelu(p.param.unwrap_or(0.0)));
        let gain = p.gain.unwrap_or(1.0);
        let missing = |name: &'static str| Error::InvalidParameter { name, reason: "is required by this scheme" };
        Ok(match id {
            SchemeId::Zeros => Init::Zeros,
            SchemeId::Ones => Init::Ones,
            SchemeId::Constant => Init::Constant { value: p.param.unwrap_or(0.0) },
            SchemeId::Uniform => Init::Uniform { low: p.a.unwrap_or(0.0), high: p.b.unwrap_or(1.0) },
            SchemeId::Normal => Init::Normal { mean: p.mean.unwrap_or(0.0), std: p.std.unwrap_or(1.0) },
            SchemeId::TruncatedNormal => {
                let (a, b) = (p.a.unwrap_or(-2.0), p.b.unwrap_or(2.0));
                let bounds = if p.bounds_in_std {
                    TruncBounds::StdUnits { low: a, high: b }
                } else {
                    TruncBounds::Absolute { a, b }
                };
                Init::TruncatedNormal { mean: p.mean.unwrap_or(0.0), std: p.std.unwrap_or(1.0), bounds }
            }
            SchemeId::XavierUniform => Init::XavierUniform { gain },
            SchemeId::XavierNormal => Init::XavierNormal { gain },
            SchemeId::HeUniform => Init::KaimingUniform { mode, nonlinearity },
            SchemeId::HeNormal => Init::KaimingNormal { mode, nonlinearity },
            SchemeId::LecunUniform => Init::LecunUniform,
            SchemeId::LecunNormal => Init::LecunNormal,
            SchemeId::VarianceScaling => Init::VarianceScaling {
                scale: p.scale.unwrap_or(1.0),
                mode,
                distribution: p.distribution.unwrap_or(VsDistribution::TruncatedNormal),
            },
            SchemeId::Orthogonal => Init::Orthogonal { gain },
            SchemeId::Eye => Init::Eye,
            SchemeId::Dirac => Init::Dirac { groups: p.groups.unwrap_or(1) },
            SchemeId::Sparse => {
                Init::Sparse { sparsity: p.sparsity.ok_or(missing("sparsity"))?, std: p.std.unwrap_or(0.01) }
            }
            SchemeId::TorchLinear => Init::TorchDefaultWeight,
            SchemeId::TorchBias => Init::TorchDefaultBias { fan_in: p.fan_in.ok_or(missing("fan_in"))? },
            SchemeId::Identity => Init::Identity { gain },
            SchemeId::OrthogonalColumns => Init::OrthogonalColumns { gain, column_axis: p.column_axis.unwrap_or(-1) },
            SchemeId::DeltaOrthogonal => Init::DeltaOrthogonal { gain, column_axis: p.column_axis.unwrap_or(-1) },
        })
    }

    /// The initializer of a training spec `NAME[:VALUE]` for hidden units with `nonlinearity`: VALUE sets
    /// the table's [`TrainValue`] (uniform: `U(-v, v)`; truncated-normal: the std, cut at ±2 std), he-*
    /// take the activation's gain. Errors: a scheme the trainer does not take, a value for a scheme that
    /// takes none.
    pub fn from_train_spec(id: SchemeId, value: Option<f64>, nonlinearity: Nonlinearity) -> Result<Init> {
        let row = scheme(id);
        let Some(tv) = row.train else {
            return Err(Error::Unsupported {
                what: "this scheme needs a convolution or fan_in: not a training --init",
            });
        };
        if tv.what.is_empty() && value.is_some() {
            return Err(Error::InvalidParameter { name: "value", reason: "this scheme takes no NAME:VALUE" });
        }
        let v = value.unwrap_or(tv.default);
        let p = match id {
            SchemeId::Constant => SchemeParams { param: Some(v), ..SchemeParams::default() },
            SchemeId::Uniform => SchemeParams { a: Some(-v), b: Some(v), ..SchemeParams::default() },
            SchemeId::Normal => SchemeParams { std: Some(v), ..SchemeParams::default() },
            SchemeId::TruncatedNormal => SchemeParams {
                std: Some(v),
                a: Some(-2.0),
                b: Some(2.0),
                bounds_in_std: true,
                ..SchemeParams::default()
            },
            SchemeId::XavierUniform | SchemeId::XavierNormal | SchemeId::Orthogonal => {
                SchemeParams { gain: Some(v), ..SchemeParams::default() }
            }
            SchemeId::Sparse => SchemeParams { sparsity: Some(v), ..SchemeParams::default() },
            SchemeId::HeUniform | SchemeId::HeNormal => {
                SchemeParams { nonlinearity: Some(nonlinearity), ..SchemeParams::default() }
            }
            _ => SchemeParams::default(),
        };
        Init::from_params(id, &p)
    }

    /// The table id of this initializer.
    pub fn id(&self) -> SchemeId {
        match self {
            Init::Zeros => SchemeId::Zeros,
            Init::Ones => SchemeId::Ones,
            Init::Constant { .. } => SchemeId::Constant,
            Init::Uniform { .. } => SchemeId::Uniform,
            Init::Normal { .. } => SchemeId::Normal,
            Init::TruncatedNormal { .. } => SchemeId::TruncatedNormal,
            Init::XavierUniform { .. } => SchemeId::XavierUniform,
            Init::XavierNormal { .. } => SchemeId::XavierNormal,
            Init::KaimingUniform { .. } => SchemeId::HeUniform,
            Init::KaimingNormal { .. } => SchemeId::HeNormal,
            Init::LecunUniform => SchemeId::LecunUniform,
            Init::LecunNormal => SchemeId::LecunNormal,
            Init::VarianceScaling { .. } => SchemeId::VarianceScaling,
            Init::Orthogonal { .. } => SchemeId::Orthogonal,
            Init::Eye => SchemeId::Eye,
            Init::Dirac { .. } => SchemeId::Dirac,
            Init::Sparse { .. } => SchemeId::Sparse,
            Init::TorchDefaultWeight => SchemeId::TorchLinear,
            Init::TorchDefaultBias { .. } => SchemeId::TorchBias,
            Init::Identity { .. } => SchemeId::Identity,
            Init::OrthogonalColumns { .. } => SchemeId::OrthogonalColumns,
            Init::DeltaOrthogonal { .. } => SchemeId::DeltaOrthogonal,
        }
    }

    /// Kebab-case name, as the CLI spells it (the table's [`Scheme::name`]).
    pub fn name(&self) -> &'static str {
        scheme(self.id()).name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_id_order_with_distinct_names() {
        for (i, s) in SCHEMES.iter().enumerate() {
            assert_eq!(s.id as usize, i, "{}", s.name);
            assert_eq!(SchemeId::from_name(s.name), Some(s.id));
            assert_eq!(SchemeId::from_u32(i as u32), Some(s.id));
            assert!(SCHEMES.iter().filter(|t| t.name == s.name).count() == 1);
        }
        assert_eq!(SchemeId::from_name("he_normal"), None);
    }

    #[test]
    fn from_params_round_trips_through_the_name() {
        let p = SchemeParams { sparsity: Some(0.5), fan_in: Some(3), ..SchemeParams::default() };
        for id in SchemeId::all() {
            let init = Init::from_params(id, &p).unwrap();
            assert_eq!(init.id(), id);
            assert_eq!(init.name(), scheme(id).name);
        }
        assert!(Init::from_params(SchemeId::Sparse, &SchemeParams::default()).is_err());
    }
}
