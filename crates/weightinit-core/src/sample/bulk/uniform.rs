//! Uniform bulk fills: f32 from the lane words (two halves of each 64-bit output), f64 from whole
//! outputs.

use super::store::{BlockGen, Stage, Vectors, store_all, stream_vectors};
use super::walk::{Group, Groups, walk};
use crate::float::Float;
use crate::simd::{LANES, Wide};
use crate::stream::{LaneRng, Stream};

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

/// The 16 f64 uniforms of one lane step.
#[inline(always)]
pub(super) fn uniform_group_f64(w: &[u64; LANES], p: &UniformParams<f64>, out: &mut [f64; LANES]) {
    for l in 0..LANES {
        let a = p.low + p.scale * ((w[l] >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0));
        out[l] = if a < p.high { a } else { p.below_high };
    }
}

/// The 16 f64 uniforms of a lane step, one per lane's 64-bit output (plain Rust, vectorized by the
/// compiler for the ISA it is compiled for).
pub(super) struct UniformF64<'a>(pub(super) &'a UniformParams<f64>);
impl Group<f64, LANES> for UniformF64<'_> {
    #[inline(always)]
    fn fill(&self, w: &[u64; LANES], out: &mut [f64; LANES]) {
        uniform_group_f64(w, self.0, out)
    }
}

pub(super) struct UniformWide<S: Wide> {
    pub(super) s: S,
    pub(super) stream: Stream,
    pub(super) p: UniformParams<f32>,
}

impl<S: Wide> UniformWide<S> {
    /// The 16 uniforms of one half of a lane step: `low + scale * ((x >> 8) 2^-24)`, `below_high` for a
    /// result `>= high`.
    #[inline(always)]
    fn half(&self, x: S::U) -> S::F {
        let s = self.s;
        let u = s.mul(s.i32_to_f32(s.shr_u::<8>(x)), s.splat(1.0 / 16_777_216.0));
        let a = s.add(s.splat(self.p.low), s.mul(s.splat(self.p.scale), u));
        s.select(s.lt(a, s.splat(self.p.high)), a, s.splat(self.p.below_high))
    }
}

/// A block's uniforms, 32 per lane step.
pub(super) struct UniformGroups<'a, S: Wide> {
    g: &'a UniformWide<S>,
    st: [S::W; 4],
}

impl<S: Wide> Groups<f32, { 2 * LANES }> for UniformGroups<'_, S> {
    #[inline(always)]
    fn skip(&mut self) {
        self.g.s.step(&mut self.st);
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [f32; 2 * LANES]) {
        store_all(self.g.s, self.pair(), out)
    }
}

impl<S: Wide> Vectors<S> for UniformGroups<'_, S> {
    #[inline(always)]
    fn pair(&mut self) -> [S::F; 2] {
        let (h, l) = self.g.s.step(&mut self.st);
        [self.g.half(h), self.g.half(l)]
    }
}

impl<S: Wide> BlockGen for UniformWide<S> {
    #[inline(always)]
    fn block(&self, block: u64, skip: usize, o: &mut [f32]) {
        let st = self.s.load_state(LaneRng::new(&self.stream, block).words());
        walk(&mut UniformGroups { g: self, st }, skip, o);
    }
    #[inline(always)]
    fn block_streamed<T: Wide>(&self, _: T, block: u64, skip: usize, o: &mut [f32], stage: &mut Stage) {
        let st = self.s.load_state(LaneRng::new(&self.stream, block).words());
        stream_vectors(self.s, &mut UniformGroups { g: self, st }, skip, o, stage);
    }
}
