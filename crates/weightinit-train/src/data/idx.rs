//! The IDX format of MNIST / Fashion-MNIST (raw or gzip): a big-endian header (magic `0x0000_08TT_DD`, with
//! type `TT = 0x08` for u8 and `DD` the number of dimensions), the dimensions as u32, then the data.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why an IDX file was rejected. Every variant names the file.
#[derive(Debug)]
pub enum IdxError {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// The file is malformed; `problem` says how.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            IdxError::Invalid { path, problem } => write!(f, "{}: {problem}", path.display()),
        }
    }
}

impl std::error::Error for IdxError {}

/// A parsed IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Largest decompressed size accepted (4 GiB): a guard against gzip bombs.
const MAX_BYTES: u64 = 1 << 32;

fn invalid(path: &Path, problem: impl Into<String>) -> IdxError {
    IdxError::Invalid { path: path.to_path_buf(), problem: problem.into() }
}

/// Parses an IDX file's bytes (gzip detected by its magic `1f 8b`). `path` is only used in errors.
/// Expects `ndim` dimensions of u8. Never allocates more than the input actually provides (the header's
/// claimed size is checked against the data, not trusted).
pub fn parse(bytes: &[u8], path: &Path, ndim: usize) -> Result<IdxArray, IdxError> {
    if bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
        let mut dec = flate2::read::GzDecoder::new(bytes);
        let mut head = [0u8; 4];
        read_exact(&mut dec, &mut head, path, "the gzip stream ends inside the header")?;
        let (kind, nd) = check_magic(&head, path, ndim)?;
        let _ = kind;
        let mut dims_raw = vec![0u8; 4 * nd];
        read_exact(&mut dec, &mut dims_raw, path, "the gzip stream ends inside the dimensions")?;
        let dims = parse_dims(&dims_raw);
        let want = data_len(&dims, path)?;
        // Read at most `want + 1` bytes: growth follows the data actually present, not the header's claim.
        let mut data = Vec::new();
        dec.by_ref()
            .take(want + 1)
            .read_to_end(&mut data)
            .map_err(|e| invalid(path, format!("corrupt gzip data: {e}")))?;
        check_len(data.len() as u64, want, path)?;
        Ok(IdxArray { dims, data })
    } else {
        if bytes.len() < 4 {
            return Err(invalid(path, format!("truncated: {} bytes, the header alone needs 4", bytes.len())));
        }
        let (_, nd) = check_magic(&bytes[..4], path, ndim)?;
        let header = 4 + 4 * nd;
        if bytes.len() < header {
            return Err(invalid(path, format!("truncated: {} bytes, the header needs {header}", bytes.len())));
        }
        let dims = parse_dims(&bytes[4..header]);
        let want = data_len(&dims, path)?;
        check_len((bytes.len() - header) as u64, want, path)?;
        Ok(IdxArray { dims, data: bytes[header..].to_vec() })
    }
}

/// Reads and parses an IDX file.
pub fn read(path: &Path, ndim: usize) -> Result<IdxArray, IdxError> {
    let bytes = std::fs::read(path).map_err(|error| IdxError::Io { path: path.to_path_buf(), error })?;
    parse(&bytes, path, ndim)
}

fn read_exact(r: &mut impl Read, buf: &mut [u8], path: &Path, what: &str) -> Result<(), IdxError> {
    r.read_exact(buf).map_err(|e| invalid(path, format!("{what} ({e})")))
}

fn check_magic(head: &[u8], path: &Path, ndim: usize) -> Result<(u8, usize), IdxError> {
    if head[0] != 0 || head[1] != 0 {
        return Err(invalid(
            path,
            format!("bad magic {:02x}{:02x}{:02x}{:02x}: not an IDX file", head[0], head[1], head[2], head[3]),
        ));
    }
    if head[2] != 0x08 {
        return Err(invalid(path, format!("data type 0x{:02x} is not unsigned bytes (0x08)", head[2])));
    }
    let nd = head[3] as usize;
    if nd != ndim {
        return Err(invalid(path, format!("{nd} dimensions, expected {ndim}")));
    }
    Ok((head[2], nd))
}

fn parse_dims(raw: &[u8]) -> Vec<usize> {
    raw.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize).collect()
}

fn data_len(dims: &[usize], path: &Path) -> Result<u64, IdxError> {
    let mut n: u64 = 1;
    for &d in dims {
        n = n.checked_mul(d as u64).filter(|&n| n <= MAX_BYTES).ok_or_else(|| {
            invalid(path, format!("header claims dimensions {dims:?}, over the {MAX_BYTES}-byte limit"))
        })?;
    }
    Ok(n)
}

fn check_len(have: u64, want: u64, path: &Path) -> Result<(), IdxError> {
    if have < want {
        return Err(invalid(path, format!("truncated data: the header claims {want} bytes, the file holds {have}")));
    }
    if have > want {
        return Err(invalid(
            path,
            format!("{} bytes of trailing data after the {want} the header claims", have - want),
        ));
    }
    Ok(())
}
