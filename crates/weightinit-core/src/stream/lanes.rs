//! The 16-lane generator of a block (stream format, step 3): 16 Xoshiro256++ generators seeded from the
//! block hash, stepped in lockstep.

use super::{GAMMA, Stream, mix64};
use crate::simd::wide::{HALF_LANES, LANES, xoshiro_step, xoshiro_step_half};

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

    /// The state, word-major: `words()[w][l]` is word `w` of lane `l`.
    pub fn words(&self) -> &[[u64; LANES]; 4] {
        &self.s
    }

    /// Lane `l`'s Xoshiro256++ state words (for tests against `rand_xoshiro`).
    pub fn lane_state(&self, l: usize) -> [u64; 4] {
        [self.s[0][l], self.s[1][l], self.s[2][l], self.s[3][l]]
    }

    /// One Xoshiro256++ step of every lane (Blackman & Vigna 2018): the outputs.
    #[inline(always)]
    pub fn step(&mut self) -> [u64; LANES] {
        xoshiro_step(&mut self.s)
    }

    /// One Xoshiro256++ step of the lanes of half `h` (`8 h .. 8 h + 8`, `h` 0 or 1; the others untouched):
    /// the outputs.
    #[inline(always)]
    pub fn step_half(&mut self, h: usize) -> [u64; HALF_LANES] {
        if h == 0 { xoshiro_step_half::<0>(&mut self.s) } else { xoshiro_step_half::<1>(&mut self.s) }
    }
}
