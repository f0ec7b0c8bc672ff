//! Model specs for `weightinit init-model`: the tensors of a model (name, shape, scheme and its parameters,
//! layout, tensor-parallel `shard` of `none`, `row` or `col`), each rank's box of each tensor, and the
//! rank files and index that the command (and, with MPI, each rank of `weightinit-mpi`) writes.
//!
//! ```json
//! {"seed": 1, "dtype": "f32", "tensors": [
//!   {"name": "wte", "shape": [50257, 768], "scheme": "normal", "params": {"std": 0.02}, "shard": "row"},
//!   {"name": "h.0.attn.c_attn.weight", "shape": [768, 2304], "scheme": "jax:lecun_normal", "shard": "col"}]}
//! ```
//!
//! A scheme is a framework name (`torch:normal_`, `keras:he_normal`, with the framework's argument names
//! in `params`) or a weightinit scheme (`he-normal`, with `layout`, default `torch`). Each tensor's stream
//! key is `key` when given, else the CRC-32 of its name (as `weightinit.torch.key_of` in Python), so a
//! tensor's values do not depend on the other tensors, the rank count or the order of the spec.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use weightinit_core::Stream;
use weightinit_core::init::framework::{Arg, FrameworkParams, framework_init};
use weightinit_core::init::{Init, Layout, SchemeId, SchemeParams};

/// How a tensor is split across ranks (tensor parallelism, as Megatron-LM's column- and row-parallel
/// linear layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardKind {
    /// Every rank holds the whole tensor.
    None,
    /// Dimension 0 split in contiguous, balanced ranges.
    Row,
    /// The last dimension split in contiguous, balanced ranges.
    Col,
}

impl ShardKind {
    /// `none`, `row` or `col`.
    pub fn name(self) -> &'static str {
        match self {
            ShardKind::None => "none",
            ShardKind::Row => "row",
            ShardKind::Col => "col",
        }
    }
}

/// The element type of a spec's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// 32-bit floats (safetensors `F32`).
    F32,
    /// 64-bit floats (safetensors `F64`).
    F64,
}

/// One tensor of a spec, resolved.
#[derive(Debug, Clone)]
pub struct TensorSpec {
    /// Name (the safetensors key).
    pub name: String,
    /// Global shape.
    pub shape: Vec<usize>,
    /// The scheme's name as given.
    pub scheme: String,
    /// Its parameters as given.
    pub params: Value,
    /// The initializer.
    pub init: Init,
    /// Its layout.
    pub layout: Layout,
    /// How it is split across ranks.
    pub shard: ShardKind,
    /// Its stream key.
    pub key: u64,
}

/// A model spec.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// The seed of every tensor's stream.
    pub seed: u64,
    /// The element type.
    pub dtype: Dtype,
    /// The tensors, in the spec's order.
    pub tensors: Vec<TensorSpec>,
}

/// CRC-32 (IEEE, as zlib's `crc32`) of `name`: a tensor's default stream key.
pub fn key_of(name: &str) -> u64 {
    let mut c = flate2::Crc::new();
    c.update(name.as_bytes());
    c.sum() as u64
}

/// `params.k` as a named argument: a string, a list of axes (a mask), an integer or a number.
fn arg_of<'v>(k: &str, v: &'v Value) -> Result<Arg<'v>, String> {
    Ok(match v {
        Value::String(t) => Arg::Text(t),
        Value::Array(a) => Arg::Axes(
            a.iter()
                .map(|x| x.as_u64().filter(|&k| k < 64))
                .try_fold(0u64, |m, k| k.map(|k| m | 1 << k))
                .ok_or_else(|| format!("params.{k} must be non-negative axes below 64"))?,
        ),
        v if v.is_i64() => Arg::Int(v.as_i64().expect("checked")),
        v => Arg::Num(v.as_f64().ok_or_else(|| format!("params.{k} must be a number, a string or a list of axes"))?),
    })
}

/// The initializer and layout of `scheme` with `params` (a JSON object) and `layout` (weightinit schemes).
pub fn resolve(scheme: &str, params: &Value, layout: Option<&str>) -> Result<(Init, Layout), String> {
    let empty = serde_json::Map::new();
    let p = match params {
        Value::Null => &empty,
        Value::Object(m) => m,
        _ => return Err("params must be an object".into()),
    };
    if let Some(f) = framework_init(scheme) {
        if layout.is_some() {
            return Err(format!("{scheme} uses its framework's layout: layout does not apply"));
        }
        let mut fp = FrameworkParams::default();
        for (k, v) in p {
            fp.set(k, arg_of(k, v)?).map_err(|e| format!("{scheme}: params.{k}: {e}"))?;
        }
        let r = f.resolve(&fp).map_err(|e| format!("{scheme}: {e} (it takes: {})", f.source))?;
        return Ok((r.init, r.layout));
    }
    let id = SchemeId::from_name(scheme)
        .ok_or_else(|| format!("unknown scheme '{scheme}' (weightinit schemes lists them)"))?;
    let mut sp = SchemeParams::default();
    for (k, v) in p {
        sp.set(k, arg_of(k, v)?).map_err(|e| format!("{scheme}: params.{k}: {e}"))?;
    }
    let init = Init::from_params(id, &sp).map_err(|e| format!("{scheme}: {e}"))?;
    let groups = sp.groups.unwrap_or(1);
    let layout = match layout.unwrap_or("torch") {
        "torch" => Layout::Torch,
        "torch-conv" => Layout::TorchConv { groups },
        "torch-conv-transpose" => Layout::TorchConvTranspose { groups },
        "keras" => Layout::Keras,
        "in-out" => Layout::InOut,
        "jax" => Layout::JAX,
        l => return Err(format!("layout '{l}': accepted torch, torch-conv, torch-conv-transpose, keras, in-out, jax")),
    };
    Ok((init, layout))
}

impl ModelSpec {
    /// Parses and checks a spec: every tensor's scheme, parameters, shape (the scheme's rank and shape
    /// checks) and name (unique); errors name the tensor.
    pub fn parse(text: &str) -> Result<ModelSpec, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not a JSON spec: {e}"))?;
        let seed = match &v["seed"] {
            Value::Null => 0,
            s => s.as_u64().ok_or("seed must be a non-negative integer")?,
        };
        let dtype = match v["dtype"].as_str().unwrap_or("f32") {
            "f32" | "float32" => Dtype::F32,
            "f64" | "float64" => Dtype::F64,
            d => return Err(format!("dtype '{d}': accepted f32, f64")),
        };
        let list = v["tensors"].as_array().ok_or("the spec needs a \"tensors\" list")?;
        let mut tensors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, t) in list.iter().enumerate() {
            let name = t["name"].as_str().ok_or_else(|| format!("tensor {i}: no name"))?.to_string();
            let at = |e: String| format!("tensor '{name}': {e}");
            if !seen.insert(name.clone()) {
                return Err(at("the name appears twice".into()));
            }
            let shape: Vec<usize> = t["shape"]
                .as_array()
                .and_then(|a| a.iter().map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok())).collect())
                .ok_or_else(|| at("shape must be a list of sizes".into()))?;
            let scheme = t["scheme"].as_str().ok_or_else(|| at("no scheme".into()))?.to_string();
            let layout = t["layout"].as_str();
            let (init, layout) = resolve(&scheme, &t["params"], layout).map_err(at)?;
            init.explain(&shape, layout).map_err(|e| at(e.to_string()))?;
            let shard = match t["shard"].as_str().unwrap_or("none") {
                "none" => ShardKind::None,
                "row" => ShardKind::Row,
                "col" => ShardKind::Col,
                s => return Err(at(format!("shard '{s}': accepted none, row, col"))),
            };
            let key = match &t["key"] {
                Value::Null => key_of(&name),
                k => k.as_u64().ok_or_else(|| at("key must be a non-negative integer".into()))?,
            };
            tensors.push(TensorSpec { name, shape, scheme, params: t["params"].clone(), init, layout, shard, key });
        }
        Ok(ModelSpec { seed, dtype, tensors })
    }

    /// Checks `world >= 1`, `rank < world`, and that every split tensor has at least `world` rows or
    /// columns to split.
    pub fn check_ranks(&self, world: usize, rank: usize) -> Result<(), String> {
        if world == 0 || rank >= world {
            return Err(format!("rank {rank} of a world of {world}: need world >= 1 and rank < world"));
        }
        for t in &self.tensors {
            let d = match t.shard {
                ShardKind::None => continue,
                ShardKind::Row => 0,
                ShardKind::Col => t.shape.len() - 1,
            };
            if t.shape[d] < world {
                return Err(format!(
                    "tensor '{}': dimension {d} of {} cannot be split across {world} ranks",
                    t.name, t.shape[d]
                ));
            }
        }
        Ok(())
    }
}

impl TensorSpec {
    /// Rank `rank`'s box of the tensor `(start, len)` in a world of `world` ranks: contiguous balanced
    /// ranges `[r n / w, (r + 1) n / w)` of the split dimension.
    pub fn rank_box(&self, world: usize, rank: usize) -> (Vec<usize>, Vec<usize>) {
        let mut start = vec![0; self.shape.len()];
        let mut len = self.shape.clone();
        let d = match self.shard {
            ShardKind::None => return (start, len),
            ShardKind::Row => 0,
            ShardKind::Col => self.shape.len() - 1,
        };
        let n = self.shape[d];
        let (a, b) = (rank * n / world, (rank + 1) * n / world);
        start[d] = a;
        len[d] = b - a;
        (start, len)
    }
}

/// Writes rank `rank`'s file `dir/rank-R.safetensors` (its box of every tensor, atomically, one tensor
/// in memory at a time) and, on rank 0, `dir/index.json`. Returns the bytes written.
pub fn write_rank(spec: &ModelSpec, dir: &Path, world: usize, rank: usize) -> Result<u64, String> {
    spec.check_ranks(world, rank)?;
    let elem = if spec.dtype == Dtype::F32 { 4 } else { 8 };
    let dtype = if spec.dtype == Dtype::F32 { "F32" } else { "F64" };
    let boxes: Vec<_> = spec.tensors.iter().map(|t| t.rank_box(world, rank)).collect();
    let entries: Vec<(String, &str, Vec<usize>, usize)> = spec
        .tensors
        .iter()
        .zip(&boxes)
        .map(|(t, (_, len))| (t.name.clone(), dtype, len.clone(), len.iter().product::<usize>() * elem))
        .collect();
    let meta: BTreeMap<String, String> = [
        ("format", "weightinit-shards".to_string()),
        ("rank", rank.to_string()),
        ("world", world.to_string()),
        ("seed", spec.seed.to_string()),
        ("stream_format", weightinit_core::STREAM_FORMAT_VERSION.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let header = crate::io::safetensors_header(&entries, &meta)?;
    let path = dir.join(format!("rank-{rank}.safetensors"));
    let total = header.len() as u64 + entries.iter().map(|e| e.3 as u64).sum::<u64>();
    crate::io::write_atomic_with(&path, |w| {
        use std::io::Write;
        w.write_all(&header)?;
        for (t, (start, len)) in spec.tensors.iter().zip(&boxes) {
            let stream = Stream::new(spec.seed, t.key);
            let bytes = match spec.dtype {
                Dtype::F32 => fill_box::<f32>(t, &stream, start, len),
                Dtype::F64 => fill_box::<f64>(t, &stream, start, len),
            }
            .map_err(|e| std::io::Error::other(format!("tensor '{}': {e}", t.name)))?;
            w.write_all(&bytes)?;
        }
        Ok(())
    })
    .map_err(|e| format!("{}: {e}", path.display()))?;
    if rank == 0 {
        write_index(spec, dir, world)?;
    }
    Ok(total)
}

/// The little-endian bytes of tensor `t`'s box.
fn fill_box<T: weightinit_core::Float>(
    t: &TensorSpec,
    stream: &Stream,
    start: &[usize],
    len: &[usize],
) -> Result<Vec<u8>, weightinit_core::Error> {
    let mut v = vec![T::ZERO; len.iter().product()];
    let mut ws = vec![0.0f64; t.init.shard_workspace_len(&t.shape, start, len)?];
    t.init.fill_shard(stream, &t.shape, t.layout, start, len, &mut v, &mut ws)?;
    let size = core::mem::size_of::<T>();
    let mut out = Vec::with_capacity(v.len() * size);
    for x in &v {
        out.extend_from_slice(&x.to_bits_u64().to_le_bytes()[..size]);
    }
    Ok(out)
}

/// `dir/index.json`: for each tensor its global shape, dtype, scheme, key and each rank's box.
pub fn write_index(spec: &ModelSpec, dir: &Path, world: usize) -> Result<(), String> {
    let dtype = if spec.dtype == Dtype::F32 { "F32" } else { "F64" };
    let mut tensors = serde_json::Map::new();
    for t in &spec.tensors {
        let boxes: Vec<Value> = (0..world)
            .map(|r| {
                let (start, len) = t.rank_box(world, r);
                json!({"rank": r, "file": format!("rank-{r}.safetensors"), "start": start, "len": len})
            })
            .collect();
        tensors.insert(
            t.name.clone(),
            json!({"shape": t.shape, "dtype": dtype, "scheme": t.scheme, "params": t.params, "shard": t.shard.name(),
                "key": t.key, "boxes": boxes}),
        );
    }
    let v = json!({"format": "weightinit-shards", "version": 1, "world": world, "seed": spec.seed,
        "stream_format": weightinit_core::STREAM_FORMAT_VERSION, "tensors": tensors});
    let path = dir.join("index.json");
    let text = serde_json::to_string_pretty(&v).expect("json") + "\n";
    crate::io::write_atomic(&path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}
