//! Bulk fills of stream format v2: each block's values come from [`LANES`] independent Xoshiro256++
//! generators ("lanes") stepped in lockstep, so one block is one SIMD problem; the per-value math is the
//! portable polynomials of [`vmath`](super::vmath). One `#[inline(always)]` body is compiled three times
//! (portable, AVX2, AVX-512 via `#[target_feature]` wrappers in `simd`), giving identical bits on every path:
//! only IEEE add, multiply, divide, conversions and integer operations, no fused multiply-add.
//!
//! Layout of a block (see the crate docs, "Stream format"): step `g` of the 16 lanes yields one 64-bit word
//! per lane, `w[l]`, and the 32 f32 values `32 g + l` (from the high half of `w[l]`) and `32 g + 16 + l`
//! (from the low half); an f64 uniform takes the 16 values `16 g + l` from `w[l]`.

use crate::kernels::simd::Isa;
use crate::kernels::vmath::{ln_unit_f32, sincos_turn_f32, sqrt_f32};
use crate::stream::{BLOCK_LEN, Stream, mix64};

/// Generators per block.
pub const LANES: usize = 16;

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
/// Odd constant separating the lanes' seeds.
const LANE_KEY: u64 = 0xd1b5_4a32_d192_ed03;

/// The [`LANES`] Xoshiro256++ generators of one block, state word-major for vectorization.
#[derive(Debug, Clone)]
pub struct LaneRng {
    s: [[u64; LANES]; 4],
}

impl LaneRng {
    /// The lanes of `block` of `stream`: lane `l`'s state words are `mix64(hl + (w + 1) G)` with
    /// `hl = mix64(h ^ (l + 1) K)`, `h` the block hash of [`Stream::block_hash`], `K = 0xd1b54a32d192ed03`.
    #[inline(always)]
    pub fn new(stream: &Stream, block: u64) -> LaneRng {
        let h = stream.block_hash(block);
        let mut hl = [0u64; LANES];
        for (l, v) in hl.iter_mut().enumerate() {
            *v = mix64(h ^ LANE_KEY.wrapping_mul(l as u64 + 1));
        }
        let mut s = [[0u64; LANES]; 4];
        for (w, row) in s.iter_mut().enumerate() {
            for (x, &b) in row.iter_mut().zip(&hl) {
                *x = mix64(b.wrapping_add(GAMMA.wrapping_mul(w as u64 + 1)));
            }
        }
        LaneRng { s }
    }

    /// Lane `l`'s Xoshiro256++ state words (for tests against `rand_xoshiro`).
    pub fn lane_state(&self, l: usize) -> [u64; 4] {
        [self.s[0][l], self.s[1][l], self.s[2][l], self.s[3][l]]
    }

    /// One Xoshiro256++ step of every lane (Blackman & Vigna 2018): the outputs.
    #[inline(always)]
    pub fn step(&mut self) -> [u64; LANES] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u64; LANES];
        for l in 0..LANES {
            out[l] = s0[l].wrapping_add(s3[l]).rotate_left(23).wrapping_add(s0[l]);
            let t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = s3[l].rotate_left(45);
        }
        out
    }
}

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

/// The 32 f32 uniforms of one lane step.
#[inline(always)]
fn uniform_group_f32(w: &[u64; LANES], p: &UniformParams<f32>, out: &mut [f32; 2 * LANES]) {
    for l in 0..LANES {
        let hi = (w[l] >> 32) as u32;
        let lo = w[l] as u32;
        let a = p.low + p.scale * ((hi >> 8) as f32 * (1.0 / 16_777_216.0));
        let b = p.low + p.scale * ((lo >> 8) as f32 * (1.0 / 16_777_216.0));
        out[l] = if a < p.high { a } else { p.below_high };
        out[LANES + l] = if b < p.high { b } else { p.below_high };
    }
}

/// The 16 f64 uniforms of one lane step.
#[inline(always)]
fn uniform_group_f64(w: &[u64; LANES], p: &UniformParams<f64>, out: &mut [f64; LANES]) {
    for l in 0..LANES {
        let a = p.low + p.scale * ((w[l] >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0));
        out[l] = if a < p.high { a } else { p.below_high };
    }
}

/// The largest f32 below 2^32: caps `u1` below 1 so the radius is never exactly 0.
const X_CAP: f32 = 4_294_967_040.0;

/// `u1 * 2^32` for the high half `hi` of a word: `hi + 1/2` rounded to f32, capped at [`X_CAP`], so
/// `u1` is in `(0, 1)`.
#[inline(always)]
fn radius_arg(hi: u32) -> f32 {
    let x = hi as f32 + 0.5;
    if x < X_CAP { x } else { X_CAP }
}

/// The 32 standard normals of one lane step (Box-Muller with the polynomials of `vmath`): radius from the
/// high 32 bits, `u1 = (hi + 1/2) 2^-32` in `(0, 1)` (f32 rounding of `hi`, so full 32-bit resolution in
/// the tail and f32 resolution near 1), angle `(k + 1/2) 2^-24` turns from the top 24 bits `k` of the low
/// half. The tail reaches sqrt(-2 ln(2^-33)) = 6.77; no value is exactly 0.
#[inline(always)]
fn normal_group_f32(w: &[u64; LANES], out: &mut [f32; 2 * LANES]) {
    for l in 0..LANES {
        let hi = (w[l] >> 32) as u32;
        let lo = w[l] as u32;
        let r = sqrt_f32(-2.0 * ln_unit_f32(radius_arg(hi)));
        let (s, c) = sincos_turn_f32(lo >> 8);
        out[l] = r * c;
        out[LANES + l] = r * s;
    }
}

/// `(sin-branch, cos-branch)` standard normals of one 64-bit word, as the bulk path computes them.
#[inline(always)]
pub fn poly_normal_pair(w: u64) -> (f32, f32) {
    let hi = (w >> 32) as u32;
    let lo = w as u32;
    let r = sqrt_f32(-2.0 * ln_unit_f32(radius_arg(hi)));
    let (s, c) = sincos_turn_f32(lo >> 8);
    (r * s, r * c)
}

/// Produces the `G` values of one lane step (a trait, not a closure, so `#[inline(always)]` carries the
/// code into each `#[target_feature]` wrapper).
trait Group<T, const G: usize> {
    fn fill(&self, w: &[u64; LANES], out: &mut [T; G]);
}

struct UniformF32<'a>(&'a UniformParams<f32>);
struct UniformF64<'a>(&'a UniformParams<f64>);
struct NormalF32 {
    mean: f32,
    std: f32,
}

impl Group<f32, { 2 * LANES }> for UniformF32<'_> {
    #[inline(always)]
    fn fill(&self, w: &[u64; LANES], out: &mut [f32; 2 * LANES]) {
        uniform_group_f32(w, self.0, out)
    }
}

impl Group<f64, LANES> for UniformF64<'_> {
    #[inline(always)]
    fn fill(&self, w: &[u64; LANES], out: &mut [f64; LANES]) {
        uniform_group_f64(w, self.0, out)
    }
}

impl Group<f32, { 2 * LANES }> for NormalF32 {
    #[inline(always)]
    fn fill(&self, w: &[u64; LANES], out: &mut [f32; 2 * LANES]) {
        normal_group_f32(w, out);
        for v in out.iter_mut() {
            *v = self.mean + self.std * *v;
        }
    }
}

/// Fills `out` with values `skip .. skip + out.len()` of one block, group after group.
#[inline(always)]
fn fill_block<T: Copy + Default, const G: usize, Q: Group<T, G>>(rng: &mut LaneRng, skip: usize, out: &mut [T], q: &Q) {
    for _ in 0..skip / G {
        rng.step();
    }
    let mut out = out;
    let head = skip % G;
    if head != 0 && !out.is_empty() {
        let mut tmp = [T::default(); G];
        q.fill(&rng.step(), &mut tmp);
        let n = (G - head).min(out.len());
        out[..n].copy_from_slice(&tmp[head..head + n]);
        out = &mut out[n..];
    }
    let mut chunks = out.chunks_exact_mut(G);
    for ch in &mut chunks {
        let ch: &mut [T; G] = ch.try_into().expect("G values");
        q.fill(&rng.step(), ch);
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let mut tmp = [T::default(); G];
        q.fill(&rng.step(), &mut tmp);
        let n = rest.len();
        rest.copy_from_slice(&tmp[..n]);
    }
}

/// The blocks a fill from `offset` touches, as `(block, skip within it, length)` (the caller checked that
/// `offset + len` fits `u64`).
#[inline(always)]
fn blocks(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize)> {
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

/// Runs `q` over every block of a fill.
#[inline(always)]
fn fill_all<T: Copy + Default, const G: usize, Q: Group<T, G>>(stream: &Stream, offset: u64, out: &mut [T], q: &Q) {
    let mut rest = out;
    for (block, skip, n) in blocks(offset, rest.len()) {
        let (head, tail) = rest.split_at_mut(n);
        let mut rng = LaneRng::new(stream, block);
        fill_block(&mut rng, skip, head, q);
        rest = tail;
    }
}

/// The shared bodies, compiled once per ISA by the wrappers in `simd`.
pub(crate) mod body {
    use super::*;

    #[inline(always)]
    pub(crate) fn uniform_f32(stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
        fill_all(stream, offset, out, &UniformF32(p));
    }

    #[inline(always)]
    pub(crate) fn uniform_f64(stream: &Stream, offset: u64, out: &mut [f64], p: &UniformParams<f64>) {
        fill_all(stream, offset, out, &UniformF64(p));
    }

    #[inline(always)]
    pub(crate) fn normal_f32(stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
        fill_all(stream, offset, out, &NormalF32 { mean, std });
    }

    /// Truncated normal by per-lane rejection: position `p` of a block belongs to lane `p % 16` and holds
    /// that lane's `(p / 16)`-th accepted candidate (the candidates of a lane are its cosine then sine
    /// values, step after step); a candidate `z` is accepted when `alpha <= z <= beta`. The value is
    /// `mean + std * z`, clamped to `[lo, hi]`.
    #[inline(always)]
    pub(crate) fn truncated_f32(stream: &Stream, offset: u64, out: &mut [f32], t: &TruncParams) {
        let mut rest = out;
        for (block, skip, n) in blocks(offset, rest.len()) {
            let (o, tail) = rest.split_at_mut(n);
            rest = tail;
            let mut rng = LaneRng::new(stream, block);
            let per_lane_needed = (skip + n).div_ceil(LANES);
            let mut count = [0usize; LANES];
            let mut g = [0.0f32; 2 * LANES];
            while count.iter().any(|&c| c < per_lane_needed) {
                normal_group_f32(&rng.step(), &mut g);
                for half in 0..2 {
                    for l in 0..LANES {
                        let z = g[half * LANES + l];
                        if t.alpha <= z && z <= t.beta && count[l] < per_lane_needed {
                            let p = l + LANES * count[l];
                            if p >= skip && p < skip + n {
                                let v = t.mean + t.std * z;
                                o[p - skip] = if v < t.lo {
                                    t.lo
                                } else if v > t.hi {
                                    t.hi
                                } else {
                                    v
                                };
                            }
                            count[l] += 1;
                        }
                    }
                }
            }
        }
    }
}

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
    /// Lowest output.
    pub lo: f32,
    /// Highest output.
    pub hi: f32,
}

/// Uniform f32 bulk fill on the path `isa` (which must be available).
pub fn uniform_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
    crate::kernels::simd::dispatch_uniform_f32(isa, stream, offset, out, p)
}

/// Uniform f64 bulk fill on the path `isa`.
pub fn uniform_f64(isa: Isa, stream: &Stream, offset: u64, out: &mut [f64], p: &UniformParams<f64>) {
    crate::kernels::simd::dispatch_uniform_f64(isa, stream, offset, out, p)
}

/// Normal f32 bulk fill on the path `isa`.
pub fn normal_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
    crate::kernels::simd::dispatch_normal_f32(isa, stream, offset, out, mean, std)
}

/// Truncated-normal f32 bulk fill on the path `isa`.
pub fn truncated_f32(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], t: &TruncParams) {
    crate::kernels::simd::dispatch_truncated_f32(isa, stream, offset, out, t)
}
