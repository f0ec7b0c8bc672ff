//! Uniform sampling on half-open intervals with the full mantissa resolution of each type.

use rand_core::Rng;

use crate::error::{Error, Result};
use crate::float::{Float, Precision};
use crate::sample::Distribution;

const SCALE_24: f32 = 1.0 / (1u32 << 24) as f32;
const SCALE_53: f64 = 1.0 / (1u64 << 53) as f64;

/// Uniform on `[0, 1)` from the top 24 bits of one 32-bit draw: `(x >> 8) * 2^-24`. Every multiple of
/// 2^-24 in `[0, 1)` is equally likely.
#[inline(always)]
pub fn unit_f32<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    bits_to_unit_f32(rng.next_u32())
}

/// Uniform on `[0, 1)` from the top 53 bits of one 64-bit draw: `(x >> 11) * 2^-53`.
#[inline(always)]
pub fn unit_f64<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    bits_to_unit_f64(rng.next_u64())
}

/// `(x >> 8) * 2^-24`, in `[0, 1)`.
#[inline(always)]
pub fn bits_to_unit_f32(x: u32) -> f32 {
    (x >> 8) as f32 * SCALE_24
}

/// `((x >> 8) + 1) * 2^-24`, in `(0, 1]`: safe to take the logarithm of.
#[inline(always)]
pub fn bits_to_open_closed_f32(x: u32) -> f32 {
    ((x >> 8) + 1) as f32 * SCALE_24
}

/// `(x >> 11) * 2^-53`, in `[0, 1)`.
#[inline(always)]
pub fn bits_to_unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 * SCALE_53
}

/// `((x >> 11) + 1) * 2^-53`, in `(0, 1]`: safe to take the logarithm of.
#[inline(always)]
pub fn bits_to_open_closed_f64(x: u64) -> f64 {
    ((x >> 11) + 1) as f64 * SCALE_53
}

/// The uniform distribution on the half-open interval `[low, high)`.
///
/// A value is `low + (high - low) * u` with `u` from [`unit_f32`] / [`unit_f64`]; a result that rounds up
/// to `high` is replaced by the largest value below `high`, so every output `x` satisfies
/// `low <= x < high` exactly.
///
/// ```
/// use weightinit_core::sample::{Distribution, Uniform};
/// use rand_xoshiro::Xoshiro256PlusPlus;
/// use rand_core::SeedableRng;
/// let u = Uniform::new(-0.5f32, 0.5).unwrap();
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
/// let x = u.sample(&mut rng);
/// assert!((-0.5..0.5).contains(&x));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uniform<T> {
    low: T,
    high: T,
    scale: T,
}

impl<T: Float> Uniform<T> {
    /// `[low, high)`. Errors: a bound that is not finite, `low >= high`
    /// ([`Error::EmptyRange`]), or a width `high - low` that overflows.
    pub fn new(low: T, high: T) -> Result<Self> {
        if !low.is_finite() {
            return Err(Error::InvalidParameter { name: "low", reason: "must be finite" });
        }
        if !high.is_finite() {
            return Err(Error::InvalidParameter { name: "high", reason: "must be finite" });
        }
        if low >= high {
            return Err(Error::EmptyRange { what: "uniform [low, high)" });
        }
        let scale = high - low;
        if !scale.is_finite() {
            return Err(Error::InvalidParameter { name: "high - low", reason: "width overflows the float type" });
        }
        Ok(Uniform { low, high, scale })
    }

    /// Lower bound (inclusive).
    pub fn low(&self) -> T {
        self.low
    }

    /// Upper bound (exclusive).
    pub fn high(&self) -> T {
        self.high
    }

    /// The parameters of the bulk fill.
    pub(crate) fn params(&self) -> crate::sample::bulk::UniformParams<T> {
        crate::sample::bulk::UniformParams {
            low: self.low,
            scale: self.scale,
            high: self.high,
            below_high: self.high.next_down(),
        }
    }

    /// Maps a unit value `u` in `[0, 1)` into `[low, high)`.
    #[inline(always)]
    pub fn from_unit(&self, u: T) -> T {
        let x = self.low + self.scale * u;
        if x < self.high { x } else { self.high.next_down() }
    }
}

impl<T: Float> Distribution<T> for Uniform<T> {
    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        let u = match T::PRECISION {
            Precision::F32 => T::from_f32(unit_f32(rng)),
            Precision::F64 => T::from_f64(unit_f64(rng)),
        };
        self.from_unit(u)
    }
}
