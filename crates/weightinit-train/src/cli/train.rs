//! `weightinit train`: one MLP, its per-epoch results, and optionally its weights and a JSON report.

use std::path::{Path, PathBuf};

use clap::Args;

use super::args::{CommonTrain, activation, check_input_width, config, load_data};
use super::json::write_json;
use super::{CliError, check_writable, note, say, usage};
use crate::io::{npz_bytes, safetensors_bytes, write_atomic};
use crate::report::json::result_json;
use crate::train::{TrainConfig, TrainResult, train};

#[derive(Args, Debug)]
pub(super) struct TrainArgs {
    #[command(flatten)]
    pub(super) common: CommonTrain,
    /// Weight initializer: NAME[:VALUE] (from the core's scheme table).
    #[arg(long, default_value = "he-normal", value_name = "SCHEME", help = format!("Weight initializer: {}", super::args::train_scheme_names()))]
    pub(super) init: String,
    /// Write trained weights: .safetensors or .npz (atomically).
    #[arg(long, value_name = "FILE")]
    pub(super) save: Option<PathBuf>,
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

fn save_model(path: &Path, format: SaveFormat, r: &TrainResult) -> Result<(), CliError> {
    let model = r.model.as_ref().expect("trained model");
    let tensors: Vec<(String, Vec<usize>, &[f32])> =
        model.tensors().into_iter().map(|(n, s, range)| (n, s, &model.params[range])).collect();
    let bytes = match format {
        SaveFormat::Safetensors => safetensors_bytes(&tensors),
        SaveFormat::Npz => npz_bytes(&tensors),
    }
    .map_err(|e| CliError::Failed(format!("--save {}: {e}", path.display())))?;
    write_atomic(path, &bytes).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
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

pub(super) fn run(a: TrainArgs) -> Result<(), CliError> {
    let (cfg, format) = prepare(&a)?;
    let save = a.save.as_deref().zip(format);
    for (path, flag) in [(a.save.as_deref(), "--save"), (a.json.as_deref(), "--json")] {
        if let Some(p) = path {
            check_writable(p, flag)?;
        }
    }
    let d = load_data(&a.common)?;
    check_input_width(&cfg.layers, &d)?;
    if !a.common.quiet {
        note(&format!("data: {}; {} threads", d.source, cfg.threads));
    }
    let r = train(&cfg, &d.train, &d.val, d.test.as_ref()).map_err(usage)?;
    print_result(&r)?;
    if let Some(p) = &a.json {
        write_json(p, &result_json(&r))?;
    }
    if r.diverged {
        return Err(CliError::Failed(format!("training diverged with init {}", r.init)));
    }
    if let Some((p, format)) = save {
        save_model(p, format, &r)?;
    }
    Ok(())
}
