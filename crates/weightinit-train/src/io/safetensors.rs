//! safetensors files: writing (header keys sorted, an optional `__metadata__` of strings) and reading
//! (every offset checked against the bytes present).

use std::collections::BTreeMap;

use super::{Tensor, numel, values_from};

/// The largest header the safetensors format accepts (its readers refuse more).
pub const SAFETENSORS_MAX_HEADER: usize = 100_000_000;

/// The bytes of a safetensors file holding `tensors` (header sorted by name, as the Python package writes
/// it; data in the order given) and `metadata` (the format's `__metadata__`, omitted when empty).
///
/// Errors: a header over the format's 100 MB limit.
pub fn safetensors_bytes(tensors: &[Tensor], metadata: &BTreeMap<String, String>) -> Result<Vec<u8>, String> {
    let entries: Vec<(String, &str, Vec<usize>, usize)> = tensors
        .iter()
        .map(|t| (t.name.clone(), t.values.dtype(), t.shape.clone(), t.values.le_bytes().len()))
        .collect();
    let mut out = safetensors_header(&entries, metadata)?;
    for t in tensors {
        out.extend_from_slice(&t.values.le_bytes());
    }
    Ok(out)
}

/// The first bytes of a safetensors file (its 8-byte length and JSON header) whose tensors are `entries`
/// `(name, dtype, shape, bytes)`, in that order, with `metadata`: the data follows, written by the caller
/// (a writer that streams the tensors).
///
/// Errors: a header over the format's 100 MB limit.
pub fn safetensors_header(
    entries: &[(String, &str, Vec<usize>, usize)],
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>, String> {
    let mut meta = serde_json::Map::new();
    if !metadata.is_empty() {
        meta.insert("__metadata__".into(), serde_json::json!(metadata));
    }
    let mut offset = 0usize;
    for (name, dtype, shape, len) in entries {
        meta.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len]}),
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
    let mut out = Vec::with_capacity(8 + header.len());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    Ok(out)
}

/// The tensors (in file order) and `__metadata__` of a safetensors file's bytes.
///
/// Errors (one line each): fewer than 8 bytes, a header length past the file or over 100 MB, a header that
/// is not a JSON object of tensors, a tensor whose offsets leave the data or disagree with its shape and
/// dtype, a dtype other than F32 and I64.
pub fn read_safetensors(bytes: &[u8]) -> Result<(Vec<Tensor>, BTreeMap<String, String>), String> {
    let not = |why: &str| format!("not a safetensors file: {why}");
    let n = u64::from_le_bytes(bytes.get(..8).ok_or_else(|| not("shorter than 8 bytes"))?.try_into().expect("8"));
    if n > SAFETENSORS_MAX_HEADER as u64 || n > (bytes.len() - 8) as u64 {
        return Err(not(&format!("its header length {n} is past the end of the file or over 100 MB")));
    }
    let header = &bytes[8..8 + n as usize];
    let data = &bytes[8 + n as usize..];
    let v: serde_json::Value = serde_json::from_slice(header).map_err(|e| not(&format!("header is not JSON ({e})")))?;
    let obj = v.as_object().ok_or_else(|| not("header is not a JSON object"))?;
    let mut metadata = BTreeMap::new();
    let mut tensors = Vec::new();
    for (name, entry) in obj {
        if name == "__metadata__" {
            let m = entry.as_object().ok_or_else(|| not("__metadata__ is not an object"))?;
            for (k, v) in m {
                let v = v.as_str().ok_or_else(|| not(&format!("__metadata__ value of '{k}' is not a string")))?;
                metadata.insert(k.clone(), v.to_string());
            }
            continue;
        }
        let bad = |why: &str| format!("tensor '{name}': {why}");
        let dtype = entry["dtype"].as_str().ok_or_else(|| bad("no dtype"))?;
        let shape: Vec<usize> = entry["shape"]
            .as_array()
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("shape is not a list of sizes"))?;
        let offs = entry["data_offsets"].as_array().filter(|a| a.len() == 2).ok_or_else(|| bad("no data_offsets"))?;
        let (a, b) = (offs[0].as_u64().unwrap_or(u64::MAX), offs[1].as_u64().unwrap_or(u64::MAX));
        if a > b || b > data.len() as u64 {
            return Err(bad(&format!("data_offsets [{a}, {b}] leave the {} bytes of data", data.len())));
        }
        let size = match dtype {
            "F32" => 4,
            "I64" => 8,
            _ => return Err(bad(&format!("dtype {dtype} is not supported (weights must be F32)"))),
        };
        if numel(&shape).and_then(|n| n.checked_mul(size)) != Some((b - a) as usize) {
            return Err(bad(&format!("shape {shape:?} of {dtype} does not match its {} bytes", b - a)));
        }
        let values = values_from(dtype, &data[a as usize..b as usize]).map_err(|e| bad(&e))?;
        tensors.push((a, Tensor { name: name.clone(), shape, values }));
    }
    tensors.sort_by_key(|(a, _)| *a);
    Ok((tensors.into_iter().map(|(_, t)| t).collect(), metadata))
}
