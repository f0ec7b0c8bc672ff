//! The `weightinit` command: `train`, `compare`, `init`, `explain`.
//!
//! Every wrong argument is a one-line error saying what is wrong and what is accepted, with exit code 2.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use weightinit_core::Stream;
use weightinit_core::TruncBounds;
use weightinit_core::init::{FanMode, Init, Layout, Nonlinearity, VsDistribution};

use crate::data::{self, Dataset, embedded};
use crate::io::{TensorData, npy_bytes, npz_bytes, safetensors_bytes, write_atomic};
use crate::model::Activation;
use crate::report;
use crate::train::{Optimizer, TrainConfig, TrainResult, train};

/// Scheme names, kebab case.
pub const SCHEMES: &str = "zeros, ones, constant, uniform, normal, truncated-normal, xavier-uniform, xavier-normal, he-uniform, he-normal, lecun-uniform, lecun-normal, variance-scaling, orthogonal, eye, dirac, sparse, torch-linear";

#[derive(Parser, Debug)]
#[command(
    name = "weightinit",
    version,
    about = "Weight initialization that is correct, fast and reproducible; trains MNIST MLPs to compare schemes."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Train one MLP and report loss and accuracy.
    Train(TrainArgs),
    /// Train one MLP per scheme from the same seed; print a table and write plots.
    Compare(CompareArgs),
    /// Write an initialized tensor as a NumPy .npy file.
    Init(InitArgs),
    /// Print the init report (fans, gain, std or bound, formula) of a scheme for a shape.
    Explain(ExplainArgs),
}

#[derive(Args, Debug, Clone)]
struct CommonTrain {
    /// Folder with MNIST/Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...); default: the embedded
    /// 10,000-digit subset.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Folder with a test set (t10k-images-idx3-ubyte[.gz] and labels, or test-*).
    #[arg(long, value_name = "DIR")]
    test_data: Option<PathBuf>,
    /// Layer widths, input first.
    #[arg(long, default_value = "784,100,100,10", value_name = "W0,W1,...")]
    layers: String,
    /// Hidden activation: relu | leaky-relu[:slope] | tanh | sigmoid | linear.
    #[arg(long, default_value = "relu", value_name = "ACT")]
    activation: String,
    /// Epochs.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Batch size.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.2)]
    lr: f32,
    /// Momentum (SGD).
    #[arg(long, default_value_t = 0.9)]
    momentum: f32,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Sgd)]
    optimizer: OptimizerArg,
    /// Learning-rate schedule: cosine decay to 0 over the run, or constant.
    #[arg(long, value_enum, default_value_t = ScheduleArg::Cosine)]
    schedule: ScheduleArg,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Seed of initialization and shuffling.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
enum ScheduleArg {
    Cosine,
    Constant,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum OptimizerArg {
    Sgd,
    Adam,
}

#[derive(Args, Debug)]
struct TrainArgs {
    #[command(flatten)]
    common: CommonTrain,
    /// Weight initializer: NAME[:VALUE] (normal:0.01 is std, uniform:0.05 the bound, xavier-*:gain,
    /// constant:value, sparse:sparsity, orthogonal:gain).
    #[arg(long, default_value = "he-normal", value_name = "SCHEME")]
    init: String,
    /// Write trained weights: .safetensors or .npz (atomically).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CompareArgs {
    #[command(flatten)]
    common: CommonTrain,
    /// Comma-separated schemes, each NAME[:VALUE].
    #[arg(long, default_value = "zeros,normal:0.01,normal:1.0,xavier-normal,he-normal", value_name = "LIST")]
    schemes: String,
    /// Folder for the plots (SVG).
    #[arg(long, default_value = "weightinit-compare", value_name = "DIR")]
    out: PathBuf,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
enum LayoutArg {
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

#[derive(ValueEnum, Debug, Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the CLI values are fan-in, fan-out, ...
enum ModeArg {
    FanIn,
    FanOut,
    FanAvg,
    FanGeoAvg,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum DistArg {
    Uniform,
    /// Untruncated normal (JAX "normal", Keras 3 "untruncated_normal").
    Normal,
    /// Truncated at ±2 std with the 0.8796 correction (Keras/JAX "truncated_normal").
    TruncatedNormal,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq)]
enum DtypeArg {
    F32,
    F64,
}

#[derive(Args, Debug)]
struct SchemeArgs {
    /// Scheme (kebab case).
    #[arg(long, value_name = "SCHEME")]
    scheme: String,
    /// Shape, comma-separated.
    #[arg(long, value_name = "D0,D1,...")]
    shape: String,
    /// Weight layout, for fans.
    #[arg(long, value_enum, default_value_t = LayoutArg::Torch)]
    layout: LayoutArg,
    /// Fan mode (he-*, variance-scaling).
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Nonlinearity for the gain (he-*): linear, conv1d.., sigmoid, tanh, relu, leaky-relu, selu.
    #[arg(long)]
    nonlinearity: Option<String>,
    /// he-*: the leaky-relu negative slope `a` (PyTorch's `a`, default 0); constant: the value.
    #[arg(long, allow_hyphen_values = true)]
    param: Option<f64>,
    /// Gain (xavier-*, orthogonal).
    #[arg(long, allow_hyphen_values = true)]
    gain: Option<f64>,
    /// Mean (normal, truncated-normal).
    #[arg(long, allow_hyphen_values = true)]
    mean: Option<f64>,
    /// Std (normal, truncated-normal, sparse).
    #[arg(long, allow_hyphen_values = true)]
    std: Option<f64>,
    /// Lower bound (uniform; truncated-normal, absolute as PyTorch).
    #[arg(long, allow_hyphen_values = true)]
    a: Option<f64>,
    /// Upper bound (uniform; truncated-normal).
    #[arg(long, allow_hyphen_values = true)]
    b: Option<f64>,
    /// Fraction of zeros per column (sparse).
    #[arg(long, allow_hyphen_values = true)]
    sparsity: Option<f64>,
    /// Variance scale (variance-scaling).
    #[arg(long, allow_hyphen_values = true)]
    scale: Option<f64>,
    /// Distribution (variance-scaling).
    #[arg(long, value_enum)]
    distribution: Option<DistArg>,
    /// Groups (dirac, torch-conv layouts).
    #[arg(long)]
    groups: Option<usize>,
}

#[derive(Args, Debug)]
struct InitArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Tensor key (one per tensor).
    #[arg(long, default_value_t = 0)]
    key: u64,
    /// Element type.
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    dtype: DtypeArg,
    /// Output .npy file (written atomically).
    #[arg(long, value_name = "FILE.npy")]
    out: PathBuf,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// A usage error (exit 2) or a failure (exit 1).
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments: exit code 2.
    Usage(String),
    /// The work failed (I/O, divergence of `train`): exit code 1.
    Failed(String),
}

fn usage(s: impl Into<String>) -> CliError {
    CliError::Usage(s.into())
}

/// Parses a comma-separated list of positive integers.
pub fn parse_dims(s: &str, what: &str) -> Result<Vec<usize>, String> {
    let dims: Result<Vec<usize>, _> = s.split(',').map(|d| d.trim().parse::<usize>()).collect();
    match dims {
        Ok(d) if !d.is_empty() && d.iter().all(|&x| x > 0) => Ok(d),
        _ => Err(format!("invalid {what} '{s}': expected comma-separated positive integers such as 784,100,10")),
    }
}

fn parse_f64(v: &str, what: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| format!("invalid value '{v}' in {what}: expected a finite number"))
}

/// Parses a training scheme spec `NAME[:VALUE]` into an initializer for a hidden activation.
pub fn parse_train_scheme(spec: &str, act: Activation) -> Result<Init, String> {
    let (name, value) = spec.split_once(':').map_or((spec, None), |(n, v)| (n, Some(v)));
    let v = value.map(|v| parse_f64(v, spec)).transpose()?;
    let nl = act.nonlinearity();
    let init = match name {
        "zeros" => Init::Zeros,
        "ones" => Init::Ones,
        "constant" => Init::Constant { value: v.unwrap_or(0.0) },
        "uniform" => {
            let b = v.unwrap_or(0.05);
            Init::Uniform { low: -b, high: b }
        }
        "normal" => Init::Normal { mean: 0.0, std: v.unwrap_or(0.01) },
        "truncated-normal" => {
            Init::TruncatedNormal { mean: 0.0, std: v.unwrap_or(0.01), bounds: TruncBounds::two_sigma() }
        }
        "xavier-uniform" => Init::XavierUniform { gain: v.unwrap_or(1.0) },
        "xavier-normal" => Init::XavierNormal { gain: v.unwrap_or(1.0) },
        "he-uniform" => Init::KaimingUniform { mode: FanMode::FanIn, nonlinearity: nl },
        "he-normal" => Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: nl },
        "lecun-uniform" => Init::LecunUniform,
        "lecun-normal" => Init::LecunNormal,
        "orthogonal" => Init::Orthogonal { gain: v.unwrap_or(1.0) },
        "sparse" => Init::Sparse { sparsity: v.unwrap_or(0.9), std: 0.01 },
        "torch-linear" => Init::TorchDefaultWeight,
        _ => {
            return Err(format!(
                "unknown scheme '{name}' in '{spec}': accepted NAME[:VALUE] with NAME one of zeros, ones, constant, uniform, normal, truncated-normal, xavier-uniform, xavier-normal, he-uniform, he-normal, lecun-uniform, lecun-normal, orthogonal, sparse, torch-linear"
            ));
        }
    };
    Ok(init)
}

impl SchemeArgs {
    fn shape(&self) -> Result<Vec<usize>, CliError> {
        parse_dims(&self.shape, "--shape").map_err(usage)
    }

    fn layout(&self) -> Layout {
        let groups = self.groups.unwrap_or(1);
        match self.layout {
            LayoutArg::Torch => Layout::Torch,
            LayoutArg::TorchConv => Layout::TorchConv { groups },
            LayoutArg::TorchConvTranspose => Layout::TorchConvTranspose { groups },
            LayoutArg::Keras => Layout::Keras,
            LayoutArg::InOut => Layout::InOut,
            LayoutArg::Jax => Layout::JAX,
        }
    }

    fn init(&self) -> Result<Init, CliError> {
        let mode = match self.mode {
            None => None,
            Some(ModeArg::FanIn) => Some(FanMode::FanIn),
            Some(ModeArg::FanOut) => Some(FanMode::FanOut),
            Some(ModeArg::FanAvg) => Some(FanMode::FanAvg),
            Some(ModeArg::FanGeoAvg) => Some(FanMode::FanGeoAvg),
        };
        let nonlinearity = match &self.nonlinearity {
            None => Nonlinearity::LeakyRelu(self.param.unwrap_or(0.0)),
            Some(n) => Nonlinearity::parse(n, self.param).ok_or_else(|| {
                usage(format!(
                    "invalid --nonlinearity '{n}': accepted linear, conv1d, conv2d, conv3d, conv-transpose1d, conv-transpose2d, conv-transpose3d, sigmoid, tanh, relu, leaky-relu, selu"
                ))
            })?,
        };
        let gain = self.gain.unwrap_or(1.0);
        Ok(match self.scheme.as_str() {
            "zeros" => Init::Zeros,
            "ones" => Init::Ones,
            "constant" => Init::Constant { value: self.param.unwrap_or(0.0) },
            "uniform" => Init::Uniform { low: self.a.unwrap_or(0.0), high: self.b.unwrap_or(1.0) },
            "normal" => Init::Normal { mean: self.mean.unwrap_or(0.0), std: self.std.unwrap_or(1.0) },
            "truncated-normal" => Init::TruncatedNormal {
                mean: self.mean.unwrap_or(0.0),
                std: self.std.unwrap_or(1.0),
                bounds: TruncBounds::Absolute { a: self.a.unwrap_or(-2.0), b: self.b.unwrap_or(2.0) },
            },
            "xavier-uniform" => Init::XavierUniform { gain },
            "xavier-normal" => Init::XavierNormal { gain },
            "he-uniform" => Init::KaimingUniform { mode: mode.unwrap_or(FanMode::FanIn), nonlinearity },
            "he-normal" => Init::KaimingNormal { mode: mode.unwrap_or(FanMode::FanIn), nonlinearity },
            "lecun-uniform" => Init::LecunUniform,
            "lecun-normal" => Init::LecunNormal,
            "variance-scaling" => Init::VarianceScaling {
                scale: self.scale.unwrap_or(1.0),
                mode: mode.unwrap_or(FanMode::FanIn),
                distribution: match self.distribution.unwrap_or(DistArg::TruncatedNormal) {
                    DistArg::Uniform => VsDistribution::Uniform,
                    DistArg::Normal => VsDistribution::UntruncatedNormal,
                    DistArg::TruncatedNormal => VsDistribution::TruncatedNormal,
                },
            },
            "orthogonal" => Init::Orthogonal { gain },
            "eye" => Init::Eye,
            "dirac" => Init::Dirac { groups: self.groups.unwrap_or(1) },
            "sparse" => Init::Sparse {
                sparsity: self.sparsity.ok_or_else(|| usage("sparse needs --sparsity P (a fraction in [0, 1])"))?,
                std: self.std.unwrap_or(0.01),
            },
            "torch-linear" => Init::TorchDefaultWeight,
            other => {
                return Err(usage(format!("invalid --scheme '{other}': accepted {SCHEMES}")));
            }
        })
    }
}

fn core_err(e: weightinit_core::Error) -> CliError {
    usage(e.to_string())
}

fn run_init(a: InitArgs) -> Result<(), CliError> {
    let shape = a.scheme.shape()?;
    let init = a.scheme.init()?;
    let layout = a.scheme.layout();
    let stream = Stream::new(a.seed, a.key);
    let bytes = match a.dtype {
        DtypeArg::F32 => {
            let (v, _) = init.fill_vec::<f32>(&stream, &shape, layout).map_err(core_err)?;
            npy_bytes(TensorData::F32(&v), &shape)
        }
        DtypeArg::F64 => {
            let (v, _) = init.fill_vec::<f64>(&stream, &shape, layout).map_err(core_err)?;
            npy_bytes(TensorData::F64(&v), &shape)
        }
    };
    write_atomic(&a.out, &bytes).map_err(|e| CliError::Failed(format!("{}: {e}", a.out.display())))
}

fn explanation_json(e: &weightinit_core::init::Explanation) -> serde_json::Value {
    use weightinit_core::init::Values;
    let values = match e.values {
        Values::Constant { value } => serde_json::json!({"kind": "constant", "value": value}),
        Values::Uniform { low, high } => {
            serde_json::json!({"kind": "uniform", "low": low, "high": high})
        }
        Values::Normal { mean, std } => {
            serde_json::json!({"kind": "normal", "mean": mean, "std": std})
        }
        Values::TruncatedNormal { mean, std, a, b } => {
            serde_json::json!({"kind": "truncated_normal", "mean": mean, "std": std, "a": a, "b": b})
        }
        Values::Orthogonal { gain } => serde_json::json!({"kind": "orthogonal", "gain": gain}),
        Values::Eye => serde_json::json!({"kind": "eye"}),
        Values::Dirac { groups } => serde_json::json!({"kind": "dirac", "groups": groups}),
        Values::Sparse { std, zeros_per_column } => {
            serde_json::json!({"kind": "sparse", "std": std, "zeros_per_column": zeros_per_column})
        }
    };
    serde_json::json!({
        "scheme": e.scheme,
        "fan_in": e.fans.map(|f| f.fan_in),
        "fan_out": e.fans.map(|f| f.fan_out),
        "mode": e.mode.map(weightinit_core::init::scheme::mode_name),
        "fan": e.fan,
        "gain": e.gain,
        "distribution": values,
        "std": e.std,
        "bound": e.bound,
        "formula": e.formula,
    })
}

fn run_explain(a: ExplainArgs) -> Result<(), CliError> {
    let shape = a.scheme.shape()?;
    let e = a.scheme.init()?.explain(&shape, a.scheme.layout()).map_err(core_err)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&explanation_json(&e)).expect("json"));
    } else {
        println!("shape        {shape:?}");
        println!("{e}");
    }
    Ok(())
}

struct Data {
    train: Dataset,
    val: Dataset,
    test: Option<Dataset>,
    source: String,
}

fn load_data(c: &CommonTrain) -> Result<Data, CliError> {
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

fn config(c: &CommonTrain, init_name: &str, act: Activation) -> Result<TrainConfig, CliError> {
    let layers = parse_dims(&c.layers, "--layers").map_err(usage)?;
    if layers.len() < 2 {
        return Err(usage(format!("invalid --layers '{}': need at least an input and an output width", c.layers)));
    }
    if *layers.last().expect("non-empty") != 10 {
        return Err(usage(format!("invalid --layers '{}': the last width must be 10 (digit classes)", c.layers)));
    }
    if !(c.lr.is_finite() && c.lr > 0.0) {
        return Err(usage(format!("invalid --lr {}: expected a finite number > 0", c.lr)));
    }
    if !(c.momentum.is_finite() && (0.0..1.0).contains(&c.momentum)) {
        return Err(usage(format!("invalid --momentum {}: expected a number in [0, 1)", c.momentum)));
    }
    if c.batch == 0 {
        return Err(usage("invalid --batch 0: expected a positive integer"));
    }
    if c.epochs == 0 {
        return Err(usage("invalid --epochs 0: expected a positive integer"));
    }
    let threads = match c.threads {
        Some(0) => return Err(usage("invalid --threads 0: expected a positive integer")),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let init = parse_train_scheme(init_name, act).map_err(usage)?;
    let bias_init = if init == Init::TorchDefaultWeight { Init::TorchDefaultBias { fan_in: 0 } } else { Init::Zeros };
    Ok(TrainConfig {
        layers,
        act,
        init_name: init_name.to_string(),
        init,
        bias_init,
        epochs: c.epochs,
        batch: c.batch,
        lr: c.lr,
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

fn activation(c: &CommonTrain) -> Result<Activation, CliError> {
    Activation::parse(&c.activation).ok_or_else(|| {
        usage(format!(
            "invalid --activation '{}': accepted relu, leaky-relu[:slope], tanh, sigmoid, linear",
            c.activation
        ))
    })
}

fn result_json(r: &TrainResult) -> serde_json::Value {
    let mut v = serde_json::to_value(r).expect("json");
    v["init_report"] = r.init_reports.iter().map(explanation_json).collect();
    v
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(v).expect("json") + "\n";
    write_atomic(path, text.as_bytes()).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}

fn save_model(path: &Path, r: &TrainResult) -> Result<(), CliError> {
    let model = r.model.as_ref().expect("trained model");
    let tensors: Vec<(String, Vec<usize>, &[f32])> =
        model.tensors().into_iter().map(|(n, s, range)| (n, s, &model.params[range])).collect();
    let bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("safetensors") => safetensors_bytes(&tensors),
        Some("npz") => npz_bytes(&tensors),
        _ => {
            return Err(usage(format!(
                "invalid --save '{}': the file must end in .safetensors or .npz",
                path.display()
            )));
        }
    };
    write_atomic(path, &bytes).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}

fn print_result(r: &TrainResult) {
    for e in &r.epochs {
        println!("epoch {:>3}  train loss {:.4}  val accuracy {:.2}%", e.epoch, e.train_loss, 100.0 * e.val_accuracy);
    }
    if let Some(d) = &r.divergence {
        println!("DIVERGED at epoch {} step {} (loss {})", d.epoch, d.step, d.loss);
    }
    if let Some(t) = r.test_accuracy {
        println!("test accuracy {:.2}%", 100.0 * t);
    }
    println!("{:.0} samples/s", r.samples_per_second);
}

fn run_train(a: TrainArgs) -> Result<(), CliError> {
    let act = activation(&a.common)?;
    let cfg = config(&a.common, &a.init, act)?;
    if let Some(p) = &a.save
        && !matches!(p.extension().and_then(|e| e.to_str()), Some("safetensors" | "npz"))
    {
        return Err(usage(format!("invalid --save '{}': the file must end in .safetensors or .npz", p.display())));
    }
    let d = load_data(&a.common)?;
    if !a.common.quiet {
        eprintln!("data: {}; {} threads", d.source, cfg.threads);
    }
    let r = train(&cfg, &d.train, &d.val, d.test.as_ref()).map_err(usage)?;
    print_result(&r);
    if let Some(p) = &a.json {
        write_json(p, &result_json(&r))?;
    }
    if r.diverged {
        return Err(CliError::Failed(format!("training diverged with init {}", r.init)));
    }
    if let Some(p) = &a.save {
        save_model(p, &r)?;
    }
    Ok(())
}

fn run_compare(a: CompareArgs) -> Result<(), CliError> {
    let act = activation(&a.common)?;
    let names: Vec<&str> = a.schemes.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if names.is_empty() {
        return Err(usage("invalid --schemes '': expected a comma-separated list such as he-normal,xavier-normal"));
    }
    let cfgs = names.iter().map(|n| config(&a.common, n, act)).collect::<Result<Vec<_>, _>>()?;
    let d = load_data(&a.common)?;
    if !a.common.quiet {
        eprintln!("data: {}; {} threads; {} epochs per scheme", d.source, cfgs[0].threads, a.common.epochs);
    }
    let mut results = Vec::new();
    for cfg in &cfgs {
        results.push(train(cfg, &d.train, &d.val, d.test.as_ref()).map_err(usage)?);
    }
    print!("{}", report::table(&results));
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::Failed(format!("{}: {e}", a.out.display())))?;
    for (name, svg) in
        [("loss.svg", report::loss_svg(&results)), ("activation-std.svg", report::activation_svg(&results))]
    {
        let p = a.out.join(name);
        write_atomic(&p, svg.as_bytes()).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?;
    }
    println!("plots: {} and {}", a.out.join("loss.svg").display(), a.out.join("activation-std.svg").display());
    if let Some(p) = &a.json {
        let v = serde_json::json!({
            "data": d.source,
            "layers": cfgs[0].layers,
            "epochs": a.common.epochs,
            "batch": a.common.batch,
            "lr": a.common.lr,
            "seed": a.common.seed,
            "schemes": results.iter().map(result_json).collect::<Vec<_>>(),
        });
        write_json(p, &v)?;
    }
    Ok(())
}

/// Parses `args` (including the program name) and runs the command.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<(), CliError> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return Ok(());
            }
            // One line: clap's message without its usage and hint lines.
            let text = e.to_string();
            let line: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .collect();
            return Err(usage(line.join(" ").trim_start_matches("error: ").to_string()));
        }
    };
    match cli.cmd {
        Cmd::Train(a) => run_train(a),
        Cmd::Compare(a) => run_compare(a),
        Cmd::Init(a) => run_init(a),
        Cmd::Explain(a) => run_explain(a),
    }
}
