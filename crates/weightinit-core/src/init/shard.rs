//! Shards: a box of a tensor (a half-open range per dimension) filled with exactly the values the same box
//! of the whole fill holds, bit for bit, with no communication: element-wise schemes fill each contiguous
//! run of the box straight from the stream at its global offset; eye and dirac decide each element from its
//! position; sparse draws its normals per run and decides each column of the box from that column's own
//! selection; orthogonal needs the whole Householder product, so it computes the whole tensor in the caller's workspace and
//! copies the box.
//!
//! Cost of the element-wise runs: each half of a 4096-value stream block has its own lane generators, so a
//! run that starts at a half block (the column blocks `[:, 0:2048]` and `[:, 2048:4096]` of a `[n, 4096]`
//! matrix) steps nothing; one that starts inside a half steps that half's lanes past the values before
//! it (an eighth or so of generating them: `[:, 1024:3072]` costs about 6% more than its fill), and a
//! later run of the same block (rows narrower than a block) steps on from where the previous run stopped.
//! Boxes of at least [`STREAMING_MIN_LEN`](crate::sample::bulk::STREAMING_MIN_LEN) values stream their
//! runs past the cache; the partial cache lines at the ends of each run are fetched one run ahead.
//! `docs/performance.md` has the measured ratios against a contiguous fill.
//!
//! ```
//! use weightinit_core::{Stream, init::{Init, Layout}};
//! let (s, shape) = (Stream::new(7, 1), [6, 10]);
//! let mut whole = vec![0.0f32; 60];
//! Init::HE_NORMAL.fill(&s, &shape, Layout::Torch, &mut whole, &mut []).unwrap();
//! // Rows 2..5, columns 4..9 (a Megatron-style column block of those rows).
//! let mut part = vec![0.0f32; 3 * 5];
//! Init::HE_NORMAL.fill_shard(&s, &shape, Layout::Torch, &[2, 4], &[3, 5], &mut part, &mut []).unwrap();
//! for r in 0..3 {
//!     assert_eq!(&part[r * 5..r * 5 + 5], &whole[(2 + r) * 10 + 4..(2 + r) * 10 + 9]);
//! }
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::explain::{Explanation, check_fits};
use crate::init::fan::{Layout, numel};
use crate::init::orthogonal;
use crate::init::scheme::{Init, Values, fill_values, sparse_zero_rows};
use crate::stream::Stream;

/// Checks a box against `shape` and returns its element count. Errors: ranks that differ
/// ([`Error::InvalidShape`]), a zero length ([`Error::EmptyShard`]), a range past the shape
/// ([`Error::ShardOutOfBounds`]).
pub fn shard_len(shape: &[usize], start: &[usize], len: &[usize]) -> Result<usize> {
    if start.len() != shape.len() || len.len() != shape.len() {
        return Err(Error::InvalidShape { reason: "the box needs a start and a length for every dimension" });
    }
    numel(shape)?;
    let mut n = 1usize;
    for (axis, ((&s, &l), &d)) in start.iter().zip(len).zip(shape).enumerate() {
        if l == 0 {
            return Err(Error::EmptyShard { axis });
        }
        if s.checked_add(l).is_none_or(|end| end > d) {
            return Err(Error::ShardOutOfBounds { axis });
        }
        n = n.checked_mul(l).ok_or(Error::SizeOverflow)?;
    }
    Ok(n)
}

/// Calls `run(global_offset, box_offset, len)` for each contiguous run of the box in row-major order: the
/// trailing dimensions the box covers whole are merged into one run. (The caller checked the box.)
fn for_each_run(shape: &[usize], start: &[usize], len: &[usize], mut run: impl FnMut(usize, usize, usize)) {
    Runs::new(shape, start, len).for_each(|(g, o, l)| run(g, o, l));
}

/// The runs of [`for_each_run`] as an iterator of `(global_offset, box_offset, len)`.
struct Runs<'a> {
    shape: &'a [usize],
    start: &'a [usize],
    len: &'a [usize],
    /// The first dimension inside a run.
    k: usize,
    run_len: usize,
    total: usize,
    out_at: usize,
}

impl<'a> Runs<'a> {
    fn new(shape: &'a [usize], start: &'a [usize], len: &'a [usize]) -> Runs<'a> {
        let rank = shape.len();
        if rank == 0 {
            // A scalar: one element.
            return Runs { shape, start, len, k: 0, run_len: 1, total: 1, out_at: 0 };
        }
        // The run: the last dimension, and each one before it while the ones after it are whole.
        let mut k = rank - 1;
        let mut run_len = len[k];
        while k > 0 && len[k] == shape[k] {
            k -= 1;
            run_len *= len[k];
        }
        Runs { shape, start, len, k, run_len, total: len.iter().product(), out_at: 0 }
    }
}

impl Iterator for Runs<'_> {
    type Item = (usize, usize, usize);

    #[inline]
    fn next(&mut self) -> Option<(usize, usize, usize)> {
        if self.out_at >= self.total || self.run_len == 0 {
            return None;
        }
        // The run's global offset from its index in the box (dimensions before `k`), row-major.
        let mut rest = self.out_at / self.run_len;
        let (mut global, mut stride) = (0usize, 1usize);
        for d in (0..self.shape.len()).rev() {
            let i = if d < self.k {
                let i = rest % self.len[d];
                rest /= self.len[d];
                i
            } else {
                0
            };
            global += (self.start[d] + i) * stride;
            stride = stride.wrapping_mul(self.shape[d]);
        }
        let at = self.out_at;
        self.out_at += self.run_len;
        Some((global, at, self.run_len))
    }
}

impl Init {
    /// `f64` workspace elements [`Init::fill_shard`] needs: orthogonal computes the whole tensor (its Householder product
    /// workspace plus the tensor in f64); every other scheme needs none.
    pub fn shard_workspace_len(&self, shape: &[usize], start: &[usize], len: &[usize]) -> Result<usize> {
        shard_len(shape, start, len)?;
        match self {
            Init::Orthogonal { .. } => {
                orthogonal::workspace_len(shape)?.checked_add(numel(shape)?).ok_or(Error::SizeOverflow)
            }
            Init::OrthogonalColumns { .. } | Init::DeltaOrthogonal { .. } => self.workspace_len(shape),
            _ => Ok(0),
        }
    }

    /// Fills `out` with the box `start[d] .. start[d] + len[d]` of the tensor [`Init::fill`] would produce,
    /// in row-major order over the box, bit for bit the same values. `workspace` is used by orthogonal only
    /// ([`Init::shard_workspace_len`]: the whole product is computed there and the box copied out).
    ///
    /// Errors: as [`Init::explain`]; a box of another rank ([`Error::InvalidShape`]), with a zero length
    /// ([`Error::EmptyShard`]) or past the shape ([`Error::ShardOutOfBounds`]); `out` shorter than the box
    /// ([`Error::BufferTooSmall`]; only the box's first elements are written); a short workspace.
    #[allow(clippy::too_many_arguments)]
    pub fn fill_shard<T: Float>(
        &self,
        stream: &Stream,
        shape: &[usize],
        layout: Layout,
        start: &[usize],
        len: &[usize],
        out: &mut [T],
        workspace: &mut [f64],
    ) -> Result<Explanation> {
        self.fill_shard_threads(stream, shape, layout, start, len, out, workspace, 1)
    }

    /// [`Init::fill_shard`] with the orthogonal schemes' Householder products on up to `threads` threads
    /// (feature `std`): the same bits for every `threads`.
    #[allow(clippy::too_many_arguments)]
    pub fn fill_shard_threads<T: Float>(
        &self,
        stream: &Stream,
        shape: &[usize],
        layout: Layout,
        start: &[usize],
        len: &[usize],
        out: &mut [T],
        workspace: &mut [f64],
        threads: usize,
    ) -> Result<Explanation> {
        let e = self.explain(shape, layout)?;
        check_fits::<T>(&e)?;
        let n = shard_len(shape, start, len)?;
        if out.len() < n {
            return Err(Error::BufferTooSmall { needed: n, actual: out.len() });
        }
        let out = &mut out[..n];
        // A large box is written run by run (one row of a column block at a time): each run streams past
        // the cache as one large fill would, unless the caller chose a policy.
        let hinted;
        let stream = if stream.streaming_stores().is_none() && n >= crate::sample::bulk::STREAMING_MIN_LEN {
            hinted = stream.with_streaming_stores(true);
            &hinted
        } else {
            stream
        };
        match e.values {
            Values::Orthogonal { gain } => {
                let total = numel(shape)?;
                let needed = self.shard_workspace_len(shape, start, len)?;
                if workspace.len() < needed {
                    return Err(Error::BufferTooSmall { needed, actual: workspace.len() });
                }
                let (whole, ws) = workspace[..needed].split_at_mut(total);
                orthogonal::fill_orthogonal_f64::<T>(stream, shape, gain, whole, ws, threads)?;
                for_each_run(shape, start, len, |g, o, l| {
                    for (d, &s) in out[o..o + l].iter_mut().zip(&whole[g..g + l]) {
                        *d = T::from_f64(s);
                    }
                });
            }
            Values::Eye { gain } => {
                let cols = shape[1];
                for_each_run(shape, start, len, |g, o, l| {
                    for (i, d) in out[o..o + l].iter_mut().enumerate() {
                        let at = g + i;
                        *d = if at / cols == at % cols { T::from_f64(gain) } else { T::ZERO };
                    }
                });
            }
            Values::OrthogonalColumns { gain, column_axis } => {
                let needed = self.shard_workspace_len(shape, start, len)?;
                if workspace.len() < needed {
                    return Err(Error::BufferTooSmall { needed, actual: workspace.len() });
                }
                let at =
                    orthogonal::columns_matrix::<T>(stream, shape, gain, column_axis as isize, workspace, threads)?;
                for_each_run(shape, start, len, |g, o, l| {
                    for (i, d) in out[o..o + l].iter_mut().enumerate() {
                        *d = T::from_f64(workspace[at(g + i)]);
                    }
                });
            }
            Values::DeltaOrthogonal { gain, column_axis } => {
                let needed = self.shard_workspace_len(shape, start, len)?;
                if workspace.len() < needed {
                    return Err(Error::BufferTooSmall { needed, actual: workspace.len() });
                }
                let r = shape.len();
                let mat = shape[r - 2] * shape[r - 1];
                let at = orthogonal::columns_matrix::<T>(
                    stream,
                    &shape[r - 2..],
                    gain,
                    column_axis as isize,
                    workspace,
                    threads,
                )?;
                let centre = orthogonal::delta_centre(shape) * mat;
                for_each_run(shape, start, len, |g, o, l| {
                    for (i, d) in out[o..o + l].iter_mut().enumerate() {
                        let k = g + i;
                        *d = if (centre..centre + mat).contains(&k) {
                            T::from_f64(workspace[at(k - centre)])
                        } else {
                            T::ZERO
                        };
                    }
                });
            }
            Values::Dirac { groups } => {
                let per_group = shape[0] / groups;
                let kernel: usize = shape[2..].iter().product();
                let mut centre = 0;
                for &d in &shape[2..] {
                    centre = centre * d + d / 2;
                }
                let in_ch = shape[1];
                for_each_run(shape, start, len, |g, o, l| {
                    for (i, d) in out[o..o + l].iter_mut().enumerate() {
                        let at = g + i;
                        let (oc, ic, k) = (at / (in_ch * kernel), (at / kernel) % in_ch, at % kernel);
                        let dd = oc % per_group;
                        *d = if k == centre && ic == dd && dd < in_ch { T::ONE } else { T::ZERO };
                    }
                });
            }
            Values::Sparse { std, zeros_per_column } => {
                let mut result = Ok(());
                for_each_run(shape, start, len, |g, o, l| {
                    if result.is_ok() {
                        result = stream.fill_normal(g as u64, &mut out[o..o + l], T::ZERO, T::from_f64(std));
                    }
                });
                result?;
                let (rows, cols) = (shape[0], shape[1]);
                for (bc, c) in (start[1]..start[1] + len[1]).enumerate() {
                    sparse_zero_rows(stream, rows, cols, c, zeros_per_column, |r| {
                        if (start[0]..start[0] + len[0]).contains(&r) {
                            out[(r - start[0]) * len[1] + bc] = T::ZERO;
                        }
                    })?;
                }
            }
            values => {
                if let (Some(o), Some(v)) = (T::f32s_mut(out), super::scheme::bulk_f32(values)?) {
                    // Every run in one call of the ISA's code.
                    let mut runs = Runs::new(shape, start, len).map(|(g, o, l)| (g as u64, o, l));
                    v.run_runs(stream.isa(), stream, &mut runs, o);
                    return Ok(e);
                }
                let mut result = Ok(());
                for_each_run(shape, start, len, |g, o, l| {
                    if result.is_ok() {
                        result = fill_values(stream, values, g as u64, &mut out[o..o + l]);
                    }
                });
                result?;
            }
        }
        Ok(e)
    }
}
