//! `weightinit depth`: every (depth, scheme) pair from the same seed and data
//! ([`crate::experiments::depth`]), a table, plots and JSON.

use std::path::PathBuf;

use clap::Args;

use super::args::{
    CommonTrain, Defaults, SaveLayoutArg, activation, check_input_width, config_with, load_data, save_runs,
};
use super::json::write_json;
use super::{CliError, check_writable, note, say, usage};
use crate::io::write_atomic;
use crate::report::depth::{plots, run_json, table};
use crate::train::TrainConfig;

/// `depth`'s defaults: a learning rate at which every scheme that can train does (at `--lr 0.2` even He's
/// 30-layer net stalls), and few epochs, so the default run takes about a minute on 2 cores.
const DEPTH_DEFAULTS: Defaults = Defaults { epochs: 5, lr: 0.01 };

#[derive(Args, Debug)]
pub(super) struct DepthArgs {
    #[command(flatten)]
    pub(super) common: CommonTrain,
    /// Numbers of hidden layers, comma-separated.
    #[arg(long, default_value = "5,10,20,30", value_name = "LIST")]
    pub(super) depths: String,
    /// Width of every hidden layer.
    #[arg(long, default_value_t = 100)]
    pub(super) width: usize,
    /// Comma-separated schemes, each NAME[:VALUE] (or lsuv[:tolerance]).
    #[arg(long, default_value = "normal:0.01,xavier-normal,he-normal,orthogonal,lsuv", value_name = "LIST")]
    pub(super) schemes: String,
    /// Folder for the plots (SVG).
    #[arg(long, default_value = "weightinit-depth", value_name = "DIR")]
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

/// One configuration per (depth, scheme), every argument checked (no I/O).
pub(super) fn prepare(a: &DepthArgs) -> Result<Vec<(usize, TrainConfig)>, CliError> {
    if a.common.layers.is_some() {
        return Err(usage("depth builds its layers from --depths and --width: --layers does not apply"));
    }
    let act = activation(&a.common)?;
    let depths = super::parse_dims(&a.depths, "--depths").map_err(usage)?;
    if a.width == 0 {
        return Err(usage("invalid --width 0: expected a positive integer"));
    }
    let names: Vec<&str> = a.schemes.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if names.is_empty() {
        return Err(usage("invalid --schemes '': expected a comma-separated list such as he-normal,xavier-normal"));
    }
    let mut runs = Vec::new();
    for &d in &depths {
        let layers = format!("784,{}x{d},10", a.width);
        for n in &names {
            runs.push((d, config_with(&a.common, DEPTH_DEFAULTS, &layers, n, act)?));
        }
    }
    Ok(runs)
}

pub(super) fn run(a: DepthArgs) -> Result<(), CliError> {
    let runs = prepare(&a)?;
    if let Some(p) = &a.json {
        check_writable(p, "--json")?;
    }
    if let Some(d) = &a.save_dir {
        std::fs::create_dir_all(d).map_err(|e| CliError::Failed(format!("--save-dir {}: {e}", d.display())))?;
        check_writable(&d.join("model.safetensors"), "--save-dir")?;
    }
    std::fs::create_dir_all(&a.out).map_err(|e| CliError::Failed(format!("--out {}: {e}", a.out.display())))?;
    check_writable(&a.out.join("activation-std.svg"), "--out")?;
    let d = load_data(&a.common)?;
    check_input_width(&runs[0].1.layers, &d)?;
    let c0 = &runs[0].1;
    if !a.common.quiet {
        note(&format!(
            "data: {}; {} threads; {} runs of {} epochs (lr {}, norm {}, activation {})",
            d.source,
            c0.threads,
            runs.len(),
            c0.epochs,
            c0.lr,
            c0.norm.name(),
            c0.act.name()
        ));
    }
    let results = crate::experiments::depth(&runs, &d.train, &d.val, d.test.as_ref()).map_err(usage)?;
    say(&table(&results))?;
    let mut written = Vec::new();
    for (name, svg) in plots(&results) {
        let p = a.out.join(name);
        write_atomic(&p, svg.as_bytes()).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?;
        written.push(p.display().to_string());
    }
    say(&format!("plots: {}\n", written.join(", ")))?;
    if let Some(dir) = &a.save_dir {
        let runs: Vec<_> = results
            .iter()
            .zip(&runs)
            .map(|(r, (d, c))| (format!("depth-{d}-{}", r.result.init), &r.result, c.seed))
            .collect();
        let files = save_runs(dir, a.save_layout, &runs)?;
        say(&format!("models: {} files in {}\n", files.len(), dir.display()))?;
    }
    if let Some(p) = &a.json {
        let v = serde_json::json!({
            "data": d.source,
            "width": a.width,
            "epochs": c0.epochs,
            "batch": c0.batch,
            "lr": c0.lr,
            "seed": c0.seed,
            "runs": results.iter().map(|r| run_json(r, c0.norm, c0.act)).collect::<Vec<_>>(),
        });
        write_json(p, &v)?;
    }
    Ok(())
}
