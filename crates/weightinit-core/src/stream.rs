//! Seeded, position-addressed random streams (the stream format is specified in the crate docs).

use core::convert::Infallible;

use rand_core::{Rng, SeedableRng, TryRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::kernels::simd::Isa;
use crate::sample::{Distribution, Normal, NormalMethod, TruncBounds, TruncatedNormal, Uniform};

/// Version of the stream format documented in the crate docs. Any change to the values a stream yields for
/// the same arguments changes this number (and the golden-vector tests).
pub const STREAM_FORMAT_VERSION: u32 = 5;

/// Elements per block. Element `i` of a stream belongs to block `i / BLOCK_LEN`, and each block is generated
/// from its own freshly seeded generator.
pub const BLOCK_LEN: u64 = 4096;

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 finalizer (Steele, Lea & Flood 2014; constants of Stafford's "Mix13"): a bijection on
/// `u64` with full avalanche.
#[inline(always)]
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A random stream named by `(seed, key)`: use one seed per experiment and one key per tensor.
///
/// Element `i` of every fill is a pure function of (seed, key, i, distribution): a fill from `offset` of
/// length `n` writes elements `offset .. offset + n`, whatever the chunking, thread count or total length.
///
/// ```
/// use weightinit_core::Stream;
/// let s = Stream::new(42, 0);
/// let mut whole = [0.0f32; 3000];
/// s.fill_normal(0, &mut whole, 0.0, 1.0).unwrap();
/// let mut part = [0.0f32; 100];
/// s.fill_normal(1500, &mut part, 0.0, 1.0).unwrap();
/// assert_eq!(&whole[1500..1600], &part[..]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stream {
    seed: u64,
    key: u64,
    id: u64,
    isa: Option<Isa>,
}

impl Stream {
    /// The stream `(seed, key)`.
    pub const fn new(seed: u64, key: u64) -> Stream {
        let id = mix64(mix64(seed.wrapping_add(GAMMA)) ^ key.wrapping_add(GAMMA.wrapping_mul(2)));
        Stream { seed, key, id, isa: None }
    }

    /// The same stream, with bulk fills forced onto `isa` (falling back to the portable path when the CPU
    /// lacks it). For tests and benchmarks: every path gives the same bits.
    pub const fn with_isa(mut self, isa: Isa) -> Stream {
        self.isa = Some(isa);
        self
    }

    fn isa(&self) -> Isa {
        match self.isa {
            Some(i) => i,
            None => crate::kernels::simd::best(),
        }
    }

    fn check_range(offset: u64, len: usize) -> Result<()> {
        let len = u64::try_from(len).map_err(|_| Error::OffsetOverflow)?;
        offset.checked_add(len).ok_or(Error::OffsetOverflow)?;
        Ok(())
    }

    /// The seed.
    pub const fn seed(&self) -> u64 {
        self.seed
    }

    /// The key.
    pub const fn key(&self) -> u64 {
        self.key
    }

    /// The generator of block `block`, positioned at the block's start: Xoshiro256++ whose four state words
    /// are `mix64(h + (w + 1) * GAMMA)` for `w = 0..4`, with `h = mix64(id ^ (block + 3 * GAMMA))` and
    /// `id = mix64(mix64(seed + GAMMA) ^ (key + 2 * GAMMA))` (wrapping arithmetic,
    /// `GAMMA = 0x9e3779b97f4a7c15`). The four words are distinct, so the state is never all zero.
    pub fn block_rng(&self, block: u64) -> BlockRng {
        let h = self.block_hash(block);
        let mut seed = [0u8; 32];
        for (w, chunk) in seed.chunks_exact_mut(8).enumerate() {
            let word = mix64(h.wrapping_add(GAMMA.wrapping_mul(w as u64 + 1)));
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        BlockRng { inner: Xoshiro256PlusPlus::from_seed(seed), half: 0, has_half: false }
    }

    /// The hash of block `block`: `mix64(id ^ (block + 3 G))` (see [`Stream::block_rng`]).
    #[inline(always)]
    pub fn block_hash(&self, block: u64) -> u64 {
        mix64(self.id ^ block.wrapping_add(GAMMA.wrapping_mul(3)))
    }

    /// Fills `out` with elements `offset .. offset + out.len()` of `dist` on this stream. Only the blocks
    /// the range touches are generated. Errors: `offset + out.len()` overflows `u64`.
    pub fn fill<T, D: Distribution<T>>(&self, dist: &D, offset: u64, out: &mut [T]) -> Result<()> {
        let len = u64::try_from(out.len()).map_err(|_| Error::OffsetOverflow)?;
        offset.checked_add(len).ok_or(Error::OffsetOverflow)?;
        let mut pos = offset;
        let mut rest = out;
        while !rest.is_empty() {
            let block = pos / BLOCK_LEN;
            let within = (pos % BLOCK_LEN) as usize;
            let n = rest.len().min(BLOCK_LEN as usize - within);
            let (head, tail) = rest.split_at_mut(n);
            let mut rng = self.block_rng(block);
            dist.fill_block(&mut rng, within, head);
            pos += n as u64;
            rest = tail;
        }
        Ok(())
    }

    /// Uniform on `[low, high)`: see [`Uniform`] (lane blocks, vectorized).
    pub fn fill_uniform<T: Float>(&self, offset: u64, out: &mut [T], low: T, high: T) -> Result<()> {
        let u = Uniform::new(low, high)?;
        Self::check_range(offset, out.len())?;
        T::bulk_uniform(self.isa(), self, offset, out, &u.params());
        Ok(())
    }

    /// N(mean, std^2) by the type's default method, [`Float::DEFAULT_NORMAL`]: the vectorized polynomial
    /// Box-Muller for `f32`, the ziggurat for `f64`.
    pub fn fill_normal<T: Float>(&self, offset: u64, out: &mut [T], mean: T, std: T) -> Result<()> {
        self.fill_normal_with(T::DEFAULT_NORMAL, offset, out, mean, std)
    }

    /// N(mean, std^2) by a chosen method.
    pub fn fill_normal_with<T: Float>(
        &self,
        method: NormalMethod,
        offset: u64,
        out: &mut [T],
        mean: T,
        std: T,
    ) -> Result<()> {
        let d = Normal::new(mean, std, method)?;
        if method == NormalMethod::BoxMullerPoly {
            Self::check_range(offset, out.len())?;
            T::bulk_normal_poly(self.isa(), self, offset, out, mean, std);
            return Ok(());
        }
        self.fill(&d, offset, out)
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
        Self::check_range(offset, out.len())?;
        if T::bulk_truncated(self.isa(), self, offset, out, &t) {
            return Ok(());
        }
        self.fill(&t, offset, out)
    }
}

/// Pieces per thread of the `fill_*_parallel` methods.
#[cfg(feature = "std")]
const PIECES_PER_THREAD: usize = 8;

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
        use core::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Mutex;
        Self::check_range(offset, out.len())?;
        let threads = threads.max(1);
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
            parts.push(Mutex::new(Some((pos, part))));
            rest = tail;
            pos = next;
        }
        let next = AtomicUsize::new(0);
        let failed: Mutex<Option<crate::Error>> = Mutex::new(None);
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = parts.get(i) else { break };
                // A poisoned lock means another thread panicked; that panic is re-raised below.
                let piece = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(Err(e)) = piece.map(|(at, part)| fill(at, part)) {
                    failed.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(e);
                }
            }
        };
        std::thread::scope(|s| {
            let helpers: std::vec::Vec<_> = (1..threads.min(parts.len())).map(|_| s.spawn(work)).collect();
            work();
            for h in helpers {
                if let Err(p) = h.join() {
                    std::panic::resume_unwind(p);
                }
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
        Normal::new(mean, std, T::DEFAULT_NORMAL)?;
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

/// The generator of one stream block: Xoshiro256++ (Blackman & Vigna 2018) with a 32-bit draw that uses
/// both halves of a 64-bit output, high half first. A 64-bit draw always takes a fresh output and leaves a
/// pending low half in place.
#[derive(Debug, Clone)]
pub struct BlockRng {
    inner: Xoshiro256PlusPlus,
    half: u32,
    has_half: bool,
}

impl TryRng for BlockRng {
    type Error = Infallible;

    #[inline(always)]
    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        if self.has_half {
            self.has_half = false;
            Ok(self.half)
        } else {
            let x = self.inner.next_u64();
            self.half = x as u32;
            self.has_half = true;
            Ok((x >> 32) as u32)
        }
    }

    #[inline(always)]
    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        Ok(self.inner.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let w = self.inner.next_u64().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}
