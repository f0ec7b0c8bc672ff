//! The normal distribution N(mean, std^2) by a named method.

use rand_core::Rng;

use crate::error::{Error, Result};
use crate::float::{Float, Precision};
use crate::sample::Distribution;
use crate::sample::{box_muller, bulk, ziggurat};
use crate::stream::BlockRng;

/// How standard normals are produced. Both are exact; they give different values for the same stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NormalMethod {
    /// The ziggurat ([`ziggurat::standard_normal_f64`]): fastest scalar method, variable consumption.
    #[default]
    Ziggurat,
    /// Box-Muller ([`box_muller::pair_f64`]): a fixed number of bits per pair of values.
    BoxMuller,
    /// Box-Muller with the portable f32 polynomials of [`math`](crate::simd::math) on the 16-lane block
    /// generators ([`bulk::normal_f32`]): the vectorized bulk path (explicit AVX-512 / AVX2 kernels
    /// chosen at run time), identical bits on every CPU and instruction set. The default of [`Stream::fill_normal`](crate::Stream::fill_normal) for `f32`. In
    /// `f64` the values are the f32 ones widened. Over a user generator, each 64-bit draw gives one value.
    BoxMullerPoly,
}

/// The normal distribution: `mean + std * z`, `z` a standard normal drawn by `method`.
///
/// ```
/// use weightinit_core::sample::{Distribution, Normal, NormalMethod};
/// use rand_xoshiro::Xoshiro256PlusPlus;
/// use rand_core::SeedableRng;
/// let n = Normal::new(0.0f64, 0.05, NormalMethod::Ziggurat).unwrap();
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
/// let x: f64 = n.sample(&mut rng);
/// assert!(x.abs() < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normal<T> {
    mean: T,
    std: T,
    method: NormalMethod,
}

impl NormalMethod {
    /// The method of [`Stream::fill_normal`](crate::Stream::fill_normal) for `T`:
    /// [`NormalMethod::BoxMullerPoly`] for `f32` (the vectorized path), [`NormalMethod::Ziggurat`] for `f64`.
    pub const fn default_for<T: Float>() -> NormalMethod {
        match T::PRECISION {
            Precision::F32 => NormalMethod::BoxMullerPoly,
            Precision::F64 => NormalMethod::Ziggurat,
        }
    }
}

/// A standard normal by the ziggurat, on `T`'s native path.
#[inline(always)]
fn zig<T: Float, R: Rng + ?Sized>(rng: &mut R) -> T {
    match T::PRECISION {
        Precision::F32 => T::from_f32(ziggurat::standard_normal_f32(rng)),
        Precision::F64 => T::from_f64(ziggurat::standard_normal_f64(rng)),
    }
}

/// As [`zig`], for a stream block's generator kept in a local: the cold path runs on a copy, so the
/// generator's address never escapes the fill loop.
#[inline(always)]
fn zig_local<T: Float>(rng: &mut BlockRng) -> T {
    match T::PRECISION {
        Precision::F32 => T::from_f32(ziggurat::standard_normal_f32_local(rng)),
        Precision::F64 => T::from_f64(ziggurat::standard_normal_f64_local(rng)),
    }
}

/// A pair of standard normals by Box-Muller, on `T`'s native path.
#[inline(always)]
fn pair<T: Float, R: Rng + ?Sized>(rng: &mut R) -> (T, T) {
    match T::PRECISION {
        Precision::F32 => {
            let (a, b) = box_muller::pair_f32(rng);
            (T::from_f32(a), T::from_f32(b))
        }
        Precision::F64 => {
            let (a, b) = box_muller::pair_f64(rng);
            (T::from_f64(a), T::from_f64(b))
        }
    }
}

/// Random 64-bit words one Box-Muller pair consumes (f32: one, f64: two).
const fn box_muller_words<T: Float>() -> usize {
    match T::PRECISION {
        Precision::F32 => 1,
        Precision::F64 => 2,
    }
}

impl<T: Float> Normal<T> {
    /// N(mean, std^2). Errors: `mean` not finite, `std` negative, NaN or infinite, or `|mean| + 16 std`
    /// beyond the type's range (a standard normal from either method never exceeds 16 in magnitude:
    /// the ziggurat's tail reaches at most R + 53 ln 2 / R < 13.7, Box-Muller sqrt(106 ln 2) < 8.6), so
    /// every output is finite. `std = 0` is allowed and gives `mean` (as PyTorch's `normal_`).
    pub fn new(mean: T, std: T, method: NormalMethod) -> Result<Self> {
        if !mean.is_finite() {
            return Err(Error::InvalidParameter { name: "mean", reason: "must be finite" });
        }
        if !(std.is_finite() && std >= T::ZERO) {
            return Err(Error::InvalidParameter { name: "std", reason: "must be finite and >= 0" });
        }
        if mean.to_f64().abs() + 16.0 * std.to_f64() > T::MAX.to_f64() {
            return Err(Error::InvalidParameter {
                name: "std",
                reason: "too large: |mean| + 16 std must stay inside the float type's range",
            });
        }
        Ok(Normal { mean, std, method })
    }

    /// The mean.
    pub fn mean(&self) -> T {
        self.mean
    }

    /// The standard deviation.
    pub fn std(&self) -> T {
        self.std
    }

    /// The method.
    pub fn method(&self) -> NormalMethod {
        self.method
    }
}

impl<T: Float> Distribution<T> for Normal<T> {
    /// One value. With Box-Muller the second value of the pair is discarded (use
    /// [`fill_block`](Distribution::fill_block) or a stream fill to use both).
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        let z = match self.method {
            NormalMethod::Ziggurat => zig::<T, R>(rng),
            NormalMethod::BoxMuller => pair::<T, _>(rng).0,
            NormalMethod::BoxMullerPoly => T::from_f32(bulk::poly_normal_pair(rng.next_u64()).1),
        };
        self.mean + self.std * z
    }

    fn fill_block(&self, rng: &mut BlockRng, skip: usize, out: &mut [T]) {
        match self.method {
            NormalMethod::Ziggurat => {
                let mut local = rng.clone();
                for _ in 0..skip {
                    let _ = zig_local::<T>(&mut local);
                }
                for o in out.iter_mut() {
                    *o = self.mean + self.std * zig_local::<T>(&mut local);
                }
                *rng = local;
            }
            NormalMethod::BoxMullerPoly => {
                // Not used by streams (they take the bulk lane path); a sequential fallback.
                let mut local = rng.clone();
                for _ in 0..skip {
                    let _ = local.next_u64();
                }
                for o in out.iter_mut() {
                    *o = self.sample(&mut local);
                }
                *rng = local;
            }
            NormalMethod::BoxMuller => {
                // Value 2k and 2k + 1 are the cosine and sine of pair k.
                for _ in 0..(skip / 2) * box_muller_words::<T>() {
                    let _ = rng.next_u64();
                }
                let mut out = out;
                if skip % 2 == 1 && !out.is_empty() {
                    let (_, b) = pair::<T, _>(rng);
                    out[0] = self.mean + self.std * b;
                    out = &mut out[1..];
                }
                let mut pairs = out.chunks_exact_mut(2);
                for p in &mut pairs {
                    let (a, b) = pair::<T, _>(rng);
                    p[0] = self.mean + self.std * a;
                    p[1] = self.mean + self.std * b;
                }
                if let [last] = pairs.into_remainder() {
                    *last = self.mean + self.std * pair::<T, _>(rng).0;
                }
            }
        }
    }
}
