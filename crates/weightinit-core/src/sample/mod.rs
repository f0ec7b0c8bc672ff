//! Samplers: uniform, normal (Box-Muller and ziggurat) and truncated normal, in `f32` and `f64`, scalar
//! (one file per distribution) and bulk ([`bulk`]: the vectorized lane fills), and the `fill_*` methods of
//! [`Stream`](crate::Stream).
//!
//! Every sampler works over any [`rand_core::Rng`] (bring your own generator) through [`Distribution`], and
//! over the position-addressed blocks of a [`Stream`](crate::Stream) through
//! [`Distribution::fill_block`].

pub mod box_muller;
pub mod bulk;
mod fill;
#[cfg(feature = "std")]
pub use fill::MAX_THREADS;
pub mod normal;
pub mod truncated;
pub mod uniform;
pub mod ziggurat;
/// Generated ziggurat tables (by `tools/`, checked against the generator in its tests).
#[rustfmt::skip]
#[allow(clippy::all, clippy::unreadable_literal, clippy::excessive_precision)]
pub mod ziggurat_tables;

pub use normal::{Normal, NormalMethod};
pub use truncated::{TruncBounds, TruncatedNormal};
pub use uniform::Uniform;

use rand_core::Rng;

use crate::stream::BlockRng;

/// A probability distribution over `T` that can be sampled one value at a time from any generator, and
/// can fill consecutive values of a stream block.
pub trait Distribution<T> {
    /// Draws one value.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T;

    /// Writes values `skip .. skip + out.len()` of the sequence this distribution draws from a stream
    /// block's generator positioned at the block's start. The default draws and discards `skip` values,
    /// then samples in order (keeping the generator in a local); samplers with a fixed consumption per
    /// value override it to skip faster, always with the same result.
    #[inline]
    fn fill_block(&self, rng: &mut BlockRng, skip: usize, out: &mut [T]) {
        let mut local = rng.clone();
        for _ in 0..skip {
            let _ = self.sample(&mut local);
        }
        for o in out.iter_mut() {
            *o = self.sample(&mut local);
        }
        *rng = local;
    }
}
