//! `weightinit init`: one initialized tensor, or a shard (a box) of it, as a NumPy `.npy` file.

use std::path::PathBuf;

use clap::Args;
use weightinit_core::Stream;
use weightinit_core::init::{Init, Layout, check_fits, shard_len};

use super::args::{DtypeArg, SchemeArgs};
use super::{CliError, check_memory, check_writable, core_err, usage};
use crate::io::{TensorData, npy_bytes, write_npy};

#[derive(Args, Debug)]
pub(super) struct InitArgs {
    #[command(flatten)]
    pub(super) scheme: SchemeArgs,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub(super) seed: u64,
    /// Tensor key (one per tensor).
    #[arg(long, default_value_t = 0)]
    pub(super) key: u64,
    /// Element type.
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub(super) dtype: DtypeArg,
    /// Write only this box of the tensor: a half-open range START:END per dimension (`:` for a whole
    /// dimension, `S:` or `:E` for an open end), comma-separated. The file holds the box, of the box's
    /// shape, with the same values as the same box of the whole tensor.
    #[arg(long, value_name = "S0:E0,S1:E1,...")]
    pub(super) shard: Option<String>,
    /// Output .npy file (written atomically).
    #[arg(long, value_name = "FILE.npy")]
    pub(super) out: PathBuf,
}

/// The tensor (or box) to write, every argument checked (no I/O).
struct Plan {
    shape: Vec<usize>,
    init: Init,
    layout: Layout,
    start: Vec<usize>,
    len: Vec<usize>,
    /// Elements of the box (the whole tensor without `--shard`).
    n: usize,
    /// `f64` workspace elements.
    ws: usize,
}

/// Parses `--shard` for `shape` into `(start, len)`; the box itself is checked by the core.
fn parse_shard(spec: &str, shape: &[usize]) -> Result<(Vec<usize>, Vec<usize>), CliError> {
    let bad = |why: &str| usage(format!("invalid --shard '{spec}': {why}"));
    let ranges: Vec<&str> = spec.split(',').map(str::trim).collect();
    if ranges.len() != shape.len() {
        return Err(bad(&format!("{} ranges for a shape of {} dimensions", ranges.len(), shape.len())));
    }
    let (mut start, mut len) = (Vec::new(), Vec::new());
    for (r, &d) in ranges.iter().zip(shape) {
        let (s, e) = r.split_once(':').ok_or_else(|| bad("each range is START:END (half-open) or ':'"))?;
        let num = |x: &str, default: usize| -> Result<usize, CliError> {
            if x.trim().is_empty() {
                Ok(default)
            } else {
                x.trim().parse().map_err(|_| bad(&format!("'{x}' is not an index")))
            }
        };
        let (s, e) = (num(s, 0)?, num(e, d)?);
        if e < s {
            return Err(bad(&format!("range {s}:{e} ends before it starts")));
        }
        start.push(s);
        len.push(e - s);
    }
    Ok((start, len))
}

/// Checks the arguments, the box, that the values fit the element type, and that the box and its workspace
/// fit the memory available.
fn prepare(a: &InitArgs) -> Result<Plan, CliError> {
    let shape = a.scheme.shape()?;
    let (init, layout) = a.scheme.resolve()?;
    let e = init.explain(&shape, layout).map_err(core_err)?;
    let elem = match a.dtype {
        DtypeArg::F32 => check_fits::<f32>(&e).map(|()| 4u128),
        DtypeArg::F64 => check_fits::<f64>(&e).map(|()| 8u128),
    }
    .map_err(core_err)?;
    let (start, len) = match &a.shard {
        Some(spec) => parse_shard(spec, &shape)?,
        None => (vec![0; shape.len()], shape.clone()),
    };
    let n = shard_len(&shape, &start, &len).map_err(core_err)?;
    let ws = init.shard_workspace_len(&shape, &start, &len).map_err(core_err)?;
    check_memory(n as u128 * elem + ws as u128 * 8, "the tensor and its workspace")?;
    Ok(Plan { shape, init, layout, start, len, n, ws })
}

/// Fills the plan's box in `T`.
fn fill<T: weightinit_core::Float>(p: &Plan, stream: &Stream) -> Result<Vec<T>, CliError> {
    let mut out = vec![T::ZERO; p.n];
    let mut ws = vec![0.0f64; p.ws];
    p.init.fill_shard(stream, &p.shape, p.layout, &p.start, &p.len, &mut out, &mut ws).map_err(core_err)?;
    Ok(out)
}

/// [`prepare`], then, for at most [`super::CHECK_MAX_VALUES`] values, the `.npy` bytes `run` would write.
pub(super) fn check(a: &InitArgs) -> Result<Option<Vec<u8>>, CliError> {
    let p = prepare(a)?;
    if p.n > super::CHECK_MAX_VALUES {
        return Ok(None);
    }
    let stream = Stream::new(a.seed, a.key);
    Ok(Some(match a.dtype {
        DtypeArg::F32 => npy_bytes(TensorData::F32(&fill::<f32>(&p, &stream)?), &p.len),
        DtypeArg::F64 => npy_bytes(TensorData::F64(&fill::<f64>(&p, &stream)?), &p.len),
    }))
}

pub(super) fn run(a: InitArgs) -> Result<(), CliError> {
    let p = prepare(&a)?;
    check_writable(&a.out, "--out")?;
    let stream = Stream::new(a.seed, a.key);
    let written = match a.dtype {
        DtypeArg::F32 => write_npy(&a.out, TensorData::F32(&fill::<f32>(&p, &stream)?), &p.len),
        DtypeArg::F64 => write_npy(&a.out, TensorData::F64(&fill::<f64>(&p, &stream)?), &p.len),
    };
    written.map_err(|e| CliError::Failed(format!("--out {}: {e}", a.out.display())))
}
