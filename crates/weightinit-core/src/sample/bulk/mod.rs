//! Bulk fills (stream format v7): each block's values come from [`LANES`](crate::simd::LANES) independent Xoshiro256++
//! generators ("lanes"), eight per half block, so one half block is one SIMD problem; the per-value math is the
//! polynomials of [`crate::simd::math`], written once over its `Math` trait. One set of bodies (the
//! `Wide` trait: lane generators, stores, in-order compaction) serves every path: the portable one on
//! 16-lane arrays ([`Lanes16`](crate::simd::Lanes16), vectorized by the compiler where the target allows, scalar on a Cortex-M)
//! and the x86-64 ones with the AVX2 / AVX-512 tokens of [`crate::simd`] (16 words per instruction, two groups
//! interleaved, streaming stores for large fills). Identical bits on every path: only IEEE add,
//! subtract, multiply, fused multiply-add, square root, conversions and integer operations.
//!
//! Layout of a block (see the crate docs, "Stream format"): lanes 0-7 generate values `0..2048`, lanes 8-15
//! values `2048..4096` (`halves`). A half step of 8 lanes yields one 64-bit word per lane, read as 16 u32
//! words ([`half_words`](crate::simd::wide::half_words); a 512-bit register of 8 lanes is 16 words as it
//! stands); group `g` of a half takes `a` from half step `2 g` and `b` from half step `2 g + 1`. Its values
//! `32 g + l` and `32 g + 16 + l` are, for the uniform, from `a[l]` and `b[l]`; for the normal, the two
//! branches of Box-Muller on `(a[l], b[l])`. An f64 uniform takes the 8 values `8 k + j` of a half from
//! `x[j]` of its half step `k`. The truncated normal keeps the block's normals that fall inside its bounds,
//! in order.
//!
//! A public fill reaches its loop in three calls: the entry point here hands an op to [`Isa::run`], which
//! calls the op's `with_simd` inside the ISA's `#[target_feature]` function, whose body is the loop.
//!
//! Files: `halves` (a block's lanes by half), `walk` (a block's groups: skip, resume, write), `store`
//! (plain, streaming and staged stores), `normal`, `truncated`, `uniform` (the per-value math of each
//! fill).

mod halves;
mod normal;
mod store;
mod truncated;
mod uniform;
mod walk;

pub use normal::{X_CAP, normal_pair, place, poly_normal, poly_normal_pair, radius};
pub use store::STREAMING_MIN_LEN;
pub use truncated::TruncParams;
pub use uniform::UniformParams;

use crate::simd::{Isa, Wide, WithSimd};
use crate::stream::Stream;
use store::{BlockGen, PlainBlock, fill_blocks, fill_blocks_resume};

/// 4 KiB pages of one stream block's f32 values.
const BLOCK_PAGES: usize = crate::stream::BLOCK_LEN as usize / store::PAGE_F32;

/// f32 values per 64-byte cache line.
const LINE_F32: usize = 16;

/// Defines a [`WithSimd`] op: a struct of the arguments whose `with_simd` is the fill's loop, run with the
/// token (`Stream::fill_*` hand these to [`Isa::run`] directly).
macro_rules! op {
    ($(#[$doc:meta])* $name:ident<$lt:lifetime> { $($f:ident: $t:ty),* } |$s:ident| $body:expr) => {
        $(#[$doc])*
        pub(crate) struct $name<$lt> { $(pub(crate) $f: $t),* }
        impl WithSimd for $name<'_> {
            type Output = ();
            #[inline(always)]
            fn with_simd<S: Wide>(self, $s: S) {
                let $name { $($f),* } = self;
                $body
            }
        }
    };
}

op!(UniformF32<'a> { stream: &'a Stream, offset: u64, out: &'a mut [f32], p: &'a UniformParams<f32> }
    |s| fill_blocks(s, offset, out, &uniform::UniformWide { s, stream: *stream, p: *p }, stream.streaming_stores()));
op!(UniformF64<'a> { stream: &'a Stream, offset: u64, out: &'a mut [f64], p: &'a UniformParams<f64> }
    |s| { let _ = s; walk::fill_all(stream, offset, out, &uniform::UniformF64(p)) });
op!(NormalF32<'a> { stream: &'a Stream, offset: u64, out: &'a mut [f32], mean: f32, std: f32 }
    |s| fill_blocks(s, offset, out, &normal::NormalWide { s, stream: *stream, mean, std }, stream.streaming_stores()));
op!(TruncatedF32<'a> { stream: &'a Stream, offset: u64, out: &'a mut [f32], t: &'a TruncParams }
    |s| fill_blocks(s, offset, out, &truncated::TruncWide { s, stream: *stream, t: *t }, stream.streaming_stores()));
op!(ConstantF32<'a> { out: &'a mut [f32], value: f32 } |s| fill_blocks(s, 0, out, &ConstWide(value), None));

/// The parameters of one of the f32 bulk fills.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BulkF32 {
    Uniform(UniformParams<f32>),
    Normal { mean: f32, std: f32 },
    Truncated(TruncParams),
}

/// Several runs of one f32 bulk fill in one call (one entry into the ISA's code for a whole shard instead
/// of one per row): `runs` yields `(global offset, offset in out, length)`. Generic over the fill `K` (one
/// generator per instantiation: an unoptimized build keeps every inlined generator's locals in one frame).
pub(crate) struct RunsF32<'a, I, K> {
    pub(crate) stream: &'a Stream,
    pub(crate) runs: I,
    pub(crate) out: &'a mut [f32],
    pub(crate) values: K,
}

/// One of the f32 bulk fills, as [`RunsF32`] runs it: its block generator on a token.
trait FillF32: Copy {
    /// The generator.
    type Gen<S: Wide>: BlockGen<W = S::W>;
    /// The generator of `stream`'s values on `s`.
    fn generator<S: Wide>(self, s: S, stream: Stream) -> Self::Gen<S>;
}

/// The uniform fill of [`FillF32`].
#[derive(Clone, Copy)]
struct UniformFill(UniformParams<f32>);
/// The normal fill of [`FillF32`] (`mean`, `std`).
#[derive(Clone, Copy)]
struct NormalFill(f32, f32);
/// The truncated-normal fill of [`FillF32`].
#[derive(Clone, Copy)]
struct TruncatedFill(TruncParams);

impl FillF32 for UniformFill {
    type Gen<S: Wide> = uniform::UniformWide<S>;
    #[inline(always)]
    fn generator<S: Wide>(self, s: S, stream: Stream) -> Self::Gen<S> {
        uniform::UniformWide { s, stream, p: self.0 }
    }
}

impl FillF32 for NormalFill {
    type Gen<S: Wide> = normal::NormalWide<S>;
    #[inline(always)]
    fn generator<S: Wide>(self, s: S, stream: Stream) -> Self::Gen<S> {
        normal::NormalWide { s, stream, mean: self.0, std: self.1 }
    }
}

impl FillF32 for TruncatedFill {
    type Gen<S: Wide> = truncated::TruncWide<S>;
    #[inline(always)]
    fn generator<S: Wide>(self, s: S, stream: Stream) -> Self::Gen<S> {
        truncated::TruncWide { s, stream, t: self.0 }
    }
}

impl BulkF32 {
    /// Runs `runs` of this fill on `isa` ([`RunsF32`]). The iterator is a trait object so that the fill
    /// is compiled once, here, with this crate's optimization level: instantiated in a caller's
    /// unoptimized build, the inlined generators' frame outgrew a spawned thread's 2 MiB stack.
    pub(crate) fn run_runs(
        self,
        isa: Isa,
        stream: &Stream,
        runs: &mut dyn Iterator<Item = (u64, usize, usize)>,
        out: &mut [f32],
    ) {
        match self {
            BulkF32::Uniform(p) => isa.run(RunsF32 { stream, runs, out, values: UniformFill(p) }),
            BulkF32::Normal { mean, std } => isa.run(RunsF32 { stream, runs, out, values: NormalFill(mean, std) }),
            BulkF32::Truncated(t) => isa.run(RunsF32 { stream, runs, out, values: TruncatedFill(t) }),
        }
    }
}

impl<I: Iterator<Item = (u64, usize, usize)>, K: FillF32> WithSimd for RunsF32<'_, I, K> {
    type Output = ();
    /// Each run from its block's generators: seeded and stepped past the values before the run (cheaper
    /// than generating them), or, for a later run of the same block (the rows of a column block narrower
    /// than a block), stepped on from where the previous run left them; one store fence at the end.
    #[inline(always)]
    fn with_simd<S: Wide>(self, s: S) {
        let RunsF32 { stream, runs, out, values } = self;
        let (stream, hint) = (*stream, stream.streaming_stores());
        let mut streamed = false;
        let (blocks, mut saved) = (values.generator(s, stream), None);
        let mut runs = runs.peekable();
        while let Some((g, o, l)) = runs.next() {
            // The next run's pages: their page walks run while this run is computed (the contiguous
            // fill does the same for its next block).
            if let Some(&(_, o2, l2)) = runs.peek() {
                let next = &out[o2..o2 + l2];
                for page in next.chunks(store::PAGE_F32).take(BLOCK_PAGES) {
                    s.prefetch(page);
                }
                // The partial lines at both ends get plain stores (a store missing the cache holds
                // back the streaming stores behind it until the line arrives): fetch them now.
                for at in [LINE_F32, l2.saturating_sub(2 * LINE_F32), l2.saturating_sub(LINE_F32)] {
                    s.prefetch(&next[at.min(l2 - 1)..]);
                }
            }
            streamed |= fill_blocks_resume(s, g, &mut out[o..o + l], &blocks, hint, &mut saved);
        }
        if streamed {
            s.fence();
        }
    }
}

struct ConstWide(f32);

impl PlainBlock for ConstWide {
    type W = u64;
    #[inline(always)]
    fn plain(&self, _: u64, _: usize, o: &mut [f32]) {
        o.fill(self.0);
    }
}

/// Uniform f32 bulk fill (values `offset ..` of `stream`) on the path `isa` (the portable one when the CPU
/// lacks it).
pub fn uniform_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
    isa.run(UniformF32 { stream, offset, out, p })
}

/// Uniform f64 bulk fill on the path `isa`.
pub fn uniform_f64(isa: Isa, stream: &Stream, offset: u64, out: &mut [f64], p: &UniformParams<f64>) {
    isa.run(UniformF64 { stream, offset, out, p })
}

/// Normal f32 bulk fill (the polynomial Box-Muller, `fma(std, z, mean)`) on the path `isa`.
pub fn normal_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
    isa.run(NormalF32 { stream, offset, out, mean, std })
}

/// Truncated-normal f32 bulk fill on the path `isa`.
pub fn truncated_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], t: &TruncParams) {
    isa.run(TruncatedF32 { stream, offset, out, t })
}

/// Sets every element of `out` to `value`; on x86-64 fills of at least [`STREAMING_MIN_LEN`] values use
/// streaming stores, as the random bulk fills do (so this is their memory-write floor).
///
/// ```
/// let mut v = vec![1.0f32; 1000];
/// weightinit_core::sample::bulk::fill_constant_f32(&mut v, 0.5);
/// assert!(v.iter().all(|&x| x == 0.5));
/// ```
pub fn fill_constant_f32(out: &mut [f32], value: f32) {
    crate::simd::best().run(ConstantF32 { out, value })
}
