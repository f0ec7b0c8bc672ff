//! `weightinit compare`: one MLP per scheme from the same seed and data ([`crate::experiments::compare`]),
//! a table, plots and JSON.

use std::path::PathBuf;

use clap::Args;

use super::args::{CommonTrain, SaveLayoutArg, activation, check_input_width, config, load_data, save_runs};
use super::json::write_json;
use super::{CliError, check_writable, note, say, usage};
use crate::io::write_atomic;
use crate::report::json::result_json;
use crate::train::TrainConfig;
use crate::{experiments, report};

#[derive(Args, Debug)]
pub(super) struct CompareArgs {
    #[command(flatten)]
    pub(super) common: CommonTrain,
    /// Comma-separated schemes, each NAME[:VALUE].
    #[arg(long, default_value = "zeros,normal:0.01,normal:1.0,xavier-normal,he-normal", value_name = "LIST")]
    pub(super) schemes: String,
    /// Folder for the plots (SVG).
    #[arg(long, default_value = "weightinit-compare", value_name = "DIR")]
    pub(super) out: PathBuf,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    pub(super) json: Option<PathBuf>,
    /// Write each trained model (runs that did not diverge) to DIR/<run>.safetensors.
    #[arg(long, value_name = "DIR")]
    pub(super) save_dir: Option<PathBuf>,
    /// The saved tensors' layout (see `train --save-layout`).
    #[arg(long, value_enum, default_value_t = SaveLayoutArg::Torch)]
    pub(super) save_layout: SaveLayoutArg,
}

/// One configuration per scheme, every argument checked (no I/O).
pub(super) fn prepare(a: &CompareArgs) -> Result<Vec<TrainConfig>, CliError> {
    let act = activation(&a.common)?;
    let names: Vec<&str> = a.schemes.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if names.is_empty() {
        return Err(usage("invalid --schemes '': expected a comma-separated list such as he-normal,xavier-normal"));
    }
    names.iter().map(|n| config(&a.common, n, act)).collect()
}

pub(super) fn run(a: CompareArgs) -> Result<(), CliError> {
    let cfgs = prepare(&a)?;
    // Destinations first: a folder or file that cannot be written is an error before any training.
    if let Some(p) = &a.json {
        check_writable(p, "--json")?;
    }
    if let Some(d) = &a.save_dir {
        std::fs::create_dir_all(d).map_err(|e| CliError::Failed(format!("--save-dir {}: {e}", d.display())))?;
        check_writable(&d.join("model.safetensors"), "--save-dir")?;
    }
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::Failed(format!("--out {}: {e}", a.out.display())))?;
    check_writable(&a.out.join("loss.svg"), "--out")?;
    let d = load_data(&a.common)?;
    check_input_width(&cfgs[0].layers, &d)?;
    if !a.common.quiet {
        note(&format!("data: {}; {} threads; {} epochs per scheme", d.source, cfgs[0].threads, cfgs[0].epochs));
    }
    let results = experiments::compare(&cfgs, &d.train, &d.val, d.test.as_ref()).map_err(usage)?;
    say(&report::table(&results))?;
    for (name, svg) in
        [("loss.svg", report::loss_svg(&results)), ("activation-std.svg", report::activation_svg(&results))]
    {
        let p = a.out.join(name);
        write_atomic(&p, svg.as_bytes()).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?;
    }
    say(&format!("plots: {} and {}\n", a.out.join("loss.svg").display(), a.out.join("activation-std.svg").display()))?;
    if let Some(dir) = &a.save_dir {
        let runs: Vec<_> = results.iter().zip(&cfgs).map(|(r, c)| (r.init.clone(), r, c.seed)).collect();
        let files = save_runs(dir, a.save_layout, &runs)?;
        say(&format!("models: {} files in {}\n", files.len(), dir.display()))?;
    }
    if let Some(p) = &a.json {
        let v = serde_json::json!({
            "data": d.source,
            "layers": cfgs[0].layers,
            "epochs": cfgs[0].epochs,
            "batch": a.common.batch,
            "lr": cfgs[0].lr,
            "seed": a.common.seed,
            "schemes": results.iter().map(result_json).collect::<Vec<_>>(),
        });
        write_json(p, &v)?;
    }
    Ok(())
}
