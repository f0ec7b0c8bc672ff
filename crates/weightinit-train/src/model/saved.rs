//! Saved models: an [`Mlp`] as the `state_dict` of the PyTorch module it is, or in the Keras/JAX/NumPy
//! layout, with metadata; and back.
//!
//! PyTorch layout (the default): the network is `nn.Sequential(Linear, [BatchNorm1d | LayerNorm], act,
//! ..., Linear)`, so module `k` of the sequence holds `k.weight` (`[out, in]` for a `Linear`), `k.bias`,
//! and for batch norm `k.running_mean`, `k.running_var` and `k.num_batches_tracked` (i64, shape `[]`).
//! In-out layout: Keras's names, `dense/kernel` `[in, out]`, `dense/bias`, `dense_1/...`,
//! `batch_normalization/{gamma, beta, moving_mean, moving_variance}`, `layer_normalization/{gamma, beta}`.
//! One list of names (`entries`) serves saving and loading, so the two cannot disagree.

use std::collections::BTreeMap;
use std::path::Path;

use weightinit_core::init::Init;

use super::{Activation, Mlp, Norm, offsets};
use crate::io::{Tensor, Values};

/// The layout of a saved model's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveLayout {
    /// PyTorch's `state_dict` of the `nn.Sequential` the network is (`Linear` weights `[out, in]`).
    Torch,
    /// Keras / JAX / NumPy: kernels `[in, out]`, Keras's names.
    InOut,
}

impl SaveLayout {
    /// `torch` or `in-out`.
    pub fn name(self) -> &'static str {
        match self {
            SaveLayout::Torch => "torch",
            SaveLayout::InOut => "in-out",
        }
    }

    /// Parses [`SaveLayout::name`].
    pub fn parse(s: &str) -> Option<SaveLayout> {
        [SaveLayout::Torch, SaveLayout::InOut].into_iter().find(|l| l.name() == s)
    }
}

/// The version of the saved-model metadata this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// What a saved tensor holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Weight(usize),
    Bias(usize),
    Gamma(usize),
    Beta(usize),
    RunningMean(usize),
    RunningVar(usize),
    Tracked(usize),
}

/// The activation's PyTorch module, as in the architecture string.
fn torch_act(a: Activation) -> String {
    match a {
        Activation::Relu => "ReLU()".into(),
        Activation::LeakyRelu(s) => format!("LeakyReLU({s})"),
        Activation::Tanh => "Tanh()".into(),
        Activation::Sigmoid => "Sigmoid()".into(),
        Activation::Linear => "Identity()".into(),
    }
}

/// Every saved tensor of a network of `widths` with `norm`, in order: name, shape, what it holds.
fn entries(widths: &[usize], norm: Norm, layout: SaveLayout) -> Vec<(String, Vec<usize>, Part)> {
    let layers = widths.len() - 1;
    let per = if norm == Norm::None { 2 } else { 3 };
    let mut v = Vec::new();
    let keras = |base: &str, i: usize| if i == 0 { base.to_string() } else { format!("{base}_{i}") };
    for l in 0..layers {
        let (din, dout) = (widths[l], widths[l + 1]);
        match layout {
            SaveLayout::Torch => {
                v.push((format!("{}.weight", l * per), vec![dout, din], Part::Weight(l)));
                v.push((format!("{}.bias", l * per), vec![dout], Part::Bias(l)));
            }
            SaveLayout::InOut => {
                v.push((format!("{}/kernel", keras("dense", l)), vec![din, dout], Part::Weight(l)));
                v.push((format!("{}/bias", keras("dense", l)), vec![dout], Part::Bias(l)));
            }
        }
        if l + 1 == layers || norm == Norm::None {
            continue;
        }
        let (k, w) = (l * per + 1, vec![dout]);
        match (layout, norm) {
            (SaveLayout::Torch, _) => {
                v.push((format!("{k}.weight"), w.clone(), Part::Gamma(l)));
                v.push((format!("{k}.bias"), w.clone(), Part::Beta(l)));
                if norm == Norm::Batch {
                    v.push((format!("{k}.running_mean"), w.clone(), Part::RunningMean(l)));
                    v.push((format!("{k}.running_var"), w.clone(), Part::RunningVar(l)));
                    v.push((format!("{k}.num_batches_tracked"), vec![], Part::Tracked(l)));
                }
            }
            (SaveLayout::InOut, Norm::Batch) => {
                let b = keras("batch_normalization", l);
                v.push((format!("{b}/gamma"), w.clone(), Part::Gamma(l)));
                v.push((format!("{b}/beta"), w.clone(), Part::Beta(l)));
                v.push((format!("{b}/moving_mean"), w.clone(), Part::RunningMean(l)));
                v.push((format!("{b}/moving_variance"), w.clone(), Part::RunningVar(l)));
            }
            (SaveLayout::InOut, _) => {
                let b = keras("layer_normalization", l);
                v.push((format!("{b}/gamma"), w.clone(), Part::Gamma(l)));
                v.push((format!("{b}/beta"), w.clone(), Part::Beta(l)));
            }
        }
    }
    v
}

/// How a model was made, for the metadata.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// The init scheme's name.
    pub init: String,
    /// The seed.
    pub seed: u64,
}

impl Mlp {
    /// The PyTorch module this network is, as text: `Sequential(Linear(784, 100), ReLU(), ...)`.
    pub fn architecture(&self) -> String {
        let mut m = Vec::new();
        for l in 0..self.layers() {
            m.push(format!("Linear({}, {})", self.widths[l], self.widths[l + 1]));
            if l + 1 < self.layers() {
                match self.norm {
                    Norm::None => {}
                    Norm::Batch => m.push(format!("BatchNorm1d({}, eps=1e-05, momentum=0.1)", self.widths[l + 1])),
                    Norm::Layer => m.push(format!("LayerNorm({}, eps=1e-05)", self.widths[l + 1])),
                }
                m.push(torch_act(self.act));
            }
        }
        format!("Sequential({})", m.join(", "))
    }

    /// The saved tensors in `layout`.
    pub fn to_tensors(&self, layout: SaveLayout) -> Vec<Tensor> {
        let offs = offsets(&self.widths);
        entries(&self.widths, self.norm, layout)
            .into_iter()
            .map(|(name, shape, part)| {
                let values = match part {
                    Part::Weight(l) => {
                        let (din, dout) = (self.widths[l], self.widths[l + 1]);
                        let w = &self.params[offs[l].0..offs[l].1];
                        Values::F32(match layout {
                            SaveLayout::InOut => w.to_vec(),
                            SaveLayout::Torch => (0..dout * din).map(|i| w[(i % din) * dout + i / din]).collect(),
                        })
                    }
                    Part::Bias(l) => Values::F32(self.layer(l).1.to_vec()),
                    Part::Gamma(l) => Values::F32(self.norm_params(l).0.to_vec()),
                    Part::Beta(l) => Values::F32(self.norm_params(l).1.to_vec()),
                    Part::RunningMean(l) => Values::F32(self.running(l).0.to_vec()),
                    Part::RunningVar(l) => Values::F32(self.running(l).1.to_vec()),
                    Part::Tracked(_) => Values::I64(vec![self.batches_tracked as i64]),
                };
                Tensor { name, shape, values }
            })
            .collect()
    }

    /// The metadata of a saved model (safetensors `__metadata__`, or the `.npz`'s sidecar JSON).
    pub fn metadata(&self, layout: SaveLayout, p: &Provenance) -> BTreeMap<String, String> {
        let widths: Vec<String> = self.widths.iter().map(|w| w.to_string()).collect();
        [
            ("format", "weightinit-mlp".to_string()),
            ("format_version", FORMAT_VERSION.to_string()),
            ("layers", widths.join(",")),
            ("activation", self.act.name()),
            ("norm", self.norm.name().to_string()),
            ("layout", layout.name().to_string()),
            ("architecture", self.architecture()),
            ("input_scaling", "x = pixel / 255 (28x28 images flattened row by row to 784 values in [0, 1])".into()),
            ("output", "logits of the 10 digit classes (softmax cross-entropy)".into()),
            ("init", p.init.clone()),
            ("seed", p.seed.to_string()),
            ("stream_format", weightinit_core::STREAM_FORMAT_VERSION.to_string()),
            ("weightinit_version", env!("CARGO_PKG_VERSION").to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// How to read a model whose file carries no metadata (a PyTorch `state_dict`): its widths and activation
/// (the normalization is read from the tensors' names).
#[derive(Debug, Clone)]
pub struct Fallback {
    /// Widths, from `--layers`.
    pub widths: Option<Vec<usize>>,
    /// Activation, from `--activation`.
    pub act: Activation,
}

/// A loaded model and what its metadata said.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The network.
    pub mlp: Mlp,
    /// The layout the file used.
    pub layout: SaveLayout,
    /// The metadata (empty for a bare `state_dict`).
    pub metadata: BTreeMap<String, String>,
}

/// Builds a network from named tensors. `meta` comes from the file; without it `fallback` gives the widths
/// and activation, the layout is PyTorch's and the normalization is read from the names.
pub fn from_tensors(tensors: &[Tensor], meta: BTreeMap<String, String>, fallback: &Fallback) -> Result<Loaded, String> {
    let (widths, act, norm, layout) = if meta.get("format").is_some_and(|f| f == "weightinit-mlp") {
        let get = |k: &str| meta.get(k).ok_or_else(|| format!("its metadata has no '{k}'"));
        let version: u32 =
            get("format_version")?.parse().map_err(|_| "its metadata's format_version is not a number")?;
        if version > FORMAT_VERSION {
            return Err(format!(
                "it was written by a newer weightinit (metadata format version {version}; this one reads up to {FORMAT_VERSION})"
            ));
        }
        let widths = super::parse_layers(get("layers")?)?;
        let act = Activation::parse(get("activation")?).ok_or("its metadata's activation is unknown")?;
        let norm = Norm::parse(get("norm")?).ok_or("its metadata's norm is unknown")?;
        let layout = SaveLayout::parse(get("layout")?).ok_or("its metadata's layout is unknown")?;
        (widths, act, norm, layout)
    } else {
        let widths = fallback.widths.clone().ok_or(
            "it has no weightinit metadata: give the network as --layers (and --activation) to read it as a PyTorch nn.Sequential state_dict",
        )?;
        let has = |n: &str| tensors.iter().any(|t| t.name == n);
        let norm = if tensors.iter().any(|t| t.name.ends_with(".running_mean")) {
            Norm::Batch
        } else if widths.len() > 2 && tensors.iter().any(|t| t.name == "1.weight" && t.shape.len() == 1) {
            Norm::Layer
        } else {
            Norm::None
        };
        let layout = if has("dense/kernel") { SaveLayout::InOut } else { SaveLayout::Torch };
        (widths, fallback.act, norm, layout)
    };
    if widths.len() < 2 {
        return Err("it describes fewer than two layer widths".into());
    }
    let (skeleton, _) = Mlp::new(&widths, act, Init::Zeros, Init::Zeros, 0)?;
    let mut m = skeleton.with_norm(norm);
    let offs = offsets(&widths);
    let by_name: BTreeMap<&str, &Tensor> = tensors.iter().map(|t| (t.name.as_str(), t)).collect();
    let expected = entries(&widths, norm, layout);
    for (name, shape, part) in &expected {
        let t = by_name.get(name.as_str()).ok_or_else(|| format!("tensor '{name}' is missing"))?;
        if &t.shape != shape {
            return Err(format!(
                "tensor '{name}' has shape {:?}, the network {} needs {shape:?}",
                t.shape,
                widths.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",")
            ));
        }
        let f = |t: &Tensor| match &t.values {
            Values::F32(v) => Ok(v.clone()),
            Values::I64(_) => Err(format!("tensor '{name}' has dtype I64, not f32")),
        };
        match *part {
            Part::Weight(l) => {
                let (din, dout) = (widths[l], widths[l + 1]);
                let v = f(t)?;
                let dst = &mut m.params[offs[l].0..offs[l].1];
                match layout {
                    SaveLayout::InOut => dst.copy_from_slice(&v),
                    SaveLayout::Torch => (0..din * dout).for_each(|i| dst[i] = v[(i % dout) * din + i / dout]),
                }
            }
            Part::Bias(l) => {
                let v = f(t)?;
                m.params[offs[l].1..offs[l].1 + widths[l + 1]].copy_from_slice(&v);
            }
            Part::Gamma(l) | Part::Beta(l) => {
                let (o, w) = m.norm_offsets()[l];
                let at = if matches!(part, Part::Gamma(_)) { o } else { o + w };
                m.params[at..at + w].copy_from_slice(&f(t)?);
            }
            Part::RunningMean(l) => m.running_mut(l).0.copy_from_slice(&f(t)?),
            Part::RunningVar(l) => m.running_mut(l).1.copy_from_slice(&f(t)?),
            Part::Tracked(_) => {
                m.batches_tracked = match &t.values {
                    Values::I64(v) => v.first().copied().unwrap_or(0).max(0) as u64,
                    Values::F32(v) => v.first().copied().unwrap_or(0.0).max(0.0) as u64,
                }
            }
        }
    }
    if let Some(extra) = tensors.iter().find(|t| !expected.iter().any(|(n, _, _)| *n == t.name)) {
        return Err(format!("tensor '{}' is not part of the network {}", extra.name, m.architecture()));
    }
    Ok(Loaded { mlp: m, layout, metadata: meta })
}

/// The sidecar JSON of an `.npz` model: `m.npz` -> `m.npz.json`.
pub fn sidecar(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".json");
    s.into()
}

/// Writes `mlp` to `path` (`.safetensors`, or `.npz` with its metadata in [`sidecar`]), atomically.
pub fn save(path: &Path, mlp: &Mlp, layout: SaveLayout, p: &Provenance) -> Result<(), String> {
    let tensors = mlp.to_tensors(layout);
    let meta = mlp.metadata(layout, p);
    let err = |e: String| format!("{}: {e}", path.display());
    if path.extension().is_some_and(|e| e == "npz") {
        let bytes = crate::io::npz_bytes(&tensors).map_err(err)?;
        let json = serde_json::to_string_pretty(&meta).expect("json") + "\n";
        let side = sidecar(path);
        crate::io::write_atomic(&side, json.as_bytes()).map_err(|e| format!("{}: {e}", side.display()))?;
        crate::io::write_atomic(path, &bytes).map_err(|e| err(e.to_string()))
    } else {
        let bytes = crate::io::safetensors_bytes(&tensors, &meta).map_err(err)?;
        crate::io::write_atomic(path, &bytes).map_err(|e| err(e.to_string()))
    }
}

/// Reads a model saved by [`save`] (either layout, from its metadata) or a PyTorch `nn.Sequential`
/// `state_dict` in safetensors or `.npz` (with `fallback`). Errors name the file and, where one is at
/// fault, the tensor.
pub fn load(path: &Path, fallback: &Fallback) -> Result<Loaded, String> {
    let at = |e: String| format!("{}: {e}", path.display());
    let bytes = std::fs::read(path).map_err(|e| at(e.to_string()))?;
    let (tensors, meta) = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let t = crate::io::read_npz(&bytes).map_err(at)?;
        let side = sidecar(path);
        let meta = match std::fs::read(&side) {
            Ok(j) => serde_json::from_slice::<BTreeMap<String, String>>(&j)
                .map_err(|e| format!("{}: not a metadata JSON object of strings ({e})", side.display()))?,
            Err(_) => BTreeMap::new(),
        };
        (t, meta)
    } else {
        crate::io::read_safetensors(&bytes).map_err(|e| at(format!("{e} (nor an .npz)")))?
    };
    from_tensors(&tensors, meta, fallback).map_err(at)
}
