//! `weightinit eval`: a saved model (ours, of either layout, or a PyTorch `nn.Sequential` state_dict) on a
//! test set: loss and accuracy.

use std::path::PathBuf;

use clap::Args;

use super::json::write_json;
use super::{CliError, check_writable, say, usage};
use crate::data;
use crate::model::saved::{self, Fallback};
use crate::model::{Activation, parse_layers};

#[derive(Args, Debug)]
pub(super) struct EvalArgs {
    /// The model: .safetensors or .npz (with FILE.npz.json) written by `--save`, or a PyTorch nn.Sequential
    /// state_dict (then give --layers and --activation).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Folder with the test set (t10k-images-idx3-ubyte[.gz] and labels, or test-*).
    #[arg(long, value_name = "DIR")]
    test_data: PathBuf,
    /// Layer widths of a model without weightinit metadata.
    #[arg(long, value_name = "W0,W1,...")]
    layers: Option<String>,
    /// Hidden activation of a model without weightinit metadata.
    #[arg(long, default_value = "relu", value_name = "ACT")]
    activation: String,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

/// The arguments checked (no I/O).
pub(super) fn prepare(a: &EvalArgs) -> Result<Fallback, CliError> {
    let act = Activation::parse(&a.activation).ok_or_else(|| {
        usage(format!(
            "invalid --activation '{}': accepted relu, leaky-relu[:slope], tanh, sigmoid, linear",
            a.activation
        ))
    })?;
    let widths = a.layers.as_deref().map(parse_layers).transpose().map_err(usage)?;
    if let Some(t) = a.threads
        && !(1..=super::max_threads()).contains(&t)
    {
        return Err(usage(format!("invalid --threads {t}: expected 1 to {}", super::max_threads())));
    }
    Ok(Fallback { widths, act })
}

pub(super) fn run(a: EvalArgs) -> Result<(), CliError> {
    let fallback = prepare(&a)?;
    if let Some(p) = &a.json {
        check_writable(p, "--json")?;
    }
    let loaded = saved::load(&a.model, &fallback).map_err(usage)?;
    let test = data::load_dir(&a.test_data, &["t10k", "test"]).map_err(CliError::Failed)?;
    let m = &loaded.mlp;
    if test.features != m.widths[0] {
        return Err(usage(format!(
            "{}: the model takes {} inputs but the test set has {} features per example",
            a.model.display(),
            m.widths[0],
            test.features
        )));
    }
    if let Some(&l) = test.labels.iter().find(|&&l| l as usize >= m.widths[m.widths.len() - 1]) {
        return Err(usage(format!(
            "{}: label {l} is past the model's {} classes",
            a.test_data.display(),
            m.widths[m.widths.len() - 1]
        )));
    }
    let threads = a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (loss, accuracy) = crate::train::evaluate(m, &test, threads).map_err(CliError::Failed)?;
    say(&format!(
        "{}\ntest loss {loss:.4}  test accuracy {:.2}% ({} examples)\n",
        m.architecture(),
        100.0 * accuracy,
        test.len()
    ))?;
    if let Some(p) = &a.json {
        let v = serde_json::json!({
            "model": a.model.display().to_string(),
            "test_data": a.test_data.display().to_string(),
            "examples": test.len(),
            "loss": loss,
            "accuracy": accuracy,
            "layers": m.widths,
            "activation": m.act.name(),
            "norm": m.norm.name(),
            "layout": loaded.layout.name(),
            "architecture": m.architecture(),
            "metadata": loaded.metadata,
        });
        write_json(p, &v)?;
    }
    Ok(())
}
