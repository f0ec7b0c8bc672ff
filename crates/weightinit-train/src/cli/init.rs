//! `weightinit init`: one initialized tensor as a NumPy `.npy` file.

use std::path::PathBuf;

use clap::Args;
use weightinit_core::Stream;

use super::args::{DtypeArg, SchemeArgs};
use super::{CliError, core_err};
use crate::io::{TensorData, npy_bytes, write_atomic};

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

pub(super) fn run(a: InitArgs) -> Result<(), CliError> {
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
