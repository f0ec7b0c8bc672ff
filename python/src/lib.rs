//! `weightinit._native`: the Rust half of the Python package. The public API (`weightinit.init`,
//! `weightinit.init_`, `weightinit.explain`, `weightinit.Stream`) is in `py/weightinit/__init__.py`, which
//! calls the functions here. Every fill runs with the GIL released; element-wise schemes are split over
//! threads by range (each element is a pure function of seed, key and index, so the bits do not depend
//! on the split); errors are `ValueError` / `TypeError` with the core's message, never a crash.

use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use weightinit_core::init::framework::{Arg, FrameworkParams, framework_init};
use weightinit_core::init::{Explanation, Init, Layout, SchemeId, SchemeParams, Values};
use weightinit_core::{Float, Stream, TruncBounds};

fn value_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Keyword arguments by name: numbers, strings and axis lists.
struct Kwargs<'py>(Option<Bound<'py, PyDict>>);

impl<'py> Kwargs<'py> {
    fn get(&self, k: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.0 {
            None => Ok(None),
            Some(d) => Ok(d.get_item(k)?.filter(|v| !v.is_none())),
        }
    }
    fn keys(&self) -> PyResult<Vec<String>> {
        match &self.0 {
            None => Ok(Vec::new()),
            Some(d) => d.keys().iter().map(|k| k.extract::<String>()).collect(),
        }
    }
}

fn layout_of(name: Option<&str>, groups: usize) -> PyResult<Layout> {
    Ok(match name.unwrap_or("torch") {
        "torch" => Layout::Torch,
        "torch-conv" | "torch_conv" => Layout::TorchConv { groups },
        "torch-conv-transpose" | "torch_conv_transpose" => Layout::TorchConvTranspose { groups },
        "keras" => Layout::Keras,
        "in-out" | "in_out" => Layout::InOut,
        "jax" => Layout::JAX,
        other => {
            return Err(PyValueError::new_err(format!(
                "layout '{other}': accepted torch, torch-conv, torch-conv-transpose, keras, in-out, jax"
            )));
        }
    })
}

/// The initializer and layout of `scheme` (a framework name such as `keras:he_normal`, or a scheme of the
/// core's table such as `he-normal`) with keyword arguments by the framework's (or the table's) names.
fn resolve(scheme: &str, layout: Option<&str>, kw: &Kwargs<'_>) -> PyResult<(Init, Layout)> {
    // The keywords' values, owned here while the parameter structs borrow their strings.
    enum Owned {
        Text(String),
        Arg(Arg<'static>),
    }
    let mut entries: Vec<(String, Owned)> = Vec::new();
    for k in kw.keys()? {
        // A keyword given as None is not given.
        let Some(v) = kw.get(&k)? else { continue };
        let o = if let Ok(t) = v.extract::<String>() {
            Owned::Text(t)
        } else if let Ok(i) = v.extract::<i64>() {
            Owned::Arg(Arg::Int(i))
        } else if let Ok(x) = v.extract::<f64>() {
            Owned::Arg(Arg::Num(x))
        } else if let Ok(axes) = v.extract::<Vec<i64>>() {
            if axes.iter().any(|a| !(0..64).contains(a)) {
                return Err(PyValueError::new_err(format!("{k}: non-negative axes below 64 only")));
            }
            Owned::Arg(Arg::Axes(axes.iter().fold(0u64, |m, &a| m | 1 << a)))
        } else {
            return Err(PyTypeError::new_err(format!("{k} must be a number, a string or a list of axes")));
        };
        entries.push((k, o));
    }
    let args = entries.iter().map(|(k, o)| {
        let a = match o {
            Owned::Text(t) => Arg::Text(t),
            Owned::Arg(a) => *a,
        };
        (k.as_str(), a)
    });
    if let Some(f) = framework_init(scheme) {
        if layout.is_some() {
            return Err(PyValueError::new_err(format!("{scheme} uses its framework's layout: layout does not apply")));
        }
        let mut p = FrameworkParams::default();
        for (k, a) in args {
            p.set(k, a).map_err(|e| PyTypeError::new_err(format!("{scheme}: {k}: {e} (it takes: {})", f.source)))?;
        }
        let r = f.resolve(&p).map_err(|e| PyValueError::new_err(format!("{scheme}: {e} (it takes: {})", f.source)))?;
        return Ok((r.init, r.layout));
    }
    let id = SchemeId::from_name(scheme).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown scheme '{scheme}': a weightinit scheme (he-normal, ...) or a framework name (torch:kaiming_normal_, keras:he_normal, jax:lecun_normal, ...)"
        ))
    })?;
    let mut p = SchemeParams::default();
    for (k, a) in args {
        p.set(k, a).map_err(|e| {
            let msg = format!("{scheme}: {k}: {e}");
            // A keyword no scheme takes or a value of the wrong type is a TypeError; a wrong value a ValueError.
            let wrong_type = matches!(e, weightinit_core::Error::InvalidParameter { reason, .. }
                if reason.starts_with("is not a parameter") || reason == "must be a number" || reason == "must be a string"
                    || reason == "must be an integer axis");
            if wrong_type { PyTypeError::new_err(msg) } else { PyValueError::new_err(msg) }
        })?;
    }
    let init = Init::from_params(id, &p).map_err(value_err)?;
    Ok((init, layout_of(layout, p.groups.unwrap_or(1))?))
}

fn explanation<'py>(py: Python<'py>, e: &Explanation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("scheme", e.scheme)?;
    d.set_item("fan_in", e.fans.map(|f| f.fan_in))?;
    d.set_item("fan_out", e.fans.map(|f| f.fan_out))?;
    d.set_item("mode", e.mode.map(weightinit_core::init::scheme::mode_name))?;
    d.set_item("fan", e.fan)?;
    d.set_item("gain", e.gain)?;
    d.set_item("std", e.std)?;
    d.set_item("bound", e.bound)?;
    d.set_item("distribution", e.values.to_string())?;
    let kind = match e.values {
        Values::Constant { .. } => "constant",
        Values::Uniform { .. } => "uniform",
        Values::Normal { .. } => "normal",
        Values::TruncatedNormal { .. } => "truncated_normal",
        Values::Orthogonal { .. } | Values::OrthogonalColumns { .. } => "orthogonal",
        Values::DeltaOrthogonal { .. } => "delta_orthogonal",
        Values::Eye { .. } => "eye",
        Values::Dirac { .. } => "dirac",
        Values::Sparse { .. } => "sparse",
    };
    d.set_item("kind", kind)?;
    d.set_item("formula", e.formula)?;
    Ok(d)
}

/// `explain(scheme, shape, layout=None, **kwargs) -> dict`.
#[pyfunction]
#[pyo3(signature = (scheme, shape, layout=None, **kwargs))]
fn explain<'py>(
    py: Python<'py>,
    scheme: &str,
    shape: Vec<usize>,
    layout: Option<&str>,
    kwargs: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (init, layout) = resolve(scheme, layout, &Kwargs(kwargs))?;
    let mut e = init.explain(&shape, layout).map_err(value_err)?;
    if let Some(f) = framework_init(scheme) {
        e.scheme = f.name;
    }
    explanation(py, &e)
}

/// Fills `out` (the whole tensor or the shard's box, row-major) on up to `threads` threads.
#[allow(clippy::too_many_arguments)]
fn fill_slice<T: Float>(
    init: Init,
    layout: Layout,
    stream: Stream,
    shape: &[usize],
    shard: Option<&(Vec<usize>, Vec<usize>)>,
    threads: usize,
    out: &mut [T],
) -> Result<Explanation, weightinit_core::Error> {
    if let Some((start, len)) = shard {
        let mut ws = vec![0.0f64; init.shard_workspace_len(shape, start, len)?];
        return init.fill_shard_threads(&stream, shape, layout, start, len, out, &mut ws, threads);
    }
    let e = init.explain(shape, layout)?;
    let element_wise = init.workspace_len(shape)? == 0
        && !matches!(e.values, Values::Eye { .. } | Values::Dirac { .. } | Values::Sparse { .. });
    // Below a million values a second thread costs more than it saves.
    if !element_wise || threads <= 1 || out.len() < 1 << 20 {
        let mut ws = vec![0.0f64; init.workspace_len(shape)?];
        return init.fill_threads(&stream, shape, layout, out, &mut ws, threads);
    }
    let chunk = out.len().div_ceil(threads);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(i, c)| {
                let stream = &stream;
                s.spawn(move || init.fill_range(stream, shape, layout, i * chunk, c))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a fill thread panicked")).collect()
    });
    results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(e)
}

/// `fill(out, scheme, shape, seed, key, layout, shard, threads, **kwargs) -> dict`: fills the C-contiguous,
/// writable float32 or float64 NumPy array `out` (the tensor of `shape`, or the box `shard` of it: a list
/// of `(start, stop)` per dimension) with the GIL released; returns the init report.
#[pyfunction]
#[pyo3(signature = (out, scheme, shape, seed=0, key=0, layout=None, shard=None, threads=None, **kwargs))]
#[allow(clippy::too_many_arguments)]
fn fill<'py>(
    py: Python<'py>,
    out: &Bound<'py, PyAny>,
    scheme: &str,
    shape: Vec<usize>,
    seed: u64,
    key: u64,
    layout: Option<&str>,
    shard: Option<Vec<(usize, usize)>>,
    threads: Option<usize>,
    kwargs: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (init, layout) = resolve(scheme, layout, &Kwargs(kwargs))?;
    let shard = match shard {
        None => None,
        Some(s) => {
            if s.iter().any(|&(a, b)| b < a) {
                return Err(PyValueError::new_err("shard: each (start, stop) needs stop >= start"));
            }
            Some((s.iter().map(|r| r.0).collect::<Vec<_>>(), s.iter().map(|r| r.1 - r.0).collect::<Vec<_>>()))
        }
    };
    let threads = match threads {
        Some(0) => return Err(PyValueError::new_err("threads must be >= 1")),
        Some(t) => t.min(1024),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let stream = Stream::new(seed, key);
    let run = |r: Result<Explanation, weightinit_core::Error>| r.map_err(value_err);
    macro_rules! go {
        ($t:ty) => {
            if let Ok(a) = out.cast::<PyArrayDyn<$t>>() {
                if !a.is_c_contiguous() {
                    return Err(PyValueError::new_err("the array must be C-contiguous"));
                }
                let mut rw =
                    a.try_readwrite().map_err(|e| PyValueError::new_err(format!("the array is not writable: {e}")))?;
                let slice = rw.as_slice_mut().map_err(|e| PyValueError::new_err(e.to_string()))?;
                let (shape, shard) = (&shape, shard.as_ref());
                let e = run(py.detach(move || fill_slice::<$t>(init, layout, stream, shape, shard, threads, slice)))?;
                return explanation(py, &e);
            }
        };
    }
    go!(f32);
    go!(f64);
    Err(PyTypeError::new_err("out must be a float32 or float64 NumPy array"))
}

/// A position-addressed random stream: element `offset + i` of every fill is a pure function of
/// `(seed, key, offset + i)`.
#[pyclass(name = "Stream", module = "weightinit", frozen)]
struct PyStream {
    stream: Stream,
    seed: u64,
    key: u64,
}

fn new_array<'py, T: numpy::Element>(py: Python<'py>, n: usize) -> Bound<'py, PyArrayDyn<T>> {
    PyArrayDyn::<T>::zeros(py, vec![n], false)
}

macro_rules! stream_fill {
    ($self:ident, $py:ident, $n:ident, $dtype:ident, |$s:ident, $o:ident| $body:expr) => {{
        match $dtype {
            "float32" => {
                let a = new_array::<f32>($py, $n);
                {
                    let mut rw = a.readwrite();
                    let $o = rw.as_slice_mut().expect("a new array is contiguous");
                    let $s = &$self.stream;
                    $py.detach(|| $body).map_err(value_err)?;
                }
                Ok(a.into_any())
            }
            "float64" => {
                let a = new_array::<f64>($py, $n);
                {
                    let mut rw = a.readwrite();
                    let $o = rw.as_slice_mut().expect("a new array is contiguous");
                    let $s = &$self.stream;
                    $py.detach(|| $body).map_err(value_err)?;
                }
                Ok(a.into_any())
            }
            d => Err(PyValueError::new_err(format!("dtype '{d}': accepted float32, float64"))),
        }
    }};
}

#[pymethods]
impl PyStream {
    #[new]
    #[pyo3(signature = (seed=0, key=0))]
    fn new(seed: u64, key: u64) -> Self {
        PyStream { stream: Stream::new(seed, key), seed, key }
    }

    fn __repr__(&self) -> String {
        format!("Stream(seed={}, key={})", self.seed, self.key)
    }

    /// `uniform(offset, n, low=0.0, high=1.0, dtype="float32")`: elements `offset .. offset + n` of
    /// `U[low, high)`.
    #[pyo3(signature = (offset, n, low=0.0, high=1.0, dtype="float32"))]
    fn uniform<'py>(
        &self,
        py: Python<'py>,
        offset: u64,
        n: usize,
        low: f64,
        high: f64,
        dtype: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        stream_fill!(self, py, n, dtype, |s, o| s.fill_uniform(offset, o, Float::from_f64(low), Float::from_f64(high)))
    }

    /// `normal(offset, n, mean=0.0, std=1.0, dtype="float32")`.
    #[pyo3(signature = (offset, n, mean=0.0, std=1.0, dtype="float32"))]
    fn normal<'py>(
        &self,
        py: Python<'py>,
        offset: u64,
        n: usize,
        mean: f64,
        std: f64,
        dtype: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        stream_fill!(self, py, n, dtype, |s, o| s.fill_normal(offset, o, Float::from_f64(mean), Float::from_f64(std)))
    }

    /// `truncated_normal(offset, n, mean=0.0, std=1.0, low=-2.0, high=2.0, bounds="std", dtype="float32")`:
    /// bounds in std units around the mean (Keras, JAX) or `bounds="absolute"` (PyTorch's `a`, `b`).
    #[pyo3(signature = (offset, n, mean=0.0, std=1.0, low=-2.0, high=2.0, bounds="std", dtype="float32"))]
    #[allow(clippy::too_many_arguments)]
    fn truncated_normal<'py>(
        &self,
        py: Python<'py>,
        offset: u64,
        n: usize,
        mean: f64,
        std: f64,
        low: f64,
        high: f64,
        bounds: &str,
        dtype: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let b = match bounds {
            "std" => TruncBounds::StdUnits { low, high },
            "absolute" => TruncBounds::Absolute { a: low, b: high },
            other => return Err(PyValueError::new_err(format!("bounds '{other}': accepted std, absolute"))),
        };
        stream_fill!(self, py, n, dtype, |s, o| {
            let b = match b {
                TruncBounds::StdUnits { low, high } => {
                    TruncBounds::StdUnits { low: Float::from_f64(low), high: Float::from_f64(high) }
                }
                TruncBounds::Absolute { a, b } => {
                    TruncBounds::Absolute { a: Float::from_f64(a), b: Float::from_f64(b) }
                }
            };
            s.fill_truncated_normal(offset, o, Float::from_f64(mean), Float::from_f64(std), b)
        })
    }
}

/// Every scheme and framework initializer: a list of `(name, source)`.
#[pyfunction]
fn schemes<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
    let mut v: Vec<Bound<'py, PyTuple>> = Vec::new();
    for s in weightinit_core::init::SCHEMES {
        v.push(PyTuple::new(py, [s.name, s.summary])?);
    }
    for f in weightinit_core::init::framework::FRAMEWORK_INITS {
        v.push(PyTuple::new(py, [f.name, f.source])?);
        for a in f.also {
            v.push(PyTuple::new(py, [*a, f.source])?);
        }
    }
    PyList::new(py, v)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fill, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(schemes, m)?)?;
    m.add_class::<PyStream>()?;
    m.add("STREAM_FORMAT_VERSION", weightinit_core::STREAM_FORMAT_VERSION)?;
    Ok(())
}
