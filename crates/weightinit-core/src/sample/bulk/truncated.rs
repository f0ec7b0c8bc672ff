//! The f32 truncated normal's bulk path: the block's polynomial normals, filtered in order by the bounds
//! (accepted lanes compressed), mapped and clamped.

use super::halves::BlockLanes;
use super::normal::normal_pair;
use super::store::PlainBlock;
use crate::simd::{LANES, Two, Wide};
use crate::stream::Stream;

/// Parameters of the bulk truncated normal: standardized bounds, the affine map, the clamp.
#[derive(Debug, Clone, Copy)]
pub struct TruncParams {
    /// Lower standardized bound.
    pub alpha: f32,
    /// Upper standardized bound.
    pub beta: f32,
    /// Mean.
    pub mean: f32,
    /// Std.
    pub std: f32,
    /// Lowest output: values below are clamped to it (`lo <= hi`).
    pub lo: f32,
    /// Highest output: values above are clamped to it.
    pub hi: f32,
}

impl TruncParams {
    /// Whether the clamp to `[lo, hi]` can change an accepted value: not when the images of the bounds
    /// themselves are inside, since `fma(std, z, mean)` is monotone in `z` for `std > 0` (rounding to
    /// nearest is monotone), so every `z` in `[alpha, beta]` maps inside too.
    pub fn clamp_needed(&self) -> bool {
        let fma = crate::simd::fmaf;
        !(self.std > 0.0
            && fma(self.std, self.beta, self.mean) <= self.hi
            && fma(self.std, self.alpha, self.mean) >= self.lo)
    }
}

pub(super) struct TruncWide<S: Wide> {
    pub(super) s: S,
    pub(super) stream: Stream,
    pub(super) t: TruncParams,
}

/// Not resumed: a run's position in the block's accepted normals depends on every normal before it.
impl<S: Wide> PlainBlock for TruncWide<S> {
    type W = S::W;
    #[inline(always)]
    fn plain(&self, block: u64, skip: usize, o: &mut [f32]) {
        // Both shortcuts give the same bits as the general loop (clamp, two compares).
        match (self.t.clamp_needed(), self.t.alpha == -self.t.beta) {
            (true, true) => self.block_with::<true, true>(block, skip, o),
            (true, false) => self.block_with::<true, false>(block, skip, o),
            (false, true) => self.block_with::<false, true>(block, skip, o),
            (false, false) => self.block_with::<false, false>(block, skip, o),
        }
    }
}

impl<S: Wide> TruncWide<S> {
    /// One block; `CLAMP`: clamp the mapped values to `[lo, hi]`; `SYMMETRIC`: `alpha = -beta`.
    #[inline(always)]
    fn block_with<const CLAMP: bool, const SYMMETRIC: bool>(&self, block: u64, skip: usize, o: &mut [f32]) {
        let (s, t) = (self.s, &self.t);
        let (alpha, beta) = (s.splat(t.alpha), s.splat(t.beta));
        let (mean, std, lo, hi) = (s.splat(t.mean), s.splat(t.std), s.splat(t.lo), s.splat(t.hi));
        let end = skip + o.len();
        let mut ln = BlockLanes::new(s, &self.stream, block);
        let mut cur = 0usize;
        while cur < end {
            // Two groups at a time (their math interleaved); a group past the block's need is discarded.
            let (h1, l1) = ln.words(s);
            let (h2, l2) = ln.words(s);
            let (zc, zs) = normal_pair(Two(s), (h1, h2), (l1, l2));
            // The accepted candidates of `z`, mapped to `fma(std, z, mean)` and clamped: `v < lo ? lo :
            // (hi < v ? hi : v)` (lo <= hi) as two instructions instead of two compares and two blends.
            macro_rules! accepted {
                ($z:expr) => {{
                    let z = $z;
                    let v = s.fma(std, z, mean);
                    let v = if CLAMP { s.max(lo, s.min(hi, v)) } else { v };
                    let acc = if SYMMETRIC {
                        // |z| <= beta (z is never NaN).
                        s.le(s.bits_to_f(s.and_u(s.to_bits(z), s.splat_u(0x7fff_ffff))), beta)
                    } else {
                        s.and_m(s.le(alpha, z), s.le(z, beta))
                    };
                    (v, acc)
                }};
            }
            if cur >= skip && cur + 4 * LANES <= end {
                // All four compressed stores fit in `o` (written out, not a loop: the compiler kept the
                // four vectors on the stack and looped over them).
                for z in [zc.0, zs.0, zc.1, zs.1] {
                    let (v, acc) = accepted!(z);
                    cur += s.compress_store(v, acc, o, cur - skip).unwrap_or(0);
                }
                continue;
            }
            for z in [zc.0, zs.0, zc.1, zs.1] {
                let (v, acc) = accepted!(z);
                let mut tmp = [0.0f32; LANES];
                let k = s.compress_store(v, acc, &mut tmp, 0).unwrap_or(0);
                for (j, &x) in tmp[..k].iter().enumerate() {
                    if cur + j >= skip && cur + j < end {
                        o[cur + j - skip] = x;
                    }
                }
                cur += k;
            }
        }
    }
}
