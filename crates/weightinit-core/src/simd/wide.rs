//! The 16-lane operations the bulk samplers are written in, beyond [`Math`]: Xoshiro256++ generators
//! held in registers ([`Wide::step_half`]: one half of a block's 16 lanes at a time), plain, streaming and
//! compressed stores. Implemented by the portable [`Lanes16`] here and by the x86-64 tokens in `x86`;
//! every implementation gives the same bits.

use super::math::{Lanes16, Mask16, Math};

/// Lanes (generators) per block.
pub const LANES: usize = 16;

/// One Xoshiro256++ step (Blackman & Vigna 2018) of 16 word-major lane states `st[w][l]`: the outputs.
#[inline(always)]
pub fn xoshiro_step(st: &mut [[u64; LANES]; 4]) -> [u64; LANES] {
    let (lo, hi) = (xoshiro_step_half::<0>(st), xoshiro_step_half::<1>(st));
    core::array::from_fn(|l| if l < HALF_LANES { lo[l] } else { hi[l - HALF_LANES] })
}

/// Two Xoshiro256++ state updates of one lane's words `[a, b, c, d]` at once (outputs discarded), in the
/// form the AVX-512 token runs them: with `L x = x << 17`, `R x = rotl(x, 45)`, `x = d ^ b`, `y = c ^ a`,
/// the state after two steps is `[c ^ d ^ R x, a ^ d ^ L b, c ^ x ^ L y, R(R x ^ b ^ y)]` (expand two
/// updates and cancel: ten operations, four of them three-way XORs, instead of twelve).
#[inline(always)]
pub fn xoshiro_skip2([a, b, c, d]: [u64; 4]) -> [u64; 4] {
    let (x, y) = (d ^ b, c ^ a);
    let r = x.rotate_left(45);
    [c ^ d ^ r, a ^ d ^ (b << 17), c ^ x ^ (y << 17), (r ^ b ^ y).rotate_left(45)]
}

/// Lanes per half of a block: lanes `0..8` generate a block's first half, lanes `8..16` its second.
pub const HALF_LANES: usize = LANES / 2;

/// One Xoshiro256++ step of the lanes `8 H .. 8 H + 8` of 16 word-major lane states (the other half
/// untouched): the outputs.
#[inline(always)]
pub fn xoshiro_step_half<const H: usize>(st: &mut [[u64; LANES]; 4]) -> [u64; HALF_LANES] {
    let [s0, s1, s2, s3] = st;
    let mut out = [0u64; HALF_LANES];
    for (j, o) in out.iter_mut().enumerate() {
        let l = H * HALF_LANES + j;
        *o = s0[l].wrapping_add(s3[l]).rotate_left(23).wrapping_add(s0[l]);
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

/// The 16 u32 words of one half step's outputs `x` (8 lanes): word `j` is the low (`j` even) or high
/// (`j` odd) half of `x[j / 2]` (a 512-bit register of 8 lanes read as 16 words as it stands).
#[inline(always)]
pub fn half_words(x: &[u64; HALF_LANES]) -> [u32; LANES] {
    core::array::from_fn(|j| (x[j / 2] >> (32 * (j & 1))) as u32)
}

/// What the explicit SIMD bulk bodies need beyond [`Math`]: the 16 lane generators in registers, stores
/// and a masked scatter. Implemented by the x86-64 tokens and by [`Lanes16`] (plain arrays, vectorized by the compiler).
pub trait Wide: Math {
    /// 16 u64 lanes.
    type W: Copy;
    /// Whether large fills use streaming stores (never on the portable path, whose targets may not have
    /// 16 KiB of stack to spare for the staging block).
    const STREAMING: bool;
    /// The lanes' state words.
    fn load_state(self, words: &[[u64; LANES]; 4]) -> [Self::W; 4];
    /// One Xoshiro256++ step of the lanes of half `H` (`8 H .. 8 H + 8`; the other half untouched): the
    /// outputs as the 16 words of [`half_words`].
    fn step_half<const H: usize>(self, st: &mut [Self::W; 4]) -> Self::U;
    /// `n` Xoshiro256++ steps of the lanes of half `H`, outputs discarded (a run that starts inside a
    /// block steps its lanes past the values before it). By default `n` calls of [`Wide::step_half`]; a
    /// token may take two steps at once in fewer operations ([`xoshiro_skip2`]).
    #[inline(always)]
    fn skip_half<const H: usize>(self, st: &mut [Self::W; 4], n: usize) {
        // The state in registers for the whole loop (stepping it through a struct field made a
        // store-to-load round trip per step: 0.12 us per row of a column block starting mid-block).
        let mut s = *st;
        for _ in 0..n {
            self.step_half::<H>(&mut s);
        }
        *st = s;
    }
    /// Stores the 16 lanes.
    fn store(self, v: Self::F, out: &mut [f32; LANES]);
    /// Loads 16 lanes.
    fn load(self, src: &[f32; LANES]) -> Self::F;
    /// Stores the 16 lanes with a streaming (non-temporal) store if `out` is 64-byte aligned, else plainly.
    fn stream(self, v: Self::F, out: &mut [f32; LANES]);
    /// Orders earlier streaming stores before later stores (`sfence`).
    fn fence(self);
    /// A hint that `at` will be written soon: a software prefetch of its first line, which also starts the
    /// page walk of its address early (no effect on the values; none on the portable path).
    #[inline(always)]
    fn prefetch(self, at: &[f32]) {
        let _ = at;
    }
    /// Whether [`Wide::rotate`] is one instruction: large fills then stream straight from registers to
    /// any destination; otherwise only to 64-byte-aligned ones (others go through the staging block).
    const ROTATE: bool;
    /// The index vector of [`Wide::rotate`] for a shift of `h < 16` lanes: lane `t` holds `h + t`.
    fn rotate_index(self, h: usize) -> Self::U;
    /// Lanes `h..16` of `a` followed by lanes `0..h` of `b` (`idx` from [`Wide::rotate_index`]).
    fn rotate(self, a: Self::F, b: Self::F, idx: Self::U) -> Self::F;
    /// Writes the lanes of `v` selected by `m`, in lane order, to `out[at..]`, and returns how many. May
    /// write all 16 slots `out[at..at + 16]` (the ones past the count with unspecified values); requires
    /// `at + 16 <= out.len()`, else writes nothing and returns `None`.
    fn compress_store(self, v: Self::F, m: Self::M, out: &mut [f32], at: usize) -> Option<usize>;
    /// 8 f64 lanes (the f64 path of [`crate::kernels::householder_q`]).
    type D: Copy;
    /// Every f64 lane `x`.
    fn splat_d(self, x: f64) -> Self::D;
    /// Loads 8 f64 lanes.
    fn load_d(self, src: &[f64; 8]) -> Self::D;
    /// Stores 8 f64 lanes.
    fn store_d(self, v: Self::D, out: &mut [f64; 8]);
    /// `a * b + c` per f64 lane, rounded twice (a multiply, then an add; never fused): the same on every path.
    fn mul_add_d(self, a: Self::D, b: Self::D, c: Self::D) -> Self::D;
}

impl Wide for Lanes16 {
    type W = [u64; LANES];
    const STREAMING: bool = false;
    type D = [f64; 8];
    #[inline(always)]
    fn splat_d(self, x: f64) -> [f64; 8] {
        [x; 8]
    }
    #[inline(always)]
    fn load_d(self, src: &[f64; 8]) -> [f64; 8] {
        *src
    }
    #[inline(always)]
    fn store_d(self, v: [f64; 8], out: &mut [f64; 8]) {
        *out = v;
    }
    #[inline(always)]
    fn mul_add_d(self, a: [f64; 8], b: [f64; 8], c: [f64; 8]) -> [f64; 8] {
        let mut r = c;
        for i in 0..8 {
            r[i] = a[i] * b[i] + c[i];
        }
        r
    }
    #[inline(always)]
    fn load_state(self, words: &[[u64; LANES]; 4]) -> [[u64; LANES]; 4] {
        *words
    }
    #[inline(always)]
    fn step_half<const H: usize>(self, st: &mut [[u64; LANES]; 4]) -> [u32; LANES] {
        half_words(&xoshiro_step_half::<H>(st))
    }
    #[inline(always)]
    fn store(self, v: [f32; LANES], out: &mut [f32; LANES]) {
        *out = v;
    }
    #[inline(always)]
    fn load(self, src: &[f32; LANES]) -> [f32; LANES] {
        *src
    }
    #[inline(always)]
    fn stream(self, v: [f32; LANES], out: &mut [f32; LANES]) {
        *out = v;
    }
    #[inline(always)]
    fn fence(self) {}
    const ROTATE: bool = false;
    #[inline(always)]
    fn rotate_index(self, h: usize) -> [u32; LANES] {
        core::array::from_fn(|t| (h + t) as u32)
    }
    #[inline(always)]
    fn rotate(self, a: [f32; LANES], b: [f32; LANES], idx: [u32; LANES]) -> [f32; LANES] {
        idx.map(|i| if (i as usize) < LANES { a[i as usize] } else { b[i as usize - LANES] })
    }
    #[inline(always)]
    fn compress_store(self, v: [f32; LANES], m: Mask16, out: &mut [f32], at: usize) -> Option<usize> {
        let dst = out.get_mut(at..at.checked_add(LANES)?)?;
        let mut k = 0;
        for l in 0..LANES {
            // Branch-free: write every lane at the cursor (k <= l < 16), advance past the selected ones.
            dst[k] = v[l];
            k += (m[l] != 0) as usize;
        }
        Some(k)
    }
}
