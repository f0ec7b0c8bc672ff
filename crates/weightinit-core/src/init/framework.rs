//! Every initializer of `torch.nn.init`, Keras 3 (`keras.initializers`, in both its snake-case and class
//! spellings), `jax.nn.initializers`, and the layer defaults of PyTorch, Keras and Flax, by the framework's
//! own name (`torch:kaiming_normal_`, `keras:he_normal`, `keras:HeNormal`, `jax:lecun_normal`,
//! `flax:Dense`), with that framework's parameter names, defaults, layout, fans, axes and truncation.
//!
//! Each row resolves to one of the core's schemes ([`Init`]) and the layout its fans are computed in, so
//! a weight from `keras:he_normal` is distributed exactly as Keras's: a normal truncated at two standard
//! deviations, std `sqrt(2 / fan_in) / 0.8796`, `fan_in` from Keras's `[*k, in, out]` shape convention.
//! Structured schemes keep the framework's axes: `keras:Orthogonal` and `jax:orthogonal` are orthonormal
//! along their column axis ([`Init::OrthogonalColumns`]), `torch:orthogonal_` along PyTorch's rows.
//!
//! ```
//! use weightinit_core::init::framework::{FrameworkParams, framework_init};
//! use weightinit_core::init::{FanMode, Init, Layout, VsDistribution};
//! let keras = framework_init("keras:HeNormal").unwrap();
//! let r = keras.resolve(&FrameworkParams::default()).unwrap();
//! assert_eq!(r.init, Init::VarianceScaling { scale: 2.0, mode: FanMode::FanIn, distribution: VsDistribution::TruncatedNormal });
//! assert_eq!(r.layout, Layout::Keras);
//! let jax = framework_init("jax:variance_scaling").unwrap();
//! let p = FrameworkParams { scale: Some(1.0), mode: Some("fan_avg"), distribution: Some("normal"), in_axis: Some(0), ..Default::default() };
//! let r = jax.resolve(&p).unwrap();
//! // JAX's "normal" is untruncated (Keras's "normal" would be truncated).
//! assert_eq!(r.init, Init::VarianceScaling { scale: 1.0, mode: FanMode::FanAvg, distribution: VsDistribution::UntruncatedNormal });
//! assert_eq!(r.layout, Layout::Axes { in_axis: 0, out_axis: -1, batch_mask: 0 });
//! ```

use crate::error::{Error, Result};
use crate::init::fan::{FanMode, Layout};
use crate::init::gain::Nonlinearity;
use crate::init::scheme::{FLAX_DENSE, Init, KERAS_DENSE, VsDistribution};
use crate::sample::TruncBounds;

/// A framework initializer's arguments, by the framework's names; `None` takes the framework's default.
/// Strings are the framework's spellings (`"fan_in"`, `"truncated_normal"`, `"leaky_relu"`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameworkParams<'a> {
    /// `mean` (torch `normal_`, `trunc_normal_`; Keras `RandomNormal`, `TruncatedNormal`).
    pub mean: Option<f64>,
    /// `std` (torch) / `stddev` (Keras, JAX).
    pub std: Option<f64>,
    /// torch: `uniform_`'s and `trunc_normal_`'s lower bound `a`; `kaiming_*`'s negative slope `a`.
    pub a: Option<f64>,
    /// torch: `uniform_`'s and `trunc_normal_`'s upper bound `b`.
    pub b: Option<f64>,
    /// Keras `RandomUniform` `minval`.
    pub minval: Option<f64>,
    /// Keras `RandomUniform` `maxval`.
    pub maxval: Option<f64>,
    /// JAX `truncated_normal` `lower` (std units).
    pub lower: Option<f64>,
    /// JAX `truncated_normal` `upper` (std units).
    pub upper: Option<f64>,
    /// `val` (torch `constant_`) / `value` (Keras, JAX `constant`).
    pub value: Option<f64>,
    /// `gain` (torch, Keras).
    pub gain: Option<f64>,
    /// `scale` (Keras `VarianceScaling`, JAX `variance_scaling`, `uniform`, `orthogonal`).
    pub scale: Option<f64>,
    /// `mode`: `fan_in`, `fan_out`, `fan_avg`, `fan_geo_avg` (JAX).
    pub mode: Option<&'a str>,
    /// torch `kaiming_*` `nonlinearity` (`leaky_relu`, `relu`, `tanh`, ...).
    pub nonlinearity: Option<&'a str>,
    /// `distribution`: `truncated_normal`, `normal`, `untruncated_normal` (Keras), `uniform`.
    pub distribution: Option<&'a str>,
    /// JAX `in_axis`.
    pub in_axis: Option<isize>,
    /// JAX `out_axis`.
    pub out_axis: Option<isize>,
    /// JAX `batch_axis`, as a mask: bit `k` for (non-negative) axis `k`.
    pub batch_axis: Option<u64>,
    /// JAX `column_axis`.
    pub column_axis: Option<isize>,
    /// torch `sparse_` `sparsity` (required there).
    pub sparsity: Option<f64>,
    /// torch `dirac_` `groups`.
    pub groups: Option<usize>,
    /// The weight's `fan_in`, for a layer default's bias (`torch:Linear.bias`).
    pub fan_in: Option<usize>,
}

/// One argument's value, as a front end (JSON, Python keywords) has it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    /// A number.
    Num(f64),
    /// An integer (axes, groups, fan_in; also accepted where a number is).
    Int(i64),
    /// A string (mode, nonlinearity, distribution).
    Text(&'a str),
    /// Axes as a mask, bit `k` for axis `k` (batch_axis).
    Axes(u64),
}

impl<'a> Arg<'a> {
    /// The number (an integer too), if it is one.
    pub fn num(self) -> Option<f64> {
        match self {
            Arg::Num(x) => Some(x),
            Arg::Int(i) => Some(i as f64),
            _ => None,
        }
    }

    /// The integer (a number with no fraction too), if it is one.
    pub fn int(self) -> Option<i64> {
        match self {
            Arg::Int(i) => Some(i),
            Arg::Num(x) if libm::trunc(x) == x && libm::fabs(x) < 9.0e15 => Some(x as i64),
            _ => None,
        }
    }

    /// The string, if it is one.
    pub fn text(self) -> Option<&'a str> {
        if let Arg::Text(t) = self { Some(t) } else { None }
    }

    /// The number, or an error naming `name`.
    pub(crate) fn need_num(self, name: &'static str) -> Result<f64> {
        self.num().ok_or(Error::InvalidParameter { name, reason: "must be a number" })
    }

    /// The integer axis, or an error naming `name`.
    pub(crate) fn need_axis(self, name: &'static str) -> Result<isize> {
        self.int().map(|i| i as isize).ok_or(Error::InvalidParameter { name, reason: "must be an integer axis" })
    }

    /// The non-negative integer, or an error naming `name`.
    pub(crate) fn need_count(self, name: &'static str) -> Result<usize> {
        self.int()
            .filter(|&i| i >= 0)
            .map(|i| i as usize)
            .ok_or(Error::InvalidParameter { name, reason: "must be a non-negative integer" })
    }

    /// The string, or an error naming `name`.
    pub(crate) fn need_text(self, name: &'static str) -> Result<&'a str> {
        self.text().ok_or(Error::InvalidParameter { name, reason: "must be a string" })
    }
}

impl<'a> FrameworkParams<'a> {
    /// Sets the argument `name`, in any framework's spelling (`std` or `stddev`, `val` or `value`).
    /// Errors: a name no framework initializer takes, or a value of the wrong kind (both
    /// [`Error::InvalidParameter`]). The initializer itself checks which arguments it takes
    /// ([`FrameworkInit::resolve`]).
    pub fn set(&mut self, name: &str, v: Arg<'a>) -> Result<()> {
        const NAMES: [&str; 21] = [
            "mean",
            "std",
            "a",
            "b",
            "minval",
            "maxval",
            "lower",
            "upper",
            "value",
            "gain",
            "scale",
            "sparsity",
            "mode",
            "nonlinearity",
            "distribution",
            "in_axis",
            "out_axis",
            "column_axis",
            "groups",
            "fan_in",
            "batch_axis",
        ];
        let canonical = match name {
            "stddev" => "std",
            "val" => "value",
            n => n,
        };
        let key = *NAMES.iter().find(|&&k| k == canonical).ok_or(Error::InvalidParameter {
            name: "argument",
            reason: "is not an argument of any framework initializer",
        })?;
        let bad = |reason| Error::InvalidParameter { name: key, reason };
        let need_num = || v.need_num(key);
        let need_axis = || v.need_axis(key);
        let need_count = || v.need_count(key);
        let need_text = || v.need_text(key);
        match key {
            "mean" => self.mean = Some(need_num()?),
            "std" => self.std = Some(need_num()?),
            "a" => self.a = Some(need_num()?),
            "b" => self.b = Some(need_num()?),
            "minval" => self.minval = Some(need_num()?),
            "maxval" => self.maxval = Some(need_num()?),
            "lower" => self.lower = Some(need_num()?),
            "upper" => self.upper = Some(need_num()?),
            "value" => self.value = Some(need_num()?),
            "gain" => self.gain = Some(need_num()?),
            "scale" => self.scale = Some(need_num()?),
            "sparsity" => self.sparsity = Some(need_num()?),
            "mode" => self.mode = Some(need_text()?),
            "nonlinearity" => self.nonlinearity = Some(need_text()?),
            "distribution" => self.distribution = Some(need_text()?),
            "in_axis" => self.in_axis = Some(need_axis()?),
            "out_axis" => self.out_axis = Some(need_axis()?),
            "column_axis" => self.column_axis = Some(need_axis()?),
            "groups" => self.groups = Some(need_count()?),
            "batch_axis" => {
                self.batch_axis = Some(match (v, v.int()) {
                    (Arg::Axes(m), _) => m,
                    (_, Some(k)) if (0..64).contains(&k) => 1u64 << k,
                    _ => return Err(bad("batch_axis must be non-negative axes below 64")),
                })
            }
            // "fan_in": every other name of NAMES has its arm above.
            _ => self.fan_in = Some(need_count()?),
        }
        Ok(())
    }

    /// The names of the arguments given.
    pub fn given(&self) -> impl Iterator<Item = &'static str> + '_ {
        let f = |set: bool, n: &'static str| set.then_some(n);
        [
            f(self.mean.is_some(), "mean"),
            f(self.std.is_some(), "std"),
            f(self.a.is_some(), "a"),
            f(self.b.is_some(), "b"),
            f(self.minval.is_some(), "minval"),
            f(self.maxval.is_some(), "maxval"),
            f(self.lower.is_some(), "lower"),
            f(self.upper.is_some(), "upper"),
            f(self.value.is_some(), "value"),
            f(self.gain.is_some(), "gain"),
            f(self.scale.is_some(), "scale"),
            f(self.mode.is_some(), "mode"),
            f(self.nonlinearity.is_some(), "nonlinearity"),
            f(self.distribution.is_some(), "distribution"),
            f(self.in_axis.is_some(), "in_axis"),
            f(self.out_axis.is_some(), "out_axis"),
            f(self.batch_axis.is_some(), "batch_axis"),
            f(self.column_axis.is_some(), "column_axis"),
            f(self.sparsity.is_some(), "sparsity"),
            f(self.groups.is_some(), "groups"),
            f(self.fan_in.is_some(), "fan_in"),
        ]
        .into_iter()
        .flatten()
    }
}

/// A framework initializer resolved: the core's scheme and the layout of its fans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolved {
    /// The scheme.
    pub init: Init,
    /// The layout whose fans the framework computes.
    pub layout: Layout,
}

/// One framework initializer.
#[derive(Debug, Clone, Copy)]
pub struct FrameworkInit {
    /// `framework:name`, e.g. `keras:he_normal`.
    pub name: &'static str,
    /// Other spellings the framework accepts (`keras:HeNormal`).
    pub also: &'static [&'static str],
    /// The framework's function or class with its defaults.
    pub source: &'static str,
    /// The arguments it takes (names of [`FrameworkParams::given`]).
    pub accepts: &'static [&'static str],
    resolve: fn(&FrameworkParams<'_>) -> Result<Resolved>,
}

impl FrameworkInit {
    /// The scheme and layout these arguments give. Errors: an argument this initializer does not take, a
    /// required one missing, a mode, distribution or nonlinearity the framework does not know.
    pub fn resolve(&self, p: &FrameworkParams<'_>) -> Result<Resolved> {
        if let Some(n) = p.given().find(|n| !self.accepts.contains(n)) {
            return Err(Error::InvalidParameter {
                name: n,
                reason: "is not an argument of this framework initializer",
            });
        }
        (self.resolve)(p)
    }

    /// Whether `name` is one of this initializer's spellings.
    pub fn is_named(&self, name: &str) -> bool {
        self.name == name || self.also.contains(&name)
    }
}

/// The initializer spelled `name` (any spelling), if any.
pub fn framework_init(name: &str) -> Option<&'static FrameworkInit> {
    FRAMEWORK_INITS.iter().find(|f| f.is_named(name))
}

fn torch(init: Init) -> Result<Resolved> {
    Ok(Resolved { init, layout: Layout::Torch })
}

fn keras(init: Init) -> Result<Resolved> {
    Ok(Resolved { init, layout: Layout::Keras })
}

fn jax(init: Init, p: &FrameworkParams<'_>) -> Result<Resolved> {
    let layout = Layout::Axes {
        in_axis: p.in_axis.unwrap_or(-2),
        out_axis: p.out_axis.unwrap_or(-1),
        batch_mask: p.batch_axis.unwrap_or(0),
    };
    Ok(Resolved { init, layout })
}

fn mode(m: Option<&str>, default: FanMode, geo: bool) -> Result<FanMode> {
    Ok(match m {
        None => default,
        Some("fan_in") => FanMode::FanIn,
        Some("fan_out") => FanMode::FanOut,
        Some("fan_avg") => FanMode::FanAvg,
        Some("fan_geo_avg") if geo => FanMode::FanGeoAvg,
        Some(_) => {
            return Err(Error::InvalidParameter {
                name: "mode",
                reason: "must be fan_in, fan_out or fan_avg (JAX also fan_geo_avg)",
            });
        }
    })
}

/// A variance-scaling distribution in Keras's spelling (`normal` is truncated, as Keras 3 maps it) or
/// JAX's (`normal` is untruncated).
fn distribution(d: Option<&str>, keras_spelling: bool) -> Result<VsDistribution> {
    Ok(match d {
        None | Some("truncated_normal") => VsDistribution::TruncatedNormal,
        Some("normal") if keras_spelling => VsDistribution::TruncatedNormal,
        Some("normal") => VsDistribution::UntruncatedNormal,
        Some("untruncated_normal") if keras_spelling => VsDistribution::UntruncatedNormal,
        Some("uniform") => VsDistribution::Uniform,
        Some(_) => {
            return Err(Error::InvalidParameter {
                name: "distribution",
                reason: "must be truncated_normal, normal, uniform (Keras also untruncated_normal)",
            });
        }
    })
}

fn required(v: Option<f64>, name: &'static str) -> Result<f64> {
    v.ok_or(Error::InvalidParameter { name, reason: "is required by this framework initializer" })
}

fn vs(scale: f64, mode: FanMode, distribution: VsDistribution) -> Init {
    Init::VarianceScaling { scale, mode, distribution }
}

/// torch's kaiming: `nonlinearity` (default `leaky_relu`) with slope `a` (default 0), `mode` (fan_in).
fn kaiming(p: &FrameworkParams<'_>) -> Result<(FanMode, Nonlinearity)> {
    let n = p.nonlinearity.unwrap_or("leaky_relu");
    let nl = Nonlinearity::parse(n, Some(p.a.unwrap_or(0.0))).ok_or(Error::InvalidParameter {
        name: "nonlinearity",
        reason: "must be one of torch.nn.init.calculate_gain's names (linear, conv2d, sigmoid, tanh, relu, leaky_relu, selu, ...)",
    })?;
    let m = match p.mode {
        None | Some("fan_in") => FanMode::FanIn,
        Some("fan_out") => FanMode::FanOut,
        Some(_) => return Err(Error::InvalidParameter { name: "mode", reason: "must be fan_in or fan_out" }),
    };
    Ok((m, nl))
}

macro_rules! row {
    ($name:literal, [$($also:literal),*], $source:literal, [$($acc:literal),*], $f:expr) => {
        FrameworkInit { name: $name, also: &[$($also),*], source: $source, accepts: &[$($acc),*], resolve: $f }
    };
}

/// Every framework initializer, by framework: PyTorch, Keras 3, JAX, then the layer defaults (PyTorch,
/// Keras, Flax).
pub const FRAMEWORK_INITS: &[FrameworkInit] = &[
    // torch.nn.init, on PyTorch's [out, in, *k] weights.
    row!("torch:uniform_", [], "torch.nn.init.uniform_(tensor, a=0.0, b=1.0)", ["a", "b"], |p| torch(Init::Uniform {
        low: p.a.unwrap_or(0.0),
        high: p.b.unwrap_or(1.0)
    })),
    row!("torch:normal_", [], "torch.nn.init.normal_(tensor, mean=0.0, std=1.0)", ["mean", "std"], |p| torch(
        Init::Normal { mean: p.mean.unwrap_or(0.0), std: p.std.unwrap_or(1.0) }
    )),
    row!(
        "torch:trunc_normal_",
        [],
        "torch.nn.init.trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0) (absolute bounds)",
        ["mean", "std", "a", "b"],
        |p| torch(Init::TruncatedNormal {
            mean: p.mean.unwrap_or(0.0),
            std: p.std.unwrap_or(1.0),
            bounds: TruncBounds::Absolute { a: p.a.unwrap_or(-2.0), b: p.b.unwrap_or(2.0) },
        })
    ),
    row!("torch:constant_", [], "torch.nn.init.constant_(tensor, val)", ["value"], |p| torch(Init::Constant {
        value: required(p.value, "value")?
    })),
    row!("torch:ones_", [], "torch.nn.init.ones_(tensor)", [], |_| torch(Init::Ones)),
    row!("torch:zeros_", [], "torch.nn.init.zeros_(tensor)", [], |_| torch(Init::Zeros)),
    row!("torch:eye_", [], "torch.nn.init.eye_(tensor)", [], |_| torch(Init::Eye)),
    row!("torch:dirac_", [], "torch.nn.init.dirac_(tensor, groups=1)", ["groups"], |p| torch(Init::Dirac {
        groups: p.groups.unwrap_or(1)
    })),
    row!("torch:xavier_uniform_", [], "torch.nn.init.xavier_uniform_(tensor, gain=1.0)", ["gain"], |p| torch(
        Init::XavierUniform { gain: p.gain.unwrap_or(1.0) }
    )),
    row!("torch:xavier_normal_", [], "torch.nn.init.xavier_normal_(tensor, gain=1.0)", ["gain"], |p| torch(
        Init::XavierNormal { gain: p.gain.unwrap_or(1.0) }
    )),
    row!(
        "torch:kaiming_uniform_",
        [],
        "torch.nn.init.kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')",
        ["a", "mode", "nonlinearity"],
        |p| {
            let (mode, nonlinearity) = kaiming(p)?;
            torch(Init::KaimingUniform { mode, nonlinearity })
        }
    ),
    row!(
        "torch:kaiming_normal_",
        [],
        "torch.nn.init.kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')",
        ["a", "mode", "nonlinearity"],
        |p| {
            let (mode, nonlinearity) = kaiming(p)?;
            torch(Init::KaimingNormal { mode, nonlinearity })
        }
    ),
    row!("torch:orthogonal_", [], "torch.nn.init.orthogonal_(tensor, gain=1.0) (rows: shape[0])", ["gain"], |p| {
        torch(Init::Orthogonal { gain: p.gain.unwrap_or(1.0) })
    }),
    row!("torch:sparse_", [], "torch.nn.init.sparse_(tensor, sparsity, std=0.01)", ["sparsity", "std"], |p| torch(
        Init::Sparse { sparsity: required(p.sparsity, "sparsity")?, std: p.std.unwrap_or(0.01) }
    )),
    // keras.initializers (Keras 3), on Keras's [*k, in, out] weights.
    row!("keras:zeros", ["keras:Zeros"], "keras.initializers.Zeros()", [], |_| keras(Init::Zeros)),
    row!("keras:ones", ["keras:Ones"], "keras.initializers.Ones()", [], |_| keras(Init::Ones)),
    row!("keras:constant", ["keras:Constant"], "keras.initializers.Constant(value=0.0)", ["value"], |p| keras(
        Init::Constant { value: p.value.unwrap_or(0.0) }
    )),
    row!(
        "keras:random_normal",
        ["keras:RandomNormal"],
        "keras.initializers.RandomNormal(mean=0.0, stddev=0.05)",
        ["mean", "std"],
        |p| keras(Init::Normal { mean: p.mean.unwrap_or(0.0), std: p.std.unwrap_or(0.05) })
    ),
    row!(
        "keras:random_uniform",
        ["keras:RandomUniform"],
        "keras.initializers.RandomUniform(minval=-0.05, maxval=0.05)",
        ["minval", "maxval"],
        |p| keras(Init::Uniform { low: p.minval.unwrap_or(-0.05), high: p.maxval.unwrap_or(0.05) })
    ),
    row!(
        "keras:truncated_normal",
        ["keras:TruncatedNormal"],
        "keras.initializers.TruncatedNormal(mean=0.0, stddev=0.05) (cut at 2 stddev, no correction)",
        ["mean", "std"],
        |p| keras(Init::TruncatedNormal {
            mean: p.mean.unwrap_or(0.0),
            std: p.std.unwrap_or(0.05),
            bounds: TruncBounds::two_sigma(),
        })
    ),
    row!("keras:glorot_normal", ["keras:GlorotNormal"], "keras.initializers.GlorotNormal()", [], |_| keras(vs(
        1.0,
        FanMode::FanAvg,
        VsDistribution::TruncatedNormal
    ))),
    row!("keras:glorot_uniform", ["keras:GlorotUniform"], "keras.initializers.GlorotUniform()", [], |_| keras(vs(
        1.0,
        FanMode::FanAvg,
        VsDistribution::Uniform
    ))),
    row!("keras:he_normal", ["keras:HeNormal"], "keras.initializers.HeNormal()", [], |_| keras(vs(
        2.0,
        FanMode::FanIn,
        VsDistribution::TruncatedNormal
    ))),
    row!("keras:he_uniform", ["keras:HeUniform"], "keras.initializers.HeUniform()", [], |_| keras(vs(
        2.0,
        FanMode::FanIn,
        VsDistribution::Uniform
    ))),
    row!("keras:lecun_normal", ["keras:LecunNormal"], "keras.initializers.LecunNormal()", [], |_| keras(vs(
        1.0,
        FanMode::FanIn,
        VsDistribution::TruncatedNormal
    ))),
    row!("keras:lecun_uniform", ["keras:LecunUniform"], "keras.initializers.LecunUniform()", [], |_| keras(vs(
        1.0,
        FanMode::FanIn,
        VsDistribution::Uniform
    ))),
    row!(
        "keras:variance_scaling",
        ["keras:VarianceScaling"],
        "keras.initializers.VarianceScaling(scale=1.0, mode='fan_in', distribution='truncated_normal')",
        ["scale", "mode", "distribution"],
        |p| keras(vs(
            p.scale.unwrap_or(1.0),
            mode(p.mode, FanMode::FanIn, false)?,
            distribution(p.distribution, true)?
        ))
    ),
    row!(
        "keras:orthogonal",
        ["keras:Orthogonal", "keras:OrthogonalInitializer"],
        "keras.initializers.Orthogonal(gain=1.0) (columns: the last axis)",
        ["gain"],
        |p| keras(Init::OrthogonalColumns { gain: p.gain.unwrap_or(1.0), column_axis: -1 })
    ),
    row!(
        "keras:identity",
        ["keras:Identity", "keras:IdentityInitializer"],
        "keras.initializers.Identity(gain=1.0) (rank 2)",
        ["gain"],
        |p| keras(Init::Identity { gain: p.gain.unwrap_or(1.0) })
    ),
    // jax.nn.initializers, with JAX's axes (in_axis=-2, out_axis=-1, batch_axis=()).
    row!("jax:zeros", [], "jax.nn.initializers.zeros", [], |p| jax(Init::Zeros, p)),
    row!("jax:ones", [], "jax.nn.initializers.ones", [], |p| jax(Init::Ones, p)),
    row!("jax:constant", [], "jax.nn.initializers.constant(value)", ["value"], |p| jax(
        Init::Constant { value: required(p.value, "value")? },
        p
    )),
    row!("jax:uniform", [], "jax.nn.initializers.uniform(scale=1e-2): U[0, scale)", ["scale"], |p| jax(
        Init::Uniform { low: 0.0, high: p.scale.unwrap_or(1e-2) },
        p
    )),
    row!("jax:normal", [], "jax.nn.initializers.normal(stddev=1e-2)", ["std"], |p| jax(
        Init::Normal { mean: 0.0, std: p.std.unwrap_or(1e-2) },
        p
    )),
    row!(
        "jax:truncated_normal",
        [],
        "jax.nn.initializers.truncated_normal(stddev=1e-2, lower=-2.0, upper=2.0) (std units, no correction)",
        ["std", "lower", "upper"],
        |p| jax(
            Init::TruncatedNormal {
                mean: 0.0,
                std: p.std.unwrap_or(1e-2),
                bounds: TruncBounds::StdUnits { low: p.lower.unwrap_or(-2.0), high: p.upper.unwrap_or(2.0) },
            },
            p
        )
    ),
    row!(
        "jax:variance_scaling",
        [],
        "jax.nn.initializers.variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=())",
        ["scale", "mode", "distribution", "in_axis", "out_axis", "batch_axis"],
        |p| {
            let m = mode(
                Some(p.mode.ok_or(Error::InvalidParameter { name: "mode", reason: "is required" })?),
                FanMode::FanIn,
                true,
            )?;
            let d = distribution(
                Some(p.distribution.ok_or(Error::InvalidParameter { name: "distribution", reason: "is required" })?),
                false,
            )?;
            jax(vs(required(p.scale, "scale")?, m, d), p)
        }
    ),
    row!(
        "jax:glorot_normal",
        ["jax:xavier_normal"],
        "jax.nn.initializers.glorot_normal(in_axis=-2, out_axis=-1, batch_axis=())",
        ["in_axis", "out_axis", "batch_axis"],
        |p| jax(vs(1.0, FanMode::FanAvg, VsDistribution::TruncatedNormal), p)
    ),
    row!(
        "jax:glorot_uniform",
        ["jax:xavier_uniform"],
        "jax.nn.initializers.glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=())",
        ["in_axis", "out_axis", "batch_axis"],
        |p| jax(vs(1.0, FanMode::FanAvg, VsDistribution::Uniform), p)
    ),
    row!(
        "jax:he_normal",
        ["jax:kaiming_normal"],
        "jax.nn.initializers.he_normal(in_axis=-2, out_axis=-1, batch_axis=())",
        ["in_axis", "out_axis", "batch_axis"],
        |p| jax(vs(2.0, FanMode::FanIn, VsDistribution::TruncatedNormal), p)
    ),
    row!(
        "jax:he_uniform",
        ["jax:kaiming_uniform"],
        "jax.nn.initializers.he_uniform(in_axis=-2, out_axis=-1, batch_axis=())",
        ["in_axis", "out_axis", "batch_axis"],
        |p| jax(vs(2.0, FanMode::FanIn, VsDistribution::Uniform), p)
    ),
    row!(
        "jax:lecun_normal",
        [],
        "jax.nn.initializers.lecun_normal(in_axis=-2, out_axis=-1, batch_axis=())",
        ["in_axis", "out_axis", "batch_axis"],
        |p| jax(vs(1.0, FanMode::FanIn, VsDistribution::TruncatedNormal), p)
    ),
    row!(
        "jax:lecun_uniform",
        [],
        "jax.nn.initializers.lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=())",
        ["in_axis", "out_axis", "batch_axis"],
        |p| jax(vs(1.0, FanMode::FanIn, VsDistribution::Uniform), p)
    ),
    row!(
        "jax:orthogonal",
        [],
        "jax.nn.initializers.orthogonal(scale=1.0, column_axis=-1)",
        ["scale", "column_axis"],
        |p| jax(Init::OrthogonalColumns { gain: p.scale.unwrap_or(1.0), column_axis: p.column_axis.unwrap_or(-1) }, p)
    ),
    row!(
        "jax:delta_orthogonal",
        [],
        "jax.nn.initializers.delta_orthogonal(scale=1.0, column_axis=-1) (rank 3-5 [*k, in, out])",
        ["scale", "column_axis"],
        |p| jax(Init::DeltaOrthogonal { gain: p.scale.unwrap_or(1.0), column_axis: p.column_axis.unwrap_or(-1) }, p)
    ),
    // Layer defaults: PyTorch (weights [out, in, *k]; ConvTranspose [in, out / groups, *k], PyTorch's own
    // fans), Keras (kernels [*k, in, out]), Flax (kernels [*k, in, out]).
    row!(
        "torch:Linear",
        ["torch:Linear.weight"],
        "torch.nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:Conv1d",
        ["torch:Conv1d.weight"],
        "torch.nn.Conv1d.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:Conv2d",
        ["torch:Conv2d.weight"],
        "torch.nn.Conv2d.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:Conv3d",
        ["torch:Conv3d.weight"],
        "torch.nn.Conv3d.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:ConvTranspose1d",
        ["torch:ConvTranspose1d.weight"],
        "torch.nn.ConvTranspose1d.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:ConvTranspose2d",
        ["torch:ConvTranspose2d.weight"],
        "torch.nn.ConvTranspose2d.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:ConvTranspose3d",
        ["torch:ConvTranspose3d.weight"],
        "torch.nn.ConvTranspose3d.reset_parameters: kaiming_uniform_(a=sqrt(5))",
        [],
        |_| torch(Init::TorchDefaultWeight)
    ),
    row!(
        "torch:Linear.bias",
        [
            "torch:Conv1d.bias",
            "torch:Conv2d.bias",
            "torch:Conv3d.bias",
            "torch:ConvTranspose1d.bias",
            "torch:ConvTranspose2d.bias",
            "torch:ConvTranspose3d.bias"
        ],
        "torch.nn.Linear / ConvNd / ConvTransposeNd bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in of the weight",
        ["fan_in"],
        |p| torch(Init::TorchDefaultBias {
            fan_in: p.fan_in.ok_or(Error::InvalidParameter {
                name: "fan_in",
                reason: "is required: the layer's weight's fan_in (torch's formula)",
            })?
        })
    ),
    row!(
        "keras:Dense",
        ["keras:Conv2D", "keras:Conv1D", "keras:Conv3D"],
        "keras.layers.Dense / ConvND kernel_initializer='glorot_uniform'",
        [],
        |_| keras(KERAS_DENSE.weight)
    ),
    row!(
        "keras:Dense.bias",
        ["keras:Conv2D.bias", "keras:Conv1D.bias", "keras:Conv3D.bias"],
        "keras.layers.Dense / ConvND bias_initializer='zeros'",
        [],
        |_| keras(KERAS_DENSE.bias)
    ),
    row!("flax:Dense", ["flax:Conv"], "flax.linen.Dense / Conv kernel_init=lecun_normal()", [], |p| jax(
        FLAX_DENSE.weight,
        p
    )),
    row!("flax:Dense.bias", ["flax:Conv.bias"], "flax.linen.Dense / Conv bias_init=zeros", [], |p| jax(
        FLAX_DENSE.bias,
        p
    )),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_unique_and_resolves_with_its_defaults() {
        let mut names: [&str; 256] = [""; 256];
        let mut n = 0;
        for f in FRAMEWORK_INITS {
            for &s in core::iter::once(&f.name).chain(f.also) {
                assert!(!names[..n].contains(&s), "{s} twice");
                names[n] = s;
                n += 1;
                assert!(framework_init(s).is_some_and(|g| g.name == f.name));
            }
            let required =
                ["torch:constant_", "torch:sparse_", "jax:constant", "jax:variance_scaling", "torch:Linear.bias"];
            if !required.contains(&f.name) {
                f.resolve(&FrameworkParams::default()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
            }
        }
        assert!(framework_init("keras:he_normal").is_some() && framework_init("keras:he-normal").is_none());
    }

    #[test]
    fn arguments_are_checked_by_framework() {
        let he = framework_init("keras:he_normal").unwrap();
        let e = he.resolve(&FrameworkParams { gain: Some(2.0), ..Default::default() }).unwrap_err();
        assert_eq!(
            e,
            Error::InvalidParameter { name: "gain", reason: "is not an argument of this framework initializer" }
        );
        let k = framework_init("keras:VarianceScaling").unwrap();
        let p = FrameworkParams { mode: Some("fan_geo_avg"), ..Default::default() };
        assert!(matches!(k.resolve(&p), Err(Error::InvalidParameter { name: "mode", .. })));
        let p = FrameworkParams { distribution: Some("normal"), ..Default::default() };
        assert_eq!(k.resolve(&p).unwrap().init, vs(1.0, FanMode::FanIn, VsDistribution::TruncatedNormal));
        let t = framework_init("torch:kaiming_normal_").unwrap();
        let p = FrameworkParams { a: Some(0.2), mode: Some("fan_out"), ..Default::default() };
        assert_eq!(
            t.resolve(&p).unwrap().init,
            Init::KaimingNormal { mode: FanMode::FanOut, nonlinearity: Nonlinearity::LeakyRelu(0.2) }
        );
        let j = framework_init("jax:variance_scaling").unwrap();
        assert!(matches!(j.resolve(&FrameworkParams::default()), Err(Error::InvalidParameter { .. })));
    }

    #[test]
    fn set_takes_every_spelling_and_refuses_the_wrong_kind() {
        let mut p = FrameworkParams::default();
        p.set("stddev", Arg::Num(0.5)).unwrap();
        p.set("val", Arg::Int(3)).unwrap();
        p.set("mode", Arg::Text("fan_avg")).unwrap();
        p.set("in_axis", Arg::Num(0.0)).unwrap();
        p.set("batch_axis", Arg::Axes(0b101)).unwrap();
        p.set("groups", Arg::Int(2)).unwrap();
        p.set("fan_in", Arg::Int(7)).unwrap();
        assert_eq!((p.std, p.value, p.mode, p.in_axis), (Some(0.5), Some(3.0), Some("fan_avg"), Some(0)));
        assert_eq!((p.batch_axis, p.groups, p.fan_in), (Some(0b101), Some(2), Some(7)));
        assert!(matches!(p.set("bogus", Arg::Num(1.0)), Err(Error::InvalidParameter { name: "argument", .. })));
        assert!(matches!(p.set("mean", Arg::Text("x")), Err(Error::InvalidParameter { name: "mean", .. })));
        assert!(matches!(p.set("mode", Arg::Num(1.0)), Err(Error::InvalidParameter { name: "mode", .. })));
        assert!(matches!(p.set("in_axis", Arg::Num(0.5)), Err(Error::InvalidParameter { name: "in_axis", .. })));
        assert!(matches!(p.set("groups", Arg::Int(-1)), Err(Error::InvalidParameter { name: "groups", .. })));
        assert!(matches!(p.set("batch_axis", Arg::Int(64)), Err(Error::InvalidParameter { name: "batch_axis", .. })));
    }
}
