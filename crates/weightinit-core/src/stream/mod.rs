//! Seeded, position-addressed random streams: `(seed, key, index) -> bits` (the format is specified in the
//! crate docs). Block hashing, the sequential [`BlockRng`] and the 16-lane [`LaneRng`]; no distributions
//! (the `fill_*` methods live in [`crate::sample`]).

mod block_rng;
mod lanes;

pub use block_rng::BlockRng;
pub use lanes::LaneRng;

use crate::error::{Error, Result};
use crate::simd::Isa;

/// Version of the stream format documented in the crate docs. Any change to the values a stream yields for
/// the same arguments changes this number (and the golden-vector tests).
pub const STREAM_FORMAT_VERSION: u32 = 7;

/// Elements per block. Element `i` of a stream belongs to block `i / BLOCK_LEN`, and each block is generated
/// from its own freshly seeded generator.
pub const BLOCK_LEN: u64 = 4096;

pub(crate) const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

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
    streaming: Option<bool>,
}

impl Stream {
    /// The stream `(seed, key)`.
    pub const fn new(seed: u64, key: u64) -> Stream {
        let id = mix64(mix64(seed.wrapping_add(GAMMA)) ^ key.wrapping_add(GAMMA.wrapping_mul(2)));
        Stream { seed, key, id, isa: None, streaming: None }
    }

    /// The same stream, with bulk fills forced onto `isa` (falling back to the portable path when the CPU
    /// lacks it). For tests and benchmarks: every path gives the same bits.
    pub const fn with_isa(mut self, isa: Isa) -> Stream {
        self.isa = Some(isa);
        self
    }

    /// The same stream, with the f32 bulk fills' store policy fixed: `true` stores with streaming
    /// (non-temporal) stores whatever a fill's length, `false` never does. By default fills of at least
    /// [`STREAMING_MIN_LEN`](crate::sample::bulk::STREAMING_MIN_LEN) values stream (they bypass the cache:
    /// about twice the write bandwidth) and smaller ones stay in cache. A caller filling a large tensor in
    /// short runs (a column block of a shard, one row at a time) sets `true`. The bits never depend on it.
    pub const fn with_streaming_stores(mut self, on: bool) -> Stream {
        self.streaming = Some(on);
        self
    }

    /// The store policy of [`Stream::with_streaming_stores`], `None` by default (by length).
    pub const fn streaming_stores(&self) -> Option<bool> {
        self.streaming
    }

    /// The ISA bulk fills of this stream run on: the one of [`Stream::with_isa`], else [`crate::simd::best`].
    pub fn isa(&self) -> Isa {
        match self.isa {
            Some(i) => i,
            None => crate::simd::best(),
        }
    }

    /// Checks that `offset + len` fits `u64` (every fill of `len` values from `offset` needs it).
    pub fn check_range(offset: u64, len: usize) -> Result<()> {
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
        BlockRng::from_seed(seed)
    }

    /// The hash of block `block`: `mix64(id ^ (block + 3 G))` (see [`Stream::block_rng`]).
    #[inline(always)]
    pub fn block_hash(&self, block: u64) -> u64 {
        mix64(self.id ^ block.wrapping_add(GAMMA.wrapping_mul(3)))
    }
}

/// The blocks a fill of `len` values from `offset` touches, as `(block, skip within it, length)`, in
/// order. The caller checked that `offset + len` fits `u64` ([`Stream::check_range`]).
#[inline(always)]
pub fn block_spans(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize)> {
    let mut pos = offset;
    let mut left = len;
    core::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let block = pos / BLOCK_LEN;
        let within = (pos % BLOCK_LEN) as usize;
        let n = left.min(BLOCK_LEN as usize - within);
        pos += n as u64;
        left -= n;
        Some((block, within, n))
    })
}
