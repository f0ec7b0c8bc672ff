//! The sequential generator of a block (stream format, step 2).

use core::convert::Infallible;

use rand_core::{Rng, TryRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator of one stream block: Xoshiro256++ (Blackman & Vigna 2018) with a 32-bit draw that uses
/// both halves of a 64-bit output, high half first. A 64-bit draw always takes a fresh output and leaves a
/// pending low half in place.
#[derive(Debug, Clone)]
pub struct BlockRng {
    inner: Xoshiro256PlusPlus,
    half: u32,
    has_half: bool,
}

impl BlockRng {
    /// A generator from Xoshiro256++ state bytes (see [`Stream::block_rng`](super::Stream::block_rng)).
    pub(super) fn from_seed(seed: [u8; 32]) -> BlockRng {
        use rand_core::SeedableRng;
        BlockRng { inner: Xoshiro256PlusPlus::from_seed(seed), half: 0, has_half: false }
    }
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
