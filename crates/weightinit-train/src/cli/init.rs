//! `weightinit init`: one initialized tensor, or a shard (a box) of it, as a NumPy `.npy` file.

use std::path::PathBuf;

use clap::Args;
use weightinit_core::Stream;
use weightinit_core::init::{Init, Layout, check_fits, shard_len};

use super::args::{DtypeArg, SchemeArgs};
use super::{CliError, check_memory, check_writable, core_err, usage};
use crate::io::{TensorData, npy_bytes, npy_header, write_atomic_with, write_npy};

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
    /// Write only this box of the tensor: a half-open range START:END per dimension (`:` for a whole
    /// dimension, `S:` or `:E` for an open end), comma-separated. The file holds the box, of the box's
    /// shape, with the same values as the same box of the whole tensor.
    #[arg(long, value_name = "S0:E0,S1:E1,...")]
    pub(super) shard: Option<String>,
    /// Output .npy file (written atomically).
    #[arg(long, value_name = "FILE.npy")]
    pub(super) out: PathBuf,
}

/// The tensor (or box) to write, every argument checked (no I/O).
struct Plan {
    shape: Vec<usize>,
    init: Init,
    layout: Layout,
    start: Vec<usize>,
    len: Vec<usize>,
    /// Elements of the box (the whole tensor without `--shard`).
    n: usize,
    /// `f64` workspace elements.
    ws: usize,
}

/// Parses `--shard` for `shape` into `(start, len)`; the box itself is checked by the core.
fn parse_shard(spec: &str, shape: &[usize]) -> Result<(Vec<usize>, Vec<usize>), CliError> {
    let bad = |why: &str| usage(format!("invalid --shard '{spec}': {why}"));
    let ranges: Vec<&str> = spec.split(',').map(str::trim).collect();
    if ranges.len() != shape.len() {
        return Err(bad(&format!("{} ranges for a shape of {} dimensions", ranges.len(), shape.len())));
    }
    let (mut start, mut len) = (Vec::new(), Vec::new());
    for (r, &d) in ranges.iter().zip(shape) {
        let (s, e) = r.split_once(':').ok_or_else(|| bad("each range is START:END (half-open) or ':'"))?;
        let num = |x: &str, default: usize| -> Result<usize, CliError> {
            if x.trim().is_empty() {
                Ok(default)
            } else {
                x.trim().parse().map_err(|_| bad(&format!("'{x}' is not an index")))
            }
        };
        let (s, e) = (num(s, 0)?, num(e, d)?);
        if e < s {
            return Err(bad(&format!("range {s}:{e} ends before it starts")));
        }
        start.push(s);
        len.push(e - s);
    }
    Ok((start, len))
}

/// Checks the arguments, the box, that the values fit the element type, and that the box and its workspace
/// fit the memory available.
fn prepare(a: &InitArgs) -> Result<Plan, CliError> {
    let shape = a.scheme.shape()?;
    let (init, layout) = a.scheme.resolve()?;
    let e = init.explain(&shape, layout).map_err(core_err)?;
    let elem = match a.dtype {
        DtypeArg::F32 => check_fits::<f32>(&e).map(|()| 4u128),
        DtypeArg::F64 => check_fits::<f64>(&e).map(|()| 8u128),
    }
    .map_err(core_err)?;
    let (start, len) = match &a.shard {
        Some(spec) => parse_shard(spec, &shape)?,
        None => (vec![0; shape.len()], shape.clone()),
    };
    let n = shard_len(&shape, &start, &len).map_err(core_err)?;
    let ws = init.shard_workspace_len(&shape, &start, &len).map_err(core_err)?;
    // Schemes without a workspace are written piece by piece (`write_streamed`): only the pieces in
    // flight are in memory. The others hold the whole tensor and its workspace.
    let in_memory = if ws == 0 {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        (chunk_values().min(n) * threads) as u128 * elem
    } else {
        n as u128 * elem + ws as u128 * 8
    };
    check_memory(in_memory, "the tensor and its workspace")?;
    Ok(Plan { shape, init, layout, start, len, n, ws })
}

/// Fills the plan's box in `T`.
fn fill<T: weightinit_core::Float>(p: &Plan, stream: &Stream) -> Result<Vec<T>, CliError> {
    let mut out = vec![T::ZERO; p.n];
    let mut ws = vec![0.0f64; p.ws];
    // All cores for the orthogonal schemes' Householder products (the bits do not depend on it).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    p.init
        .fill_shard_threads(stream, &p.shape, p.layout, &p.start, &p.len, &mut out, &mut ws, threads)
        .map_err(core_err)?;
    Ok(out)
}

/// [`prepare`], then, for at most [`super::CHECK_MAX_VALUES`] values, the `.npy` bytes `run` would write.
pub(super) fn check(a: &InitArgs) -> Result<Option<Vec<u8>>, CliError> {
    let p = prepare(a)?;
    if p.n > super::CHECK_MAX_VALUES {
        return Ok(None);
    }
    let stream = Stream::new(a.seed, a.key);
    Ok(Some(match a.dtype {
        DtypeArg::F32 => npy_bytes(TensorData::F32(&fill::<f32>(&p, &stream)?), &p.len),
        DtypeArg::F64 => npy_bytes(TensorData::F64(&fill::<f64>(&p, &stream)?), &p.len),
    }))
}

pub(super) fn run(a: InitArgs) -> Result<(), CliError> {
    let p = prepare(&a)?;
    check_writable(&a.out, "--out")?;
    let elem = if a.dtype == DtypeArg::F32 { 4u128 } else { 8 };
    check_free_space(&a.out, p.n as u128 * elem + 128)?;
    let stream = Stream::new(a.seed, a.key);
    let written = match (a.dtype, p.ws == 0) {
        (DtypeArg::F32, true) => write_streamed::<f32>(&a.out, &p, &stream, TensorData::F32(&[])),
        (DtypeArg::F64, true) => write_streamed::<f64>(&a.out, &p, &stream, TensorData::F64(&[])),
        (DtypeArg::F32, false) => write_npy(&a.out, TensorData::F32(&fill::<f32>(&p, &stream)?), &p.len),
        (DtypeArg::F64, false) => write_npy(&a.out, TensorData::F64(&fill::<f64>(&p, &stream)?), &p.len),
    };
    written.map_err(|e| CliError::Failed(format!("--out {}: {e}", a.out.display())))
}

/// Refuses (exit 2) a file of `bytes` larger than the free space of its destination's file system, before
/// anything is written (a disk that fills anyway is an I/O error, and the temporary file is removed).
pub(super) fn check_free_space(path: &std::path::Path, bytes: u128) -> Result<(), CliError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if let Ok(free) = fs4::available_space(dir)
        && bytes > free as u128
    {
        let gib = |b: u128| b as f64 / (1u64 << 30) as f64;
        return Err(usage(format!(
            "{}: the file needs {:.2} GiB, {:.2} GiB is free there",
            path.display(),
            gib(bytes),
            gib(free as u128)
        )));
    }
    Ok(())
}

/// Values per piece of a streamed fill: 8 Mi (32 MiB of f32) per thread, so a 16 GiB tensor is written
/// with about 100 MiB of memory. `WEIGHTINIT_CHUNK_VALUES` overrides it (tests use small pieces).
fn chunk_values() -> usize {
    std::env::var("WEIGHTINIT_CHUNK_VALUES").ok().and_then(|v| v.parse().ok()).filter(|&v| v > 0).unwrap_or(8 << 20)
}

/// The sub-boxes of the box `(start, len)` in row-major order, each of at most `chunk` values (or one row
/// of the last dimension's pieces): fixed indices on the dimensions before `d`, a range of `d`, whole
/// ranges after it, where `d` is the first dimension whose trailing block fits `chunk`.
struct SubBoxes {
    start: Vec<usize>,
    len: Vec<usize>,
    d: usize,
    step: usize,
    /// The next sub-box's offsets from `start` in dimensions `..=d` (None when done).
    at: Option<Vec<usize>>,
}

impl SubBoxes {
    fn new(start: &[usize], len: &[usize], chunk: usize) -> SubBoxes {
        let r = len.len();
        let d = (0..r).find(|&d| len[d + 1..].iter().product::<usize>() <= chunk).unwrap_or(r - 1);
        let inner: usize = len[d + 1..].iter().product();
        let step = (chunk / inner.max(1)).clamp(1, len[d]);
        SubBoxes { start: start.to_vec(), len: len.to_vec(), d, step, at: Some(vec![0; d + 1]) }
    }
}

impl Iterator for SubBoxes {
    type Item = (Vec<usize>, Vec<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.at.take()?;
        let d = self.d;
        let mut s = self.start.clone();
        let mut l = self.len.clone();
        for k in 0..d {
            s[k] += at[k];
            l[k] = 1;
        }
        s[d] += at[d];
        l[d] = self.step.min(self.len[d] - at[d]);
        // Advance: the range of d, then the odometer of the dimensions before it.
        let mut next = at;
        next[d] += l[d];
        let mut k = d;
        while next[k] >= self.len[k] {
            if k == 0 {
                return Some((s, l));
            }
            next[k] = 0;
            k -= 1;
            next[k] += 1;
        }
        self.at = Some(next);
        Some((s, l))
    }
}

/// Writes the plan's box as `.npy` piece by piece (`kind` gives the element type): each piece a sub-box
/// filled by `fill_shard` (the same bits as the whole fill), as many pieces at once as there are cores.
fn write_streamed<T: weightinit_core::Float>(
    path: &std::path::Path,
    p: &Plan,
    stream: &Stream,
    kind: TensorData<'_>,
) -> std::io::Result<()> {
    use std::io::Write;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    write_atomic_with(path, |w| {
        w.write_all(&npy_header(kind, &p.len))?;
        let mut boxes = SubBoxes::new(&p.start, &p.len, chunk_values());
        loop {
            let batch: Vec<_> = boxes.by_ref().take(threads).collect();
            if batch.is_empty() {
                return Ok(());
            }
            let pieces: Vec<Result<Vec<T>, weightinit_core::Error>> = std::thread::scope(|s| {
                let handles: Vec<_> = batch
                    .iter()
                    .map(|(st, ln)| {
                        s.spawn(move || {
                            let mut v = vec![T::ZERO; ln.iter().product()];
                            p.init.fill_shard(stream, &p.shape, p.layout, st, ln, &mut v, &mut []).map(|_| v)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().expect("a fill thread panicked")).collect()
            });
            for piece in pieces {
                let v = piece.map_err(|e| std::io::Error::other(e.to_string()))?;
                // Little-endian values: the low bytes of `to_bits_u64` (f32's 32 bits, f64's 64).
                let size = core::mem::size_of::<T>();
                let mut bytes = Vec::with_capacity(v.len() * size);
                for x in &v {
                    bytes.extend_from_slice(&x.to_bits_u64().to_le_bytes()[..size]);
                }
                w.write_all(&bytes)?;
            }
        }
    })
}
