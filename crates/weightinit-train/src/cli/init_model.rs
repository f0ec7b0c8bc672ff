//! `weightinit init-model`: every tensor of a model spec ([`crate::spec`]), this rank's boxes in
//! `DIR/rank-R.safetensors`, and on rank 0 `DIR/index.json`.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, check_writable, note, say, usage};
use crate::spec::{ModelSpec, write_rank};

#[derive(Args, Debug)]
pub(super) struct InitModelArgs {
    /// The model spec (JSON: seed, dtype, tensors with name, shape, scheme, params, layout, shard).
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of ranks the tensors are split across.
    #[arg(long, default_value_t = 1)]
    world: usize,
    /// This process's rank (0-based). Run once per rank, in any order or in parallel.
    #[arg(long, default_value_t = 0)]
    rank: usize,
    /// No summary line on standard error.
    #[arg(long)]
    quiet: bool,
}

/// The spec, read and checked with the ranks (no output written).
pub(super) fn prepare(a: &InitModelArgs) -> Result<ModelSpec, CliError> {
    let text = std::fs::read_to_string(&a.spec).map_err(|e| usage(format!("--spec {}: {e}", a.spec.display())))?;
    let spec = ModelSpec::parse(&text).map_err(|e| usage(format!("--spec {}: {e}", a.spec.display())))?;
    spec.check_ranks(a.world, a.rank).map_err(|e| usage(format!("--spec {}: {e}", a.spec.display())))?;
    Ok(spec)
}

pub(super) fn run(a: InitModelArgs) -> Result<(), CliError> {
    let spec = prepare(&a)?;
    std::fs::create_dir_all(&a.out).map_err(|e| usage(format!("--out {}: {e}", a.out.display())))?;
    check_writable(&a.out.join(format!("rank-{}.safetensors", a.rank)), "--out")?;
    let bytes: u128 =
        spec.tensors.iter().map(|t| t.rank_box(a.world, a.rank).1.iter().product::<usize>() as u128).sum::<u128>()
            * if spec.dtype == crate::spec::Dtype::F32 { 4 } else { 8 };
    super::init::check_free_space(&a.out.join("rank.safetensors"), bytes)?;
    let t0 = std::time::Instant::now();
    let written = write_rank(&spec, &a.out, a.world, a.rank).map_err(CliError::Failed)?;
    let secs = t0.elapsed().as_secs_f64();
    if !a.quiet {
        note(&format!(
            "rank {} of {}: {} tensors, {:.1} MB in {:.2} s ({:.2} GB/s)",
            a.rank,
            a.world,
            spec.tensors.len(),
            written as f64 / 1e6,
            secs,
            written as f64 / secs / 1e9
        ));
    }
    say(&format!("{}\n", a.out.join(format!("rank-{}.safetensors", a.rank)).display()))
}
