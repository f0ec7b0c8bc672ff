//! `.npz` archives (zips of `.npy` members, as `numpy.savez` writes): writing (stored members) and reading
//! (stored or deflated members, as `numpy.savez_compressed` writes).

use std::io::Read;

use super::npy::{npy_bytes_of, parse_npy};
use super::{Tensor, Values};

/// The bytes of an `.npz` (an uncompressed zip of `.npy` files, as `numpy.savez` writes) holding `tensors`.
///
/// Errors: a member or the archive over 4 GiB, or more than 65,535 members (they need ZIP64, which this
/// writer does not produce: use safetensors).
pub fn npz_bytes(tensors: &[Tensor]) -> Result<Vec<u8>, String> {
    let too_big =
        || "the .npz would exceed 4 GiB or 65,535 tensors (ZIP64 is not written): use .safetensors".to_string();
    if tensors.len() > usize::from(u16::MAX) {
        return Err(too_big());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut count = 0u16;
    for t in tensors {
        let file = format!("{}.npy", t.name);
        let body = npy_bytes_of(&t.values, &t.shape);
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

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// The `.npy` members of an `.npz` archive's bytes, as tensors named without `.npy`, in archive order.
///
/// Errors (one line each): no end-of-central-directory record, a directory or member past the end of the
/// bytes, a compression other than stored or deflate, a member that inflates to other than its declared
/// size (at most 4 GiB: nothing larger is allocated), a member that is not a valid `.npy` of f32 or i64.
pub fn read_npz(bytes: &[u8]) -> Result<Vec<Tensor>, String> {
    let not = |why: &str| format!("not an .npz (zip) file: {why}");
    let tail = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (tail..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..i + 4] == 0x0605_4b50u32.to_le_bytes())
        .ok_or_else(|| not("no end-of-central-directory record"))?;
    let count = u16_at(bytes, eocd + 10).ok_or_else(|| not("truncated"))?;
    let mut at = u32_at(bytes, eocd + 16).ok_or_else(|| not("truncated"))?;
    let mut out = Vec::new();
    for _ in 0..count {
        let entry = bytes.get(at..at + 46).ok_or_else(|| not("central directory past the end"))?;
        if entry[..4] != 0x0201_4b50u32.to_le_bytes() {
            return Err(not("bad central directory entry"));
        }
        let method = u16_at(entry, 10).expect("in entry");
        let (csize, usize_) = (u32_at(entry, 20).expect("in entry"), u32_at(entry, 24).expect("in entry"));
        let (nlen, xlen, clen) =
            (u16_at(entry, 28).expect("e"), u16_at(entry, 30).expect("e"), u16_at(entry, 32).expect("e"));
        let local = u32_at(entry, 42).expect("in entry");
        let name = bytes.get(at + 46..at + 46 + nlen).ok_or_else(|| not("member name past the end"))?;
        let name = String::from_utf8_lossy(name).to_string();
        at += 46 + nlen + xlen + clen;
        let lh = bytes.get(local..local + 30).ok_or_else(|| not(&format!("member '{name}' past the end")))?;
        let start = local + 30 + u16_at(lh, 26).expect("in header") + u16_at(lh, 28).expect("in header");
        let raw = bytes
            .get(start..start.saturating_add(csize))
            .ok_or_else(|| not(&format!("member '{name}' is truncated")))?;
        let body = match method {
            0 => raw.to_vec(),
            8 => {
                let mut v = Vec::new();
                let mut d = flate2::read::DeflateDecoder::new(raw).take(usize_ as u64 + 1);
                d.read_to_end(&mut v).map_err(|e| not(&format!("member '{name}': {e}")))?;
                if v.len() != usize_ {
                    return Err(not(&format!("member '{name}' inflates to other than its declared {usize_} bytes")));
                }
                v
            }
            m => return Err(not(&format!("member '{name}' uses compression method {m} (stored or deflate only)"))),
        };
        let tensor_name = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        let (shape, values) = parse_npy(&body).map_err(|e| format!("member '{name}': {e}"))?;
        out.push(Tensor { name: tensor_name, shape, values });
    }
    Ok(out)
}

impl Values {
    /// The `.npy` type string.
    pub(super) fn descr(&self) -> &'static str {
        match self {
            Values::F32(_) => "<f4",
            Values::I64(_) => "<i8",
        }
    }
}
