//! Argument types shared by the commands: the training options, the scheme options (from the core's
//! scheme table), and their parsing into the library's types.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use weightinit_core::init::{
    FanMode, Init, Layout, LsuvOptions, Nonlinearity, SCHEMES, SchemeId, SchemeParams, VsDistribution,
};

use super::{CliError, core_err, usage};
use crate::data::{self, Dataset, embedded};
use crate::model::saved::SaveLayout;
use crate::model::{Activation, Norm};
use crate::train::{Optimizer, TrainConfig};

/// Every scheme name of the core's table, comma-separated (for help and error texts).
pub fn scheme_names() -> String {
    SCHEMES.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

/// The schemes a training spec accepts, as `NAME[:VALUE]` with what the value sets.
pub(super) fn train_scheme_names() -> String {
    let names: Vec<String> = SCHEMES
        .iter()
        .filter_map(|s| {
            let t = s.train?;
            Some(if t.what.is_empty() { s.name.to_string() } else { format!("{}[:{}]", s.name, t.what) })
        })
        .collect();
    names.join(", ") + ", lsuv[:tolerance] (orthogonal, then Mishkin & Matas's layer-sequential unit variance)"
}

#[derive(Args, Debug, Clone)]
pub(super) struct CommonTrain {
    /// Folder with MNIST/Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...); default: the embedded
    /// 10,000-digit subset.
    #[arg(long, value_name = "DIR")]
    pub(super) data: Option<PathBuf>,
    /// Folder with a test set (t10k-images-idx3-ubyte[.gz] and labels, or test-*).
    #[arg(long, value_name = "DIR")]
    pub(super) test_data: Option<PathBuf>,
    /// Layer widths, input first; `WxN` repeats a width N times (784,100x30,10) [default: 784,100,100,10].
    #[arg(long, value_name = "W0,W1,...")]
    pub(super) layers: Option<String>,
    /// Normalization after each hidden linear layer, before its activation: none | batch | layer.
    #[arg(long, default_value = "none", value_name = "NORM")]
    pub(super) norm: String,
    /// Keep subnormal floats (by default the worker threads flush them to zero: deep nets from tiny weights
    /// otherwise run many times slower).
    #[arg(long)]
    pub(super) no_flush_subnormals: bool,
    /// Hidden activation: relu | leaky-relu[:slope] | tanh | sigmoid | linear.
    #[arg(long, default_value = "relu", value_name = "ACT")]
    pub(super) activation: String,
    /// Epochs [default: 10; depth: 5].
    #[arg(long)]
    pub(super) epochs: Option<usize>,
    /// Batch size.
    #[arg(long, default_value_t = 128)]
    pub(super) batch: usize,
    /// Learning rate [default: 0.2; depth: 0.01].
    #[arg(long, allow_hyphen_values = true)]
    pub(super) lr: Option<f32>,
    /// Momentum (SGD).
    #[arg(long, default_value_t = 0.9, allow_hyphen_values = true)]
    pub(super) momentum: f32,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Sgd)]
    pub(super) optimizer: OptimizerArg,
    /// Learning-rate schedule: cosine decay to 0 over the run, or constant.
    #[arg(long, value_enum, default_value_t = ScheduleArg::Cosine)]
    pub(super) schedule: ScheduleArg,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Seed of initialization and shuffling.
    #[arg(long, default_value_t = 1)]
    pub(super) seed: u64,
    /// No progress bars.
    #[arg(long)]
    pub(super) quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub(super) enum ScheduleArg {
    Cosine,
    Constant,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub(super) enum OptimizerArg {
    Sgd,
    Adam,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub(super) enum LayoutArg {
    /// PyTorch [out, in, *k] (torch.nn.init's formula).
    Torch,
    /// PyTorch conv [out, in/groups, *k] with the true fan_out (uses --groups).
    TorchConv,
    /// PyTorch transposed conv [in, out/groups, *k] with its true fans (uses --groups).
    TorchConvTranspose,
    /// Keras/TF [*k, in, out].
    Keras,
    /// NumPy dense [in, out].
    InOut,
    /// JAX default axes (in -2, out -1).
    Jax,
}

/// `--mode` of the core's schemes: fan-in | fan-out | fan-avg | fan-geo-avg (underscores accepted).
fn parse_mode(m: &str) -> Result<FanMode, CliError> {
    Ok(match m.replace('_', "-").as_str() {
        "fan-in" => FanMode::FanIn,
        "fan-out" => FanMode::FanOut,
        "fan-avg" => FanMode::FanAvg,
        "fan-geo-avg" => FanMode::FanGeoAvg,
        _ => return Err(usage(format!("invalid --mode '{m}': accepted fan-in, fan-out, fan-avg, fan-geo-avg"))),
    })
}

/// `--distribution` of the core's variance-scaling: uniform | normal (untruncated, as JAX; also
/// untruncated-normal) | truncated-normal.
fn parse_distribution(d: &str) -> Result<VsDistribution, CliError> {
    Ok(match d.replace('_', "-").as_str() {
        "uniform" => VsDistribution::Uniform,
        "normal" | "untruncated-normal" => VsDistribution::UntruncatedNormal,
        "truncated-normal" => VsDistribution::TruncatedNormal,
        _ => {
            return Err(usage(format!(
                "invalid --distribution '{d}': accepted uniform, normal (untruncated), truncated-normal"
            )));
        }
    })
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
pub(super) enum DtypeArg {
    F32,
    F64,
}

#[derive(Args, Debug)]
pub(super) struct SchemeArgs {
    /// Scheme (the core's scheme table).
    #[arg(long, value_name = "SCHEME", help = format!("Scheme: {}", scheme_names()))]
    pub(super) scheme: String,
    /// Shape, comma-separated.
    #[arg(long, value_name = "D0,D1,...")]
    pub(super) shape: String,
    /// Weight layout, for fans [default: torch; a framework name (keras:he_normal) brings its own].
    #[arg(long, value_enum)]
    pub(super) layout: Option<LayoutArg>,
    /// Fan mode (he-*, variance-scaling): fan-in | fan-out | fan-avg | fan-geo-avg (fan_in, ... for framework
    /// names).
    #[arg(long)]
    pub(super) mode: Option<String>,
    /// Nonlinearity for the gain (he-*): linear, conv1d.., sigmoid, tanh, relu, leaky-relu, selu.
    #[arg(long)]
    pub(super) nonlinearity: Option<String>,
    /// he-*: the leaky-relu negative slope `a` (PyTorch's `a`, default 0); constant: the value.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) param: Option<f64>,
    /// Gain (xavier-*, orthogonal).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) gain: Option<f64>,
    /// Mean (normal, truncated-normal).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) mean: Option<f64>,
    /// Std (normal, truncated-normal, sparse; Keras and JAX's stddev).
    #[arg(long, visible_alias = "stddev", allow_hyphen_values = true)]
    pub(super) std: Option<f64>,
    /// Lower bound (uniform; truncated-normal, absolute as PyTorch).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) a: Option<f64>,
    /// Upper bound (uniform; truncated-normal).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) b: Option<f64>,
    /// Fraction of zeros per column (sparse).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) sparsity: Option<f64>,
    /// Variance scale (variance-scaling).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) scale: Option<f64>,
    /// Distribution (variance-scaling): uniform | normal | truncated-normal (framework names: their own
    /// spellings; JAX's normal is untruncated, Keras's truncated).
    #[arg(long)]
    pub(super) distribution: Option<String>,
    /// Groups (dirac, torch-conv layouts).
    #[arg(long)]
    pub(super) groups: Option<usize>,
    /// The weight's fan_in (torch-bias).
    #[arg(long)]
    pub(super) fan_in: Option<usize>,
    /// The axis holding the orthogonal columns (orthogonal-columns, delta-orthogonal; JAX's column_axis).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) column_axis: Option<isize>,
    /// Keras RandomUniform's minval.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) minval: Option<f64>,
    /// Keras RandomUniform's maxval.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) maxval: Option<f64>,
    /// JAX truncated_normal's lower bound (std units).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) lower: Option<f64>,
    /// JAX truncated_normal's upper bound (std units).
    #[arg(long, allow_hyphen_values = true)]
    pub(super) upper: Option<f64>,
    /// The constant of torch:constant_ (val), keras:constant and jax:constant (value).
    #[arg(long, visible_alias = "val", allow_hyphen_values = true)]
    pub(super) value: Option<f64>,
    /// JAX in_axis.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) in_axis: Option<isize>,
    /// JAX out_axis.
    #[arg(long, allow_hyphen_values = true)]
    pub(super) out_axis: Option<isize>,
    /// JAX batch_axis: comma-separated non-negative axes.
    #[arg(long, value_name = "K0,K1,...", allow_hyphen_values = true)]
    pub(super) batch_axis: Option<String>,
}

/// Parses a comma-separated list of positive integers.
pub fn parse_dims(s: &str, what: &str) -> Result<Vec<usize>, String> {
    let dims: Result<Vec<usize>, _> = s.split(',').map(|d| d.trim().parse::<usize>()).collect();
    match dims {
        Ok(d) if !d.is_empty() && d.iter().all(|&x| x > 0) => Ok(d),
        _ => Err(format!("invalid {what} '{s}': expected comma-separated positive integers such as 784,100,10")),
    }
}

pub(super) fn parse_f64(v: &str, what: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("invalid value '{v}' in {what}: expected a finite number"))
}

/// Parses a training scheme spec `NAME[:VALUE]` into an initializer for a hidden activation (the value's
/// meaning and default come from the core's scheme table).
pub fn parse_train_scheme(spec: &str, act: Activation) -> Result<Init, String> {
    if let Some(f) = weightinit_core::init::framework::framework_init(spec) {
        // A framework name with its defaults; the trainer's weights are [in, out], whose fans every
        // framework computes alike.
        let p = weightinit_core::init::framework::FrameworkParams::default();
        return f.resolve(&p).map(|r| r.init).map_err(|e| format!("invalid --init '{spec}': {e}"));
    }
    let (name, value) = spec.split_once(':').map_or((spec, None), |(n, v)| (n, Some(v)));
    if ["torch", "keras", "jax", "flax"].contains(&name) {
        return Err(format!("unknown framework initializer '{spec}' in --init (weightinit schemes lists them)"));
    }
    let v = value.map(|v| parse_f64(v, spec)).transpose()?;
    let unknown = || format!("unknown scheme '{name}' in '{spec}': accepted {}", train_scheme_names());
    let id = SchemeId::from_name(name).ok_or_else(unknown)?;
    if weightinit_core::init::scheme(id).train.is_none() {
        return Err(unknown());
    }
    Init::from_train_spec(id, v, act.nonlinearity()).map_err(|e| format!("invalid --init '{spec}': {e}"))
}

impl SchemeArgs {
    pub(super) fn shape(&self) -> Result<Vec<usize>, CliError> {
        parse_dims(&self.shape, "--shape").map_err(usage)
    }

    pub(super) fn layout(&self) -> Layout {
        let groups = self.groups.unwrap_or(1);
        match self.layout.unwrap_or(LayoutArg::Torch) {
            LayoutArg::Torch => Layout::Torch,
            LayoutArg::TorchConv => Layout::TorchConv { groups },
            LayoutArg::TorchConvTranspose => Layout::TorchConvTranspose { groups },
            LayoutArg::Keras => Layout::Keras,
            LayoutArg::InOut => Layout::InOut,
            LayoutArg::Jax => Layout::JAX,
        }
    }

    /// The initializer and its layout: a framework name (`keras:he_normal`) with the flags as its
    /// arguments, or a scheme of the core's table with the flags as its parameters and `--layout`.
    pub(super) fn resolve(&self) -> Result<(Init, Layout), CliError> {
        if self.scheme.contains(':') {
            return self.framework();
        }
        for (given, flag) in [
            (self.minval.is_some(), "--minval"),
            (self.maxval.is_some(), "--maxval"),
            (self.lower.is_some(), "--lower"),
            (self.upper.is_some(), "--upper"),
            (self.value.is_some(), "--value"),
            (self.in_axis.is_some(), "--in-axis"),
            (self.out_axis.is_some(), "--out-axis"),
            (self.batch_axis.is_some(), "--batch-axis"),
        ] {
            if given {
                return Err(usage(format!(
                    "{flag} is an argument of framework names (jax:..., keras:...), not of --scheme {}",
                    self.scheme
                )));
            }
        }
        Ok((self.init()?, self.layout()))
    }

    /// A framework name's initializer and layout (the core's framework table).
    fn framework(&self) -> Result<(Init, Layout), CliError> {
        use weightinit_core::init::framework::{FrameworkParams, framework_init};
        let f = framework_init(&self.scheme).ok_or_else(|| {
            usage(format!(
                "invalid --scheme '{}': not a framework initializer (weightinit schemes lists them)",
                self.scheme
            ))
        })?;
        if self.layout.is_some() {
            return Err(usage(format!(
                "--scheme {} uses its framework's layout: --layout does not apply",
                self.scheme
            )));
        }
        if self.param.is_some() {
            return Err(usage(format!(
                "--param is not an argument of {} (its own names apply, e.g. --a)",
                self.scheme
            )));
        }
        let batch_axis = match &self.batch_axis {
            None => None,
            Some(s) => Some(
                s.split(',')
                    .map(|k| k.trim().parse::<u32>().ok().filter(|&k| k < 64).map(|k| 1u64 << k))
                    .try_fold(0u64, |m, b| b.map(|b| m | b))
                    .ok_or_else(|| {
                        usage(format!("invalid --batch-axis '{s}': expected non-negative axes such as 0,1"))
                    })?,
            ),
        };
        let underscored = |s: &Option<String>| s.as_ref().map(|v| v.replace('-', "_"));
        let (mode, distribution, nonlinearity) =
            (underscored(&self.mode), underscored(&self.distribution), underscored(&self.nonlinearity));
        let p = FrameworkParams {
            mean: self.mean,
            std: self.std,
            a: self.a,
            b: self.b,
            minval: self.minval,
            maxval: self.maxval,
            lower: self.lower,
            upper: self.upper,
            value: self.value,
            gain: self.gain,
            scale: self.scale,
            mode: mode.as_deref(),
            nonlinearity: nonlinearity.as_deref(),
            distribution: distribution.as_deref(),
            in_axis: self.in_axis,
            out_axis: self.out_axis,
            batch_axis,
            column_axis: self.column_axis,
            sparsity: self.sparsity,
            groups: self.groups,
            fan_in: self.fan_in,
        };
        let r = f.resolve(&p).map_err(|e| usage(format!("--scheme {}: {e} (it takes: {})", self.scheme, f.source)))?;
        Ok((r.init, r.layout))
    }

    /// The initializer: the scheme from the core's table, the flags as its parameters.
    fn init(&self) -> Result<Init, CliError> {
        let id = SchemeId::from_name(&self.scheme).ok_or_else(|| {
            usage(format!(
                "invalid --scheme '{}': accepted {} and framework names (weightinit schemes)",
                self.scheme,
                scheme_names()
            ))
        })?;
        let nonlinearity = match &self.nonlinearity {
            None => None,
            Some(n) => Some(
                Nonlinearity::parse(n, self.param)
                    .ok_or_else(|| usage(format!("invalid --nonlinearity '{n}': accepted {}", Nonlinearity::NAMES)))?,
            ),
        };
        let p = SchemeParams {
            mode: self.mode.as_deref().map(parse_mode).transpose()?,
            nonlinearity,
            param: self.param,
            gain: self.gain,
            mean: self.mean,
            std: self.std,
            a: self.a,
            b: self.b,
            bounds_in_std: false,
            sparsity: self.sparsity,
            scale: self.scale,
            distribution: self.distribution.as_deref().map(parse_distribution).transpose()?,
            groups: self.groups,
            fan_in: self.fan_in,
            column_axis: self.column_axis,
        };
        Init::from_params(id, &p).map_err(|e| match (id, e) {
            (SchemeId::Sparse, _) => usage("sparse needs --sparsity P (a fraction in [0, 1])"),
            (SchemeId::TorchBias, _) => usage("torch-bias needs --fan-in N (the weight's fan_in)"),
            (_, e) => core_err(e),
        })
    }
}

pub(super) struct Data {
    pub(super) train: Dataset,
    pub(super) val: Dataset,
    pub(super) test: Option<Dataset>,
    pub(super) source: String,
}

pub(super) fn load_data(c: &CommonTrain) -> Result<Data, CliError> {
    let (train, val, source) = match &c.data {
        None => {
            let (t, v) = embedded::split();
            (t, v, "embedded MNIST subset (9000 train / 1000 validation)".to_string())
        }
        Some(dir) => {
            let all = data::load_dir(dir, &["train"]).map_err(CliError::Failed)?;
            if all.len() < 2 {
                return Err(CliError::Failed(format!("{}: need at least 2 training examples", dir.display())));
            }
            let n_val = (all.len() / 10).max(1);
            let cut = all.len() - n_val;
            let src = format!("{} ({} train / {} validation: the last tenth)", dir.display(), cut, n_val);
            (all.slice(0..cut), all.slice(cut..all.len()), src)
        }
    };
    let test = match &c.test_data {
        None => None,
        Some(dir) => Some(data::load_dir(dir, &["t10k", "test"]).map_err(CliError::Failed)?),
    };
    if let Some(t) = &test
        && t.features != train.features
    {
        return Err(CliError::Failed(format!(
            "test set has {} features per example, training set {}",
            t.features, train.features
        )));
    }
    Ok(Data { train, val, test, source })
}

/// The first width of `--layers` must be the data's features per example (checked before any output).
pub(super) fn check_input_width(layers: &[usize], d: &Data) -> Result<(), CliError> {
    match layers.first() {
        Some(&w) if w == d.train.features => Ok(()),
        first => Err(usage(format!(
            "--layers starts with {} but the data has {} features per example",
            first.map_or("nothing".to_string(), |w| w.to_string()),
            d.train.features
        ))),
    }
}

/// A command's defaults for the options whose default differs between commands.
#[derive(Debug, Clone, Copy)]
pub(super) struct Defaults {
    pub(super) epochs: usize,
    pub(super) lr: f32,
}

/// `train` and `compare`.
pub(super) const TRAIN_DEFAULTS: Defaults = Defaults { epochs: 10, lr: 0.2 };

/// The default `--layers`.
pub(super) const DEFAULT_LAYERS: &str = "784,100,100,10";

impl CommonTrain {
    pub(super) fn epochs(&self, d: Defaults) -> usize {
        self.epochs.unwrap_or(d.epochs)
    }

    pub(super) fn lr(&self, d: Defaults) -> f32 {
        self.lr.unwrap_or(d.lr)
    }
}

/// The configuration of a `train` or `compare` run.
pub(super) fn config(c: &CommonTrain, init_name: &str, act: Activation) -> Result<TrainConfig, CliError> {
    config_with(c, TRAIN_DEFAULTS, c.layers.as_deref().unwrap_or(DEFAULT_LAYERS), init_name, act)
}

/// The configuration of one run: `layers` (the `--layers` text) and `init_name` given, the rest from `c`
/// and, where `c` leaves them out, `d`.
pub(super) fn config_with(
    c: &CommonTrain,
    d: Defaults,
    layers_text: &str,
    init_name: &str,
    act: Activation,
) -> Result<TrainConfig, CliError> {
    let (epochs, lr) = (c.epochs(d), c.lr(d));
    let layers = crate::model::parse_layers(layers_text).map_err(usage)?;
    let norm = Norm::parse(&c.norm)
        .ok_or_else(|| usage(format!("invalid --norm '{}': accepted none, batch, layer", c.norm)))?;
    if layers.len() < 2 {
        return Err(usage(format!("invalid --layers '{layers_text}': need at least an input and an output width")));
    }
    if *layers.last().expect("non-empty") != 10 {
        return Err(usage(format!("invalid --layers '{layers_text}': the last width must be 10 (digit classes)")));
    }
    if !(lr.is_finite() && lr > 0.0) {
        return Err(usage(format!("invalid --lr {lr}: expected a finite number > 0")));
    }
    if !(c.momentum.is_finite() && (0.0..1.0).contains(&c.momentum)) {
        return Err(usage(format!("invalid --momentum {}: expected a number in [0, 1)", c.momentum)));
    }
    if c.batch == 0 {
        return Err(usage("invalid --batch 0: expected a positive integer"));
    }
    if epochs == 0 {
        return Err(usage("invalid --epochs 0: expected a positive integer"));
    }
    let threads = match c.threads {
        Some(0) => return Err(usage("invalid --threads 0: expected a positive integer")),
        Some(t) if t > super::max_threads() => {
            return Err(usage(format!(
                "invalid --threads {t}: at most {} here (4 per logical core; results do not depend on it)",
                super::max_threads()
            )));
        }
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let params = crate::model::param_count(&layers, norm)
        .ok_or_else(|| usage(format!("invalid --layers '{layers_text}': the parameter count overflows")))?;
    // Parameters, gradient and two optimizer state buffers, plus the batch's activations and gradients.
    let acts: u128 = layers.iter().map(|&w| w as u128).sum::<u128>() * c.batch as u128 * 3;
    super::check_memory((params as u128 * 4 + acts) * 4, &format!("--layers {layers_text}"))?;
    let (init, lsuv) = match parse_lsuv(init_name)? {
        Some(_) if c.batch < 2 => {
            return Err(usage(format!(
                "invalid --init '{init_name}' with --batch {}: lsuv measures a variance on one batch of at least 2 examples",
                c.batch
            )));
        }
        Some(o) => (Init::Orthogonal { gain: 1.0 }, Some(o)),
        None => (parse_train_scheme(init_name, act).map_err(usage)?, None),
    };
    let bias_init = if init == Init::TorchDefaultWeight { Init::TorchDefaultBias { fan_in: 0 } } else { Init::Zeros };
    Ok(TrainConfig {
        layers,
        act,
        init_name: init_name.to_string(),
        init,
        bias_init,
        lsuv,
        norm,
        init_from: None,
        flush_subnormals: !c.no_flush_subnormals,
        epochs,
        batch: c.batch,
        lr,
        optimizer: match c.optimizer {
            OptimizerArg::Sgd => Optimizer::Sgd { momentum: c.momentum },
            OptimizerArg::Adam => Optimizer::Adam,
        },
        cosine: c.schedule == ScheduleArg::Cosine,
        threads,
        seed: c.seed,
        progress: !c.quiet,
    })
}

/// `lsuv[:TOLERANCE]`: LSUV's options (Mishkin & Matas 2016: tolerance 0.1, at most 10 iterations per
/// layer), or None for any other scheme.
fn parse_lsuv(spec: &str) -> Result<Option<LsuvOptions>, CliError> {
    let (name, value) = spec.split_once(':').map_or((spec, None), |(n, v)| (n, Some(v)));
    if name != "lsuv" {
        return Ok(None);
    }
    let mut o = LsuvOptions::default();
    if let Some(v) = value {
        o.tolerance = parse_f64(v, spec).map_err(usage)?;
        if !(o.tolerance > 0.0 && o.tolerance < 1.0) {
            return Err(usage(format!("invalid --init '{spec}': the lsuv tolerance must be in (0, 1)")));
        }
    }
    Ok(Some(o))
}

pub(super) fn activation(c: &CommonTrain) -> Result<Activation, CliError> {
    Activation::parse(&c.activation).ok_or_else(|| {
        usage(format!(
            "invalid --activation '{}': accepted relu, leaky-relu[:slope], tanh, sigmoid, linear",
            c.activation
        ))
    })
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq)]
pub(super) enum SaveLayoutArg {
    /// PyTorch's state_dict: `0.weight` [out, in], ...
    Torch,
    /// Keras's names, kernels [in, out].
    InOut,
}

impl SaveLayoutArg {
    pub(super) fn layout(self) -> SaveLayout {
        match self {
            SaveLayoutArg::Torch => SaveLayout::Torch,
            SaveLayoutArg::InOut => SaveLayout::InOut,
        }
    }
}

/// `--save-dir DIR` of `compare` and `depth`: one model per run that did not diverge, `DIR/<name>.safetensors`
/// (names made file-safe), in `layout`. Returns the files written.
pub(super) fn save_runs(
    dir: &std::path::Path,
    layout: SaveLayoutArg,
    runs: &[(String, &crate::train::TrainResult, u64)],
) -> Result<Vec<PathBuf>, CliError> {
    let mut written = Vec::new();
    for (name, r, seed) in runs {
        let Some(model) = &r.model else { continue };
        let safe: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
        let p = dir.join(format!("{safe}.safetensors"));
        let prov = crate::model::saved::Provenance { init: r.init.clone(), seed: *seed };
        crate::model::saved::save(&p, model, layout.layout(), &prov).map_err(CliError::Failed)?;
        written.push(p);
    }
    Ok(written)
}
