//! Writing tensors: `.npy`, `.npz` and safetensors, always atomically (temporary file in the same
//! directory, fsync, rename), so a killed process leaves the old file or none, never a partial one; the
//! temporary file of a killed writer is removed by the next write to the same path.

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
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if shape.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
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

/// The bytes of a safetensors file holding named f32 tensors (header sorted by name, as the Python package
/// writes it; data in the order given).
///
/// Errors: a header over the format's 100 MB limit.
pub fn safetensors_bytes(tensors: &[(String, Vec<usize>, &[f32])]) -> Result<Vec<u8>, String> {
    let mut meta = serde_json::Map::new();
    let mut offset = 0usize;
    for (name, shape, data) in tensors {
        let len = data.len() * 4;
        meta.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    let mut header = serde_json::Value::Object(meta).to_string();
    // Pad the header with spaces to an 8-byte boundary (allowed by the format, keeps data aligned).
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    if header.len() > SAFETENSORS_MAX_HEADER {
        return Err(format!("the safetensors header would be {} bytes, over the format's 100 MB limit", header.len()));
    }
    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for (_, _, data) in tensors {
        for x in data.iter() {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    Ok(out)
}

/// The largest header the safetensors format accepts (its readers refuse more).
pub const SAFETENSORS_MAX_HEADER: usize = 100_000_000;

/// The bytes of an `.npz` (an uncompressed zip of `.npy` files, as `numpy.savez` writes) holding named
/// f32 tensors.
///
/// Errors: a member or the archive over 4 GiB, or more than 65,535 members (they need ZIP64, which this
/// writer does not produce: use safetensors).
pub fn npz_bytes(tensors: &[(String, Vec<usize>, &[f32])]) -> Result<Vec<u8>, String> {
    let too_big =
        || "the .npz would exceed 4 GiB or 65,535 tensors (ZIP64 is not written): use .safetensors".to_string();
    if tensors.len() > usize::from(u16::MAX) {
        return Err(too_big());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count = 0u16;
    for (name, shape, data) in tensors {
        let file = format!("{name}.npy");
        let body = npy_bytes(TensorData::F32(data), shape);
        let mut crc = flate2::Crc::new();
        crc.update(&body);
        let crc = crc.sum();
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let body_len = u32::try_from(body.len()).map_err(|_| too_big())?;
        // Local file header: stored (method 0), no data descriptor.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, method, time, date
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&body_len.to_le_bytes());
        out.extend_from_slice(&body_len.to_le_bytes());
        out.extend_from_slice(&(file.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(file.as_bytes());
        out.extend_from_slice(&body);
        // Central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&body_len.to_le_bytes());
        central.extend_from_slice(&body_len.to_le_bytes());
        central.extend_from_slice(&(file.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal attrs, external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(file.as_bytes());
        count += 1;
    }
    let cd_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let cd_len = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    u32::try_from(out.len()).map_err(|_| too_big())?;
    Ok(out)
}
