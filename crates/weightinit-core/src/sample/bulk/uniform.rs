//! Uniform bulk fills: f32 from the lane words (two halves of each 64-bit output), f64 from whole
//! outputs.

use super::halves::{BlockLanes, EITHER};
use super::store::{BlockGen, Saved, Sink, Stage, Vectors, store_all, write_run};
use super::walk::{Group, Groups};
use crate::float::Float;
use crate::simd::{HALF_LANES, LANES, Wide};
use crate::stream::Stream;

/// Parameters of a uniform `[low, high)` fill: `low + scale * u`, results `>= high` become `below_high`.
#[derive(Debug, Clone, Copy)]
pub struct UniformParams<T> {
    /// Lower bound.
    pub low: T,
    /// `high - low`.
    pub scale: T,
    /// Upper bound.
    pub high: T,
    /// The largest value below `high`.
    pub below_high: T,
}

impl<T: Float> UniformParams<T> {
    /// The same parameters in `U` (exact when `U` is `T`, the only use).
    pub fn cast<U: Float>(&self) -> UniformParams<U> {
        let f = |x: T| U::from_f64(x.to_f64());
        UniformParams { low: f(self.low), scale: f(self.scale), high: f(self.high), below_high: f(self.below_high) }
    }
}

/// The 8 f64 uniforms of one half step.
#[inline(always)]
pub(super) fn uniform_group_f64(w: &[u64; HALF_LANES], p: &UniformParams<f64>, out: &mut [f64; HALF_LANES]) {
    for l in 0..HALF_LANES {
        let a = p.low + p.scale * ((w[l] >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0));
        out[l] = if a < p.high { a } else { p.below_high };
    }
}

/// The 8 f64 uniforms of a half step, one per lane's 64-bit output (plain Rust, vectorized by the
/// compiler for the ISA it is compiled for).
pub(super) struct UniformF64<'a>(pub(super) &'a UniformParams<f64>);
impl Group<f64, HALF_LANES> for UniformF64<'_> {
    #[inline(always)]
    fn fill(&self, w: &[u64; HALF_LANES], out: &mut [f64; HALF_LANES]) {
        uniform_group_f64(w, self.0, out)
    }
}

pub(super) struct UniformWide<S: Wide> {
    pub(super) s: S,
    pub(super) stream: Stream,
    pub(super) p: UniformParams<f32>,
}

/// A block's uniforms, 32 per group: `low + scale * ((x >> 8) 2^-24)`, `below_high` for a result
/// `>= high`, with the parameters splatted once per block (so they stay in registers).
pub(super) struct UniformGroups<S: Wide> {
    s: S,
    ln: BlockLanes<S>,
    low: S::F,
    scale: S::F,
    high: S::F,
    below_high: S::F,
}

impl<S: Wide> UniformGroups<S> {
    /// The groups of `block` from `from`'s lanes ([`BlockLanes::resume`]).
    #[inline(always)]
    fn new(g: &UniformWide<S>, block: u64, from: Option<([S::W; 4], usize)>) -> Self {
        let s = g.s;
        let ln = BlockLanes::resume(s, &g.stream, block, from);
        let p = &g.p;
        UniformGroups {
            s,
            ln,
            low: s.splat(p.low),
            scale: s.splat(p.scale),
            high: s.splat(p.high),
            below_high: s.splat(p.below_high),
        }
    }

    /// The 16 uniforms of one half step's words.
    #[inline(always)]
    fn half(&self, x: S::U) -> S::F {
        let s = self.s;
        let u = s.mul(s.i32_to_f32(s.shr_u::<8>(x)), s.splat(1.0 / 16_777_216.0));
        let a = s.add(self.low, s.mul(self.scale, u));
        s.select(s.lt(a, self.high), a, self.below_high)
    }
}

impl<S: Wide> Groups<f32, { 2 * LANES }> for UniformGroups<S> {
    #[inline(always)]
    fn skip(&mut self, n: usize) {
        self.ln.skip(self.s, n);
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [f32; 2 * LANES]) {
        store_all(self.s, self.pair(), out)
    }
}

impl<S: Wide> Vectors<S> for UniformGroups<S> {
    #[inline(always)]
    fn pair(&mut self) -> [S::F; 2] {
        let (h, l) = self.ln.words(self.s);
        [self.half(h), self.half(l)]
    }
    #[inline(always)]
    fn lanes(&self) -> BlockLanes<S> {
        self.ln
    }
    /// The generator state in a local across the loop, so it stays in registers (as a field behind
    /// `&mut self` LLVM stored it back every step: 17% slower at 16 Mi values); each half's groups in a
    /// loop of their own (a branch per group on the half cost 8%).
    #[inline(always)]
    fn quads<K: Sink<S>>(&mut self, n: usize, sink: &mut K) {
        let mut ln = self.ln;
        let [a, c, b] = ln.pair_phases(n);
        self.quads_in::<0, K>(&mut ln, a, sink);
        self.quads_in::<EITHER, K>(&mut ln, c, sink);
        self.quads_in::<1, K>(&mut ln, b, sink);
        self.ln = ln;
    }
}

impl<S: Wide> UniformGroups<S> {
    /// `n` pairs of groups of half `H` ([`BlockLanes::words_in`]).
    #[inline(always)]
    fn quads_in<const H: usize, K: Sink<S>>(&self, ln: &mut BlockLanes<S>, n: usize, sink: &mut K) {
        for _ in 0..n {
            let (h1, l1) = ln.words_in::<H>(self.s);
            let (h2, l2) = ln.words_in::<H>(self.s);
            sink.put4([self.half(h1), self.half(l1), self.half(h2), self.half(l2)]);
        }
    }
}

impl<S: Wide> BlockGen for UniformWide<S> {
    type W = S::W;
    #[inline(always)]
    fn block<T: Wide>(
        &self,
        _: T,
        block: u64,
        skip: usize,
        o: &mut [f32],
        stage: Option<&mut Stage>,
        saved: &mut Option<Saved<S::W>>,
    ) {
        const G: usize = 2 * LANES;
        let from = Saved::resume(saved, block, skip, G);
        *saved = write_run(self.s, &mut UniformGroups::new(self, block, from), (block, skip), o, stage);
    }
}
