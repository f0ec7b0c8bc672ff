//! The f32 polynomial normal (stream format v5): Box-Muller on the lane words with the polynomials of
//! [`crate::simd::math`], two groups interleaved and software-pipelined.

use super::halves::BlockLanes;
use super::store::{BlockGen, Chunks, Saved, Sink, Stage, Vectors, store_all, write_run};
use super::walk::Groups;
use crate::simd::math::{neg2_ln_unit, sincos_eighth};
use crate::simd::{LANES, Math, Scalar, Two, Wide};
use crate::stream::Stream;

/// Two standard normals from two 32-bit words `a`, `b` (Box-Muller with these polynomials):
/// `(r u, r v)` with `r = sqrt(-2 ln u1)`, `u1 = x 2^-31`, `x = ((a >> 1) | 1)` rounded to f32 and capped at
/// [`X_CAP`] (odd 31-bit integers: the midpoint rule; `u1` in `(0, 1)`, so `r > 0` and the tail reaches
/// sqrt(62 ln 2) = 6.56); the angle is `t + q pi / 2` with `t` from the top 24 bits of `b`
/// ([`sincos_eighth`]) and the quadrant from its two low bits: bit 0 negates the cosine, bit 1 swaps the
/// two (`(u, v) = (±cos t, sin t)` or `(sin t, ±cos t)`), which covers the four quarter turns uniformly.
/// Neither value is ever exactly 0.
#[inline(always)]
pub fn normal_pair<S: Math>(s: S, a: S::U, b: S::U) -> (S::F, S::F) {
    place(s, radius(s, a), b)
}

/// The radius of [`normal_pair`]: `sqrt(-2 ln u1)` from word `a`.
#[inline(always)]
pub fn radius<S: Math>(s: S, a: S::U) -> S::F {
    // Integers above 0x7fffff80 would round to X_CAP or up to 2^31: capping first gives X_CAP exactly.
    let x = s.i32_to_f32(s.min_u(s.or_u(s.shr_u::<1>(a), s.splat_u(1)), s.splat_u(0x7fff_ff80)));
    s.sqrt(neg2_ln_unit(s, x))
}

/// The two normals of [`normal_pair`] from the radius `r` and the angle word `b`.
#[inline(always)]
pub fn place<S: Math>(s: S, r: S::F, b: S::U) -> (S::F, S::F) {
    let (sn, cs) = sincos_eighth(s, b);
    let cs = s.bits_to_f(s.xor_u(s.to_bits(cs), s.shl_u::<31>(b)));
    let swap = s.nonzero_u(s.and_u(b, s.splat_u(2)));
    let (u, v) = (s.select(swap, sn, cs), s.select(swap, cs, sn));
    (s.mul(r, u), s.mul(r, v))
}

/// The largest f32 below 2^31: the cap of the radius argument, so `u1 < 1`.
pub const X_CAP: f32 = 2_147_483_520.0;

/// The two standard normals of the bulk path from the words `(a, b)`: `(value 32 g + l, value 32 g + 16 + l)`
/// of a group whose two half steps give the words `a[l]`, `b[l]` ([`half_words`](crate::simd::wide::half_words)).
#[inline(always)]
pub fn poly_normal(a: u32, b: u32) -> (f32, f32) {
    normal_pair(Scalar, a, b)
}

/// Two standard normals of one 64-bit word (`a` its high half, `b` its low half), second branch first: the
/// sequential [`NormalMethod::BoxMullerPoly`](crate::sample::NormalMethod) sampler.
#[inline(always)]
pub fn poly_normal_pair(w: u64) -> (f32, f32) {
    let (u, v) = normal_pair(Scalar, (w >> 32) as u32, w as u32);
    (v, u)
}

/// The 32 values `fma(std, z, mean)` of one group, SIMD: values `0..16` and `16..32` of the group.
#[inline(always)]
fn wide_normal_group<S: Wide, const UNIT: bool>(s: S, ln: &mut BlockLanes<S>, mean: f32, std: f32) -> [S::F; 2] {
    let (hi, lo) = ln.words(s);
    let (c, sn) = normal_pair(s, hi, lo);
    if UNIT {
        // fma(1, z, ±0) = z: the polynomial normal is never ±0.
        return [c, sn];
    }
    [s.fma(s.splat(std), c, s.splat(mean)), s.fma(s.splat(std), sn, s.splat(mean))]
}

/// The four vectors of two groups (their math interleaved, [`Two`]) from their radii `r` ([`radius`]) and angle words `b`:
/// `fma(std, z, mean)` of [`place`]'s normals (the normals themselves when `UNIT`).
#[inline(always)]
pub(super) fn finish2<S: Wide, const UNIT: bool>(
    t: Two<S>,
    r: (S::F, S::F),
    b: (S::U, S::U),
    mean: f32,
    std: f32,
) -> [S::F; 4] {
    let (c, sn) = place(t, r, b);
    if UNIT {
        return [c.0, sn.0, c.1, sn.1];
    }
    let (m, d) = (t.splat(mean), t.splat(std));
    let (c, sn) = (t.fma(d, c, m), t.fma(d, sn, m));
    [c.0, sn.0, c.1, sn.1]
}

pub(super) struct NormalWide<S: Wide> {
    pub(super) s: S,
    pub(super) stream: Stream,
    pub(super) mean: f32,
    pub(super) std: f32,
}

impl<S: Wide> BlockGen for NormalWide<S> {
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
        if self.unit() {
            self.run::<true>(block, skip, o, stage, saved)
        } else {
            self.run::<false>(block, skip, o, stage, saved)
        }
    }
}

impl<S: Wide> NormalWide<S> {
    /// One run of `block` from `saved`'s lanes where they serve, else from the block's start.
    #[inline(always)]
    fn run<const UNIT: bool>(
        &self,
        block: u64,
        skip: usize,
        o: &mut [f32],
        stage: Option<&mut Stage>,
        saved: &mut Option<Saved<S::W>>,
    ) {
        const G: usize = 2 * LANES;
        let (s, mean, std) = (self.s, self.mean, self.std);
        let ln = BlockLanes::resume(s, &self.stream, block, Saved::resume(saved, block, skip, G));
        *saved = write_run(s, &mut NormalGroups::<S, UNIT> { s, ln, mean, std }, (block, skip), o, stage);
    }

    /// Standard normal: the map `fma(std, z, mean)` is the identity (`z` is never ±0), so it is skipped.
    #[inline(always)]
    fn unit(&self) -> bool {
        self.mean == 0.0 && self.std == 1.0
    }
}

/// A block's normals, 32 per group (`UNIT`: mean 0, std 1).
pub(super) struct NormalGroups<S: Wide, const UNIT: bool> {
    s: S,
    ln: BlockLanes<S>,
    mean: f32,
    std: f32,
}

impl<S: Wide, const UNIT: bool> Groups<f32, { 2 * LANES }> for NormalGroups<S, UNIT> {
    #[inline(always)]
    fn skip(&mut self, n: usize) {
        self.ln.skip(self.s, n);
    }
    #[inline(always)]
    fn next(&mut self, out: &mut [f32; 2 * LANES]) {
        store_all(self.s, self.pair(), out)
    }
    /// Two groups at a time, their math interleaved ([`Vectors::quads`]).
    #[inline(always)]
    fn run(&mut self, out: &mut [f32]) -> usize {
        let n = out.len() / (4 * LANES);
        self.quads(n, &mut Chunks(self.s, out.chunks_exact_mut(4 * LANES)));
        n * 4 * LANES
    }
}

impl<S: Wide, const UNIT: bool> Vectors<S> for NormalGroups<S, UNIT> {
    #[inline(always)]
    fn pair(&mut self) -> [S::F; 2] {
        wide_normal_group::<S, UNIT>(self.s, &mut self.ln, self.mean, self.std)
    }
    #[inline(always)]
    fn lanes(&self) -> BlockLanes<S> {
        self.ln
    }
    /// Software-pipelined: each iteration computes the radii (logarithm and square root, the long
    /// dependency chain) of the next two groups before it finishes the current two, so the
    /// out-of-order core always has independent work queued behind that chain (same values; 0-10%,
    /// typically about 3%, faster than the same interleaved steps unpipelined, measured in-process on
    /// AVX-512).
    ///
    /// One loop whatever the half (a branch per group picks the lanes): a loop per half, as the uniform
    /// has, tripled the loop's code and made the short runs of shards 3-4% slower.
    #[inline(always)]
    fn quads<K: Sink<S>>(&mut self, n: usize, sink: &mut K) {
        if n == 0 {
            return;
        }
        let (s, t, mean, std) = (self.s, Two(self.s), self.mean, self.std);
        // The lanes in a local across the loop, so they stay in registers.
        let mut ln = self.ln;
        let (h1, l1) = ln.words(s);
        let (h2, l2) = ln.words(s);
        let (mut r, mut b) = (radius(t, (h1, h2)), (l1, l2));
        for _ in 1..n {
            let (h1, l1) = ln.words(s);
            let (h2, l2) = ln.words(s);
            let next = radius(t, (h1, h2));
            sink.put4(finish2::<S, UNIT>(t, r, b, mean, std));
            (r, b) = (next, (l1, l2));
        }
        sink.put4(finish2::<S, UNIT>(t, r, b, mean, std));
        self.ln = ln;
    }
}
