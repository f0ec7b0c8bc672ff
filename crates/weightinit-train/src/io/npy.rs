//! `.npy` files: the header (format 1.0, or 2.0 for a header over 64 KiB), writing and parsing.

use std::io::Write;
use std::path::Path;

use super::write_atomic_with;

/// A tensor to write: little-endian f32 or f64 values with a shape.
#[derive(Debug, Clone, Copy)]
pub enum TensorData<'a> {
    /// f32 values.
    F32(&'a [f32]),
    /// f64 values.
    F64(&'a [f64]),
}

impl TensorData<'_> {
    fn le_bytes(&self) -> Vec<u8> {
        match self {
            TensorData::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            TensorData::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// The header of a `.npy` file (C order) for `data`'s type and `shape`: format version 1.0, or 2.0 (a
/// 4-byte header length) when the header does not fit 65,535 bytes (a shape of thousands of dimensions),
/// as NumPy itself writes it.
pub fn npy_header(data: TensorData<'_>, shape: &[usize]) -> Vec<u8> {
    let descr = match data {
        TensorData::F32(_) => "<f4",
        TensorData::F64(_) => "<f8",
    };
    header_of(descr, shape)
}

/// The `.npy` header of type `descr` (`<f4`) and `shape`.
fn header_of(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if shape.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    // (A scalar's shape is `()`.)
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_s}, }}");
    for (version, len_bytes) in [(1u8, 2usize), (2, 4)] {
        // Magic (6) + version (2) + header length + header + '\n' must be a multiple of 64.
        let unpadded = 8 + len_bytes + dict.len() + 1;
        let header_len = unpadded.next_multiple_of(64) - 8 - len_bytes;
        if len_bytes == 2 && header_len > usize::from(u16::MAX) {
            continue;
        }
        let mut out = Vec::with_capacity(8 + len_bytes + header_len);
        out.extend_from_slice(b"\x93NUMPY");
        out.extend_from_slice(&[version, 0]);
        out.extend_from_slice(&(header_len as u64).to_le_bytes()[..len_bytes]);
        out.extend_from_slice(dict.as_bytes());
        out.resize(8 + len_bytes + header_len - 1, b' ');
        out.push(b'\n');
        return out;
    }
    unreachable!("a version 2.0 header holds up to 4 GiB")
}

/// The bytes of a `.npy` file holding `data` with `shape` ([`npy_header`], then the values).
pub fn npy_bytes(data: TensorData<'_>, shape: &[usize]) -> Vec<u8> {
    let mut out = npy_header(data, shape);
    out.extend_from_slice(&data.le_bytes());
    out
}

/// Writes a `.npy` file atomically, streaming the values (no second copy of the tensor in memory).
pub fn write_npy(path: &Path, data: TensorData<'_>, shape: &[usize]) -> std::io::Result<()> {
    write_atomic_with(path, |w| {
        w.write_all(&npy_header(data, shape))?;
        match data {
            TensorData::F32(v) => v
                .chunks(1 << 16)
                .try_for_each(|c| w.write_all(&c.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())),
            TensorData::F64(v) => v
                .chunks(1 << 16)
                .try_for_each(|c| w.write_all(&c.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())),
        }
    })
}

/// The bytes of a `.npy` file holding `values` with `shape`.
pub(super) fn npy_bytes_of(values: &super::Values, shape: &[usize]) -> Vec<u8> {
    let mut out = header_of(values.descr(), shape);
    out.extend_from_slice(&values.le_bytes());
    out
}

/// The shape and values of a `.npy` file's bytes: format 1.0, 2.0 or 3.0, C order, little-endian f32
/// (`<f4`) or i64 (`<i8`).
///
/// Errors (one line each): a bad magic or version, a header past the end, a header dictionary without
/// `descr`, `fortran_order` or `shape`, Fortran order, another type, data shorter or longer than the shape.
pub fn parse_npy(bytes: &[u8]) -> Result<(Vec<usize>, super::Values), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes(bytes[8..12].try_into().expect("4")) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes.get(start..start.saturating_add(len)).ok_or("the .npy header is past the end of the file")?;
    let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
    let field = |key: &str| -> Result<&str, String> {
        let at = header.find(&format!("'{key}':")).ok_or_else(|| format!("the .npy header has no '{key}'"))?;
        Ok(header[at + key.len() + 3..].trim_start())
    };
    let descr = field("descr")?.trim_start_matches('\'');
    let descr = &descr[..descr.find('\'').ok_or("bad 'descr' in the .npy header")?];
    if !field("fortran_order")?.starts_with("False") {
        return Err("Fortran-order .npy arrays are not supported".into());
    }
    let shape_s = field("shape")?;
    let shape_s = shape_s.strip_prefix('(').ok_or("bad 'shape' in the .npy header")?;
    let shape_s = &shape_s[..shape_s.find(')').ok_or("bad 'shape' in the .npy header")?];
    let shape: Vec<usize> = shape_s
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<usize>().map_err(|_| format!("bad dimension '{d}' in the .npy header")))
        .collect::<Result<_, _>>()?;
    let (dtype, size) = match descr {
        "<f4" => ("F32", 4),
        "<i8" => ("I64", 8),
        d => return Err(format!("dtype '{d}' is not supported (weights must be little-endian f32, '<f4')")),
    };
    let data = &bytes[start + len..];
    if super::numel(&shape).and_then(|n| n.checked_mul(size)) != Some(data.len()) {
        return Err(format!("shape {shape:?} of '{descr}' does not match the {} bytes of data", data.len()));
    }
    Ok((shape, super::values_from(dtype, data)?))
}
