//! The fills of a [`Stream`]: any [`Distribution`] from the blocks' sequential generators, and the named
//! uniform, normal and truncated-normal fills on the vectorized bulk paths ([`bulk`]), serial or on
//! several threads (std) with the same bits.

use crate::error::Result;
use crate::float::Float;
use crate::sample::{Distribution, Normal, NormalMethod, TruncBounds, TruncatedNormal, Uniform, bulk};
#[cfg(feature = "std")]
use crate::stream::BLOCK_LEN;
use crate::stream::{Stream, block_spans};

impl Stream {
    /// Fills `out` with elements `offset .. offset + out.len()` of `dist` on this stream, from each block's
    /// sequential generator ([`Stream::block_rng`]). Only the blocks the range touches are generated.
    /// Errors: `offset + out.len()` overflows `u64`.
    pub fn fill<T, D: Distribution<T>>(&self, dist: &D, offset: u64, out: &mut [T]) -> Result<()> {
        Stream::check_range(offset, out.len())?;
        let mut rest = out;
        for (block, within, n) in block_spans(offset, rest.len()) {
            let (head, tail) = rest.split_at_mut(n);
            dist.fill_block(&mut self.block_rng(block), within, head);
            rest = tail;
        }
        Ok(())
    }

    /// Uniform on `[low, high)`: see [`Uniform`] (lane blocks, vectorized).
    pub fn fill_uniform<T: Float>(&self, offset: u64, out: &mut [T], low: T, high: T) -> Result<()> {
        let p = Uniform::new(low, high)?.params();
        Stream::check_range(offset, out.len())?;
        if let Some(o) = T::f32s_mut(out) {
            self.isa().run(bulk::UniformF32 { stream: self, offset, out: o, p: &p.cast() });
        } else if let Some(o) = T::f64s_mut(out) {
            self.isa().run(bulk::UniformF64 { stream: self, offset, out: o, p: &p.cast() });
        }
        Ok(())
    }

    /// N(mean, std^2) by the type's default method, [`NormalMethod::default_for`]: the vectorized
    /// polynomial Box-Muller for `f32`, the ziggurat for `f64`.
    pub fn fill_normal<T: Float>(&self, offset: u64, out: &mut [T], mean: T, std: T) -> Result<()> {
        self.fill_normal_with(NormalMethod::default_for::<T>(), offset, out, mean, std)
    }

    /// N(mean, std^2) by a chosen method. [`NormalMethod::BoxMullerPoly`] runs the vectorized bulk path
    /// (in `f64`, the f32 standard normals widened, then `mean + std z`).
    pub fn fill_normal_with<T: Float>(
        &self,
        method: NormalMethod,
        offset: u64,
        out: &mut [T],
        mean: T,
        std: T,
    ) -> Result<()> {
        let d = Normal::new(mean, std, method)?;
        if method != NormalMethod::BoxMullerPoly {
            return self.fill(&d, offset, out);
        }
        Stream::check_range(offset, out.len())?;
        if let Some(o) = T::f32s_mut(out) {
            let (mean, std) = (mean.to_f64() as f32, std.to_f64() as f32);
            self.isa().run(bulk::NormalF32 { stream: self, offset, out: o, mean, std });
        } else {
            let mut tmp = [0.0f32; 256];
            let mut pos = offset;
            for chunk in out.chunks_mut(256) {
                let t = &mut tmp[..chunk.len()];
                bulk::normal_f32(self.isa(), self, pos, t, 0.0, 1.0);
                for (o, &z) in chunk.iter_mut().zip(t.iter()) {
                    *o = mean + std * T::from_f32(z);
                }
                pos += chunk.len() as u64;
            }
        }
        Ok(())
    }

    /// N(mean, std^2) truncated to `bounds`: see [`TruncatedNormal`].
    pub fn fill_truncated_normal<T: Float>(
        &self,
        offset: u64,
        out: &mut [T],
        mean: T,
        std: T,
        bounds: TruncBounds<T>,
    ) -> Result<()> {
        let t = TruncatedNormal::new(mean, std, bounds)?;
        Stream::check_range(offset, out.len())?;
        if let Some(p) = t.fast_params()
            && let Some(o) = T::f32s_mut(out)
        {
            self.isa().run(bulk::TruncatedF32 { stream: self, offset, out: o, t: &p });
            return Ok(());
        }
        self.fill(&t, offset, out)
    }
}

/// Pieces per thread of the `fill_*_parallel` methods.
#[cfg(feature = "std")]
const PIECES_PER_THREAD: usize = 8;

/// Most threads a `fill_*_parallel` call starts (larger requests are capped; the bits do not depend on it).
#[cfg(feature = "std")]
pub const MAX_THREADS: usize = 1024;

#[cfg(feature = "std")]
impl Stream {
    /// Runs `fill` over `out` on `threads` (>= 1) threads (the caller's and `threads - 1` spawned), in
    /// pieces cut at block boundaries: the bytes are the same as one sequential fill, for any thread count.
    /// There are about [`PIECES_PER_THREAD`] pieces per thread, claimed in order from a shared counter, so a
    /// thread on a slower core fills fewer of them (a fixed share each made the fill wait for the slowest
    /// core: on this 2-core VM one core is often 30-50% slower than the other).
    fn parallel<T: Send>(
        &self,
        offset: u64,
        out: &mut [T],
        threads: usize,
        fill: impl Fn(u64, &mut [T]) -> Result<()> + Sync,
    ) -> Result<()> {
        use std::sync::Mutex;
        Stream::check_range(offset, out.len())?;
        // More threads than pieces of work, or than the OS will start, only cost: at most MAX_THREADS.
        let threads = threads.clamp(1, MAX_THREADS);
        let len = out.len() as u64;
        if threads == 1 || len <= BLOCK_LEN {
            return fill(offset, out);
        }
        // Pieces of whole blocks (absolute positions), the first and last possibly partial.
        let pieces = (threads * PIECES_PER_THREAD) as u64;
        let step = len.div_ceil(pieces).div_ceil(BLOCK_LEN).max(1) * BLOCK_LEN;
        let mut parts = std::vec::Vec::new();
        let mut rest = out;
        let mut pos = offset;
        while !rest.is_empty() {
            // The next multiple of `step`, or the end (that multiple can lie past u64::MAX).
            let end = offset + len;
            let next = (pos / step + 1).checked_mul(step).map_or(end, |b| b.min(end));
            let (part, tail) = rest.split_at_mut((next - pos) as usize);
            parts.push((pos, part));
            rest = tail;
            pos = next;
        }
        let failed: Mutex<Option<crate::error::Error>> = Mutex::new(None);
        crate::par::for_each_part(threads, parts, |_, (at, part)| {
            if let Err(e) = fill(at, part) {
                failed.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
            }
        });
        match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// [`Stream::fill_uniform`] on `threads` threads, with identical bits.
    pub fn fill_uniform_parallel<T: Float>(
        &self,
        offset: u64,
        out: &mut [T],
        low: T,
        high: T,
        threads: usize,
    ) -> Result<()> {
        Uniform::new(low, high)?;
        self.parallel(offset, out, threads, |o, part| self.fill_uniform(o, part, low, high))
    }

    /// [`Stream::fill_normal`] on `threads` threads, with identical bits.
    pub fn fill_normal_parallel<T: Float>(
        &self,
        offset: u64,
        out: &mut [T],
        mean: T,
        std: T,
        threads: usize,
    ) -> Result<()> {
        Normal::new(mean, std, NormalMethod::default_for::<T>())?;
        self.parallel(offset, out, threads, |o, part| self.fill_normal(o, part, mean, std))
    }

    /// [`Stream::fill_truncated_normal`] on `threads` threads, with identical bits.
    pub fn fill_truncated_normal_parallel<T: Float>(
        &self,
        offset: u64,
        out: &mut [T],
        mean: T,
        std: T,
        bounds: TruncBounds<T>,
        threads: usize,
    ) -> Result<()> {
        TruncatedNormal::new(mean, std, bounds)?;
        self.parallel(offset, out, threads, |o, part| self.fill_truncated_normal(o, part, mean, std, bounds))
    }
}
