//! `weightinit init`: one initialized tensor as a NumPy `.npy` file.

use std::path::PathBuf;

use clap::Args;
use weightinit_core::Stream;
use weightinit_core::init::{Init, Layout, check_fits, numel};

use super::args::{DtypeArg, SchemeArgs};
use super::{CliError, check_memory, check_writable, core_err};
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
    /// Output .npy file (written atomically).
    #[arg(long, value_name = "FILE.npy")]
    pub(super) out: PathBuf,
}

/// The tensor to write, every argument checked (no I/O): shape, scheme, layout and its element count.
struct Plan {
    shape: Vec<usize>,
    init: Init,
    layout: Layout,
    n: usize,
}

/// Checks the arguments, that the values fit the element type, and that the tensor and its workspace fit
/// the memory available.
fn prepare(a: &InitArgs) -> Result<Plan, CliError> {
    let shape = a.scheme.shape()?;
    let init = a.scheme.init()?;
    let layout = a.scheme.layout();
    let e = init.explain(&shape, layout).map_err(core_err)?;
    let elem = match a.dtype {
        DtypeArg::F32 => check_fits::<f32>(&e).map(|()| 4u128),
        DtypeArg::F64 => check_fits::<f64>(&e).map(|()| 8u128),
    }
    .map_err(core_err)?;
    let n = numel(&shape).map_err(core_err)?;
    let ws = init.workspace_len(&shape).map_err(core_err)?;
    check_memory(n as u128 * elem + ws as u128 * 8, "the tensor and its workspace")?;
    Ok(Plan { shape, init, layout, n })
}

/// [`prepare`], then, for at most [`super::CHECK_MAX_VALUES`] values, the `.npy` bytes `run` would write.
pub(super) fn check(a: &InitArgs) -> Result<Option<Vec<u8>>, CliError> {
    let Plan { shape, init, layout, n } = prepare(a)?;
    if n > super::CHECK_MAX_VALUES {
        return Ok(None);
    }
    let stream = Stream::new(a.seed, a.key);
    Ok(Some(match a.dtype {
        DtypeArg::F32 => {
            let (v, _) = init.fill_vec::<f32>(&stream, &shape, layout).map_err(core_err)?;
            npy_bytes(TensorData::F32(&v), &shape)
        }
        DtypeArg::F64 => {
            let (v, _) = init.fill_vec::<f64>(&stream, &shape, layout).map_err(core_err)?;
            npy_bytes(TensorData::F64(&v), &shape)
        }
    }))
}

pub(super) fn run(a: InitArgs) -> Result<(), CliError> {
    let Plan { shape, init, layout, .. } = prepare(&a)?;
    check_writable(&a.out, "--out")?;
    let stream = Stream::new(a.seed, a.key);
    let written = match a.dtype {
        DtypeArg::F32 => {
            let (v, _) = init.fill_vec::<f32>(&stream, &shape, layout).map_err(core_err)?;
            write_npy(&a.out, TensorData::F32(&v), &shape)
        }
        DtypeArg::F64 => {
            let (v, _) = init.fill_vec::<f64>(&stream, &shape, layout).map_err(core_err)?;
            write_npy(&a.out, TensorData::F64(&v), &shape)
        }
    };
    written.map_err(|e| CliError::Failed(format!("--out {}: {e}", a.out.display())))
}
