//! Tensor files: `.npy` ([`npy`]), `.npz` ([`npz`]) and safetensors ([`safetensors`]), written always
//! atomically (temporary file in the same directory, fsync, rename), so a killed process leaves the old
//! file or none, never a partial one; the temporary file of a killed writer is removed by the next write to
//! the same path. The readers check every length and offset against the bytes present before using it.

pub mod npy;
pub mod npz;
pub mod safetensors;

pub use npy::{TensorData, npy_bytes, npy_header, parse_npy, write_npy};
pub use npz::{npz_bytes, read_npz};
pub use safetensors::{SAFETENSORS_MAX_HEADER, read_safetensors, safetensors_bytes, safetensors_header};

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file next to it, flushed and synced, then renamed over
/// `path` (and the directory synced).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] with the contents written by `write` (buffered); a failure anywhere (a full disk)
/// removes the temporary file and leaves `path` as it was.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| std::io::Error::other("output path has no file name"))?;
    remove_stale_temporaries(dir, &name.to_string_lossy());
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes `.<name>.<pid>.tmp` files in `dir` left by writers of the same file that were killed mid-write
/// (their process is gone: no `/proc/<pid>`). Where `/proc` is absent nothing is removed.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.");
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(pid) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        if pid.parse::<u32>().is_ok_and(|p| p != std::process::id() && !Path::new(&format!("/proc/{p}")).exists()) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Values of a named tensor, as written and read: f32 (weights) or i64 (PyTorch's `num_batches_tracked`).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit integers.
    I64(Vec<i64>),
}

impl Values {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The type's name in safetensors (`F32`, `I64`).
    pub fn dtype(&self) -> &'static str {
        match self {
            Values::F32(_) => "F32",
            Values::I64(_) => "I64",
        }
    }

    /// Little-endian bytes.
    pub fn le_bytes(&self) -> Vec<u8> {
        match self {
            Values::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Values::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// A named tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Name (`0.weight`, `dense/kernel`).
    pub name: String,
    /// Shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Values,
}

/// The product of `shape` (1 for a scalar), or None if it overflows.
pub(crate) fn numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

/// Values from little-endian bytes of type `dtype` (`F32` or `I64`); other types are refused by name.
pub(crate) fn values_from(dtype: &str, bytes: &[u8]) -> Result<Values, String> {
    match dtype {
        "F32" => Ok(Values::F32(bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4"))).collect())),
        "I64" => Ok(Values::I64(bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8"))).collect())),
        other => Err(format!("dtype {other} is not supported (weights must be f32)")),
    }
}
