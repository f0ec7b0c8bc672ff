//! `weightinit train`: one MLP, its per-epoch results, and optionally its weights and a JSON report.

use std::path::{Path, PathBuf};

use clap::Args;

use super::args::{CommonTrain, SaveLayoutArg, activation, check_input_width, config, load_data};
use super::json::write_json;
use super::{CliError, check_writable, note, say, usage};
use crate::model::ranks::{Collective, SingleProcess};
use crate::model::saved::{self, Fallback, Provenance};
use crate::report::json::result_json;
use crate::train::{TrainConfig, TrainResult, train_ranks};

#[derive(Args, Debug)]
pub(super) struct TrainArgs {
    #[command(flatten)]
    pub(super) common: CommonTrain,
    /// Weight initializer: NAME[:VALUE] (from the core's scheme table).
    #[arg(long, default_value = "he-normal", value_name = "SCHEME", help = format!("Weight initializer: {}", super::args::train_scheme_names()))]
    pub(super) init: String,
    /// Write the trained model: .safetensors or .npz (+ FILE.npz.json metadata), atomically; by default
    /// PyTorch's nn.Sequential state_dict.
    #[arg(long, value_name = "FILE")]
    pub(super) save: Option<PathBuf>,
    /// The saved tensors' layout: torch (state_dict, Linear weights [out, in]) or in-out (Keras names,
    /// kernels [in, out]).
    #[arg(long, value_enum, default_value_t = SaveLayoutArg::Torch)]
    pub(super) save_layout: SaveLayoutArg,
    /// Start from saved weights (a weightinit model or a PyTorch nn.Sequential state_dict) instead of --init.
    #[arg(long, value_name = "FILE")]
    pub(super) init_from: Option<PathBuf>,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    pub(super) json: Option<PathBuf>,
}

/// The file formats `--save` writes, chosen by the file's extension.
#[derive(Debug, Clone, Copy)]
pub(super) enum SaveFormat {
    Safetensors,
    Npz,
}

impl SaveFormat {
    /// The format of `path`, checked before any work starts.
    fn of(path: &Path) -> Result<SaveFormat, CliError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("safetensors") => Ok(SaveFormat::Safetensors),
            Some("npz") => Ok(SaveFormat::Npz),
            _ => Err(usage(format!("invalid --save '{}': the file must end in .safetensors or .npz", path.display()))),
        }
    }
}

pub(super) fn print_result(r: &TrainResult) -> Result<(), CliError> {
    use std::fmt::Write as _;
    let mut s = String::new();
    if let Some(layers) = &r.lsuv {
        let each: Vec<String> =
            layers.iter().map(|l| format!("L{} x{:.3} ({} it)", l.layer, l.scale, l.iterations)).collect();
        let _ = writeln!(s, "lsuv: {}", each.join(", "));
    }
    for e in &r.epochs {
        let _ = writeln!(
            s,
            "epoch {:>3}  train loss {:.4}  val accuracy {:.2}%",
            e.epoch,
            e.train_loss,
            100.0 * e.val_accuracy
        );
    }
    if let Some(d) = &r.divergence {
        let _ = writeln!(s, "DIVERGED at epoch {} step {} (loss {})", d.epoch, d.step, d.loss);
    }
    if let Some(t) = r.test_accuracy {
        let _ = writeln!(s, "test accuracy {:.2}%", 100.0 * t);
    }
    let _ = writeln!(s, "{:.0} samples/s", r.samples_per_second);
    say(&s)
}

/// The run's configuration and save format, every argument checked (no I/O).
pub(super) fn prepare(a: &TrainArgs) -> Result<(TrainConfig, Option<SaveFormat>), CliError> {
    let act = activation(&a.common)?;
    let cfg = config(&a.common, &a.init, act)?;
    let save = a.save.as_deref().map(SaveFormat::of).transpose()?;
    Ok((cfg, save))
}

/// `--init-from`: the saved model, checked against the configuration's layers, normalization and
/// activation.
fn init_from(path: &Path, cfg: &TrainConfig) -> Result<crate::model::Mlp, CliError> {
    let fallback = Fallback { widths: Some(cfg.layers.clone()), act: cfg.act };
    let m = saved::load(path, &fallback).map_err(usage)?.mlp;
    let at = |what: String| usage(format!("--init-from {}: {what}", path.display()));
    if m.widths != cfg.layers {
        let w = |v: &[usize]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",");
        return Err(at(format!("the saved network has layers {} but --layers is {}", w(&m.widths), w(&cfg.layers))));
    }
    if m.norm != cfg.norm {
        return Err(at(format!("the saved network has --norm {} but this run {}", m.norm.name(), cfg.norm.name())));
    }
    if m.act != cfg.act {
        return Err(at(format!("the saved network has --activation {} but this run {}", m.act.name(), cfg.act.name())));
    }
    Ok(m)
}

pub(super) fn run(a: TrainArgs) -> Result<(), CliError> {
    run_ranks(a, &SingleProcess)
}

/// `train` as one rank of a data-parallel job ([`train_ranks`]): every rank reads the data and trains;
/// rank 0 alone prints, writes `--json` (with `ranks` and `bytes_communicated_per_step`) and `--save`.
pub(super) fn run_ranks(a: TrainArgs, comm: &dyn Collective) -> Result<(), CliError> {
    let lead = comm.rank() == 0;
    let (mut cfg, format) = prepare(&a)?;
    let save = a.save.as_deref().zip(format);
    if let Some(p) = &a.init_from {
        cfg.init_from = Some(Box::new(init_from(p, &cfg)?));
        cfg.init_name = format!("from {}", p.display());
    }
    for (path, flag) in [(a.save.as_deref(), "--save"), (a.json.as_deref(), "--json")] {
        if let Some(p) = path {
            check_writable(p, flag)?;
        }
    }
    let d = load_data(&a.common)?;
    check_input_width(&cfg.layers, &d)?;
    if !a.common.quiet && lead {
        let ranks = if comm.size() > 1 { format!("{} ranks x ", comm.size()) } else { String::new() };
        note(&format!("data: {}; {ranks}{} threads", d.source, cfg.threads));
    }
    cfg.progress &= lead;
    let r = train_ranks(&cfg, &d.train, &d.val, d.test.as_ref(), comm).map_err(usage)?;
    if !lead {
        return if r.diverged {
            Err(CliError::Failed(format!("training diverged with init {}", r.init)))
        } else {
            Ok(())
        };
    }
    print_result(&r)?;
    if let Some(p) = &a.json {
        write_json(p, &result_json(&r))?;
    }
    if r.diverged {
        return Err(CliError::Failed(format!("training diverged with init {}", r.init)));
    }
    if let Some((p, _)) = save {
        let model = r.model.as_ref().expect("a run that did not diverge has its model");
        let prov = Provenance { init: r.init.clone(), seed: cfg.seed };
        saved::save(p, model, a.save_layout.layout(), &prov).map_err(CliError::Failed)?;
    }
    Ok(())
}
