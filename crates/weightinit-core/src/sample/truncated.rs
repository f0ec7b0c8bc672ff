//! The truncated normal: N(mean, std^2) conditioned on `a <= x <= b`.
//!
//! Standardized bounds `alpha = (a - mean) / std`, `beta = (b - mean) / std` select one of Robert's (1995,
//! "Simulation of truncated normal variables") exact rejection samplers, all in `f64`:
//!
//! * the interval holds 0 and is wider than sqrt(2 pi): draw normals (ziggurat) until one lands inside;
//! * the interval holds 0 and is narrower: `z ~ U(alpha, beta)`, accept with probability `exp(-z^2/2)`;
//! * one-sided (`alpha >= 0`; `beta <= 0` by symmetry): a translated exponential with Robert's optimal rate
//!   `lambda = (alpha + sqrt(alpha^2 + 4)) / 2`, `z = alpha + E / lambda`, accepted with probability
//!   `exp(-(z - lambda)^2 / 2)` and `z <= beta`; or, when the interval is narrow by Robert's criterion,
//!   `z ~ U(alpha, beta)` accepted with probability `exp((alpha^2 - z^2) / 2)`.
//!
//! The value `mean + std * z` is rounded to the output type and clamped to the bounds as represented in that
//! type, so every output lies inside `[a, b]` in `f32` as in `f64`, for any std and however far in the tail.

use core::f64::consts::{E, TAU};

use rand_core::Rng;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::sample::Distribution;
use crate::sample::uniform::{bits_to_open_closed_f64, bits_to_unit_f64};
use crate::sample::ziggurat::standard_normal_f64;

/// The Keras/TF/JAX correction: the std of a standard normal truncated to [-2, 2] is 0.87962566103423978,
/// so a truncated-normal initializer divides its target std by this to keep the variance it promises.
#[allow(clippy::excessive_precision)] // The literal as Keras writes it.
pub const STD_OF_STANDARD_NORMAL_TRUNCATED_AT_2: f64 = 0.879_625_661_034_239_78;

/// Where a truncated normal is cut. The two conventions frameworks use, named so they cannot be confused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TruncBounds<T> {
    /// Absolute values `[a, b]`, as PyTorch's `trunc_normal_(mean, std, a=-2, b=2)` (note: PyTorch's
    /// default bounds are absolute, not in units of std).
    Absolute {
        /// Lower bound.
        a: T,
        /// Upper bound.
        b: T,
    },
    /// Bounds in standard deviations: `[mean + low * std, mean + high * std]`, as Keras/TF/JAX
    /// (`low = -2, high = 2`).
    StdUnits {
        /// Lower bound in std units.
        low: T,
        /// Upper bound in std units.
        high: T,
    },
}

impl<T: Float> TruncBounds<T> {
    /// ±2 standard deviations, the Keras/JAX truncation.
    pub fn two_sigma() -> Self {
        TruncBounds::StdUnits { low: T::from_f64(-2.0), high: T::from_f64(2.0) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    /// Normal draws until inside.
    Normal,
    /// Uniform proposal on an interval holding 0.
    UniformCentral,
    /// Uniform proposal on [alpha, beta] with alpha >= 0.
    UniformTail,
    /// Translated exponential with rate `lambda`.
    Exponential { lambda: f64 },
}

/// N(mean, std^2) truncated to `[a, b]`; see the module docs for the algorithm.
///
/// ```
/// use weightinit_core::sample::{Distribution, TruncatedNormal, TruncBounds};
/// use rand_xoshiro::Xoshiro256PlusPlus;
/// use rand_core::SeedableRng;
/// // PyTorch: trunc_normal_(w, mean=0, std=0.02, a=-0.04, b=0.04)
/// let t = TruncatedNormal::new(0.0f32, 0.02, TruncBounds::Absolute { a: -0.04, b: 0.04 }).unwrap();
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
/// for _ in 0..1000 {
///     let x = t.sample(&mut rng);
///     assert!((-0.04..=0.04).contains(&x));
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedNormal<T> {
    mean: f64,
    std: f64,
    /// Standardized interval, after the flip when `flip`.
    alpha: f64,
    beta: f64,
    flip: bool,
    method: Method,
    lo: T,
    hi: T,
}

impl<T: Float> TruncatedNormal<T> {
    /// N(mean, std^2) truncated to `bounds`. Errors: `mean` not finite, `std` not finite or not `> 0`, a
    /// bound not finite (or not representable in `T`), or an empty interval.
    pub fn new(mean: T, std: T, bounds: TruncBounds<T>) -> Result<Self> {
        if !mean.is_finite() {
            return Err(Error::InvalidParameter { name: "mean", reason: "must be finite" });
        }
        if !(std.is_finite() && std > T::ZERO) {
            return Err(Error::InvalidParameter { name: "std", reason: "must be finite and > 0" });
        }
        let (m, s) = (mean.to_f64(), std.to_f64());
        let (lo, hi) = match bounds {
            TruncBounds::Absolute { a, b } => {
                if !a.is_finite() {
                    return Err(Error::InvalidParameter { name: "a", reason: "must be finite" });
                }
                if !b.is_finite() {
                    return Err(Error::InvalidParameter { name: "b", reason: "must be finite" });
                }
                if a >= b {
                    return Err(Error::EmptyRange { what: "truncated normal [a, b]" });
                }
                (a, b)
            }
            TruncBounds::StdUnits { low, high } => {
                if !low.is_finite() {
                    return Err(Error::InvalidParameter { name: "low", reason: "must be finite" });
                }
                if !high.is_finite() {
                    return Err(Error::InvalidParameter { name: "high", reason: "must be finite" });
                }
                if low >= high {
                    return Err(Error::EmptyRange { what: "truncated normal [low, high] (std units)" });
                }
                let a = m + low.to_f64() * s;
                let b = m + high.to_f64() * s;
                (round_up::<T>(a)?, round_down::<T>(b)?)
            }
        };
        if lo > hi {
            return Err(Error::EmptyRange { what: "truncated normal bounds (empty in this float type)" });
        }
        let alpha = (lo.to_f64() - m) / s;
        let beta = (hi.to_f64() - m) / s;
        if alpha.is_nan() || beta.is_nan() || alpha > beta {
            return Err(Error::EmptyRange { what: "truncated normal standardized bounds" });
        }
        let (flip, alpha, beta) = if beta <= 0.0 && alpha < 0.0 { (true, -beta, -alpha) } else { (false, alpha, beta) };
        let method = choose(alpha, beta);
        Ok(TruncatedNormal { mean: m, std: s, alpha, beta, flip, method, lo, hi })
    }

    /// Lower bound as represented in `T` (inclusive).
    pub fn low(&self) -> T {
        self.lo
    }

    /// Upper bound as represented in `T` (inclusive).
    pub fn high(&self) -> T {
        self.hi
    }

    /// The bulk path's parameters, when it is exact enough to use: the interval keeps at least a quarter of
    /// the normal's mass (rejection stays cheap) and lies within ±6 std (inside the polynomial
    /// Box-Muller's reach of 6.56 std). `None` otherwise (the exact scalar samplers are used).
    pub(crate) fn fast_params(&self) -> Option<crate::sample::bulk::TruncParams> {
        let (a, b) = if self.flip { (-self.beta, -self.alpha) } else { (self.alpha, self.beta) };
        let mass = crate::stats::normal_cdf(b) - crate::stats::normal_cdf(a);
        if !(mass >= 0.25 && a >= -6.0 && b <= 6.0) {
            return None;
        }
        Some(crate::sample::bulk::TruncParams {
            alpha: a as f32,
            beta: b as f32,
            mean: self.mean as f32,
            std: self.std as f32,
            lo: self.lo.to_f64() as f32,
            hi: self.hi.to_f64() as f32,
        })
    }

    /// Draws a standardized value in `[alpha, beta]` (before the flip).
    #[inline]
    fn standard<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let (alpha, beta) = (self.alpha, self.beta);
        match self.method {
            Method::Normal => loop {
                let z = standard_normal_f64(rng);
                if alpha <= z && z <= beta {
                    return z;
                }
            },
            Method::UniformCentral => loop {
                let z = alpha + (beta - alpha) * bits_to_unit_f64(rng.next_u64());
                let u = bits_to_unit_f64(rng.next_u64());
                if u < libm::exp(-0.5 * z * z) {
                    return z;
                }
            },
            Method::UniformTail => loop {
                let z = alpha + (beta - alpha) * bits_to_unit_f64(rng.next_u64());
                let u = bits_to_unit_f64(rng.next_u64());
                if u < libm::exp(-0.5 * (z - alpha) * (z + alpha)) {
                    return z;
                }
            },
            Method::Exponential { lambda } => loop {
                let z = alpha - libm::log(bits_to_open_closed_f64(rng.next_u64())) / lambda;
                let u = bits_to_unit_f64(rng.next_u64());
                let d = z - lambda;
                if z <= beta && u < libm::exp(-0.5 * d * d) {
                    return z;
                }
            },
        }
    }
}

/// Robert's (1995) choice between the proposals, for an interval with `alpha < 0 < beta` or `alpha >= 0`.
fn choose(alpha: f64, beta: f64) -> Method {
    if alpha < 0.0 {
        // Holds zero: the uniform proposal beats plain rejection when the interval is narrower than
        // sqrt(2 pi) (acceptance (Phi(b) - Phi(a)) sqrt(2 pi) / (b - a) versus Phi(b) - Phi(a)).
        return if beta - alpha < libm::sqrt(TAU) { Method::UniformCentral } else { Method::Normal };
    }
    let root = if alpha > 1e8 { 2.0 * alpha } else { alpha + libm::sqrt(alpha * alpha + 4.0) };
    let lambda = 0.5 * root;
    // Robert (1995), Section 2.2: the uniform proposal is better when
    // beta < alpha + 2 sqrt(e) / (alpha + sqrt(alpha^2 + 4)) * exp((alpha^2 - alpha sqrt(alpha^2 + 4)) / 4),
    // where alpha^2 - alpha sqrt(alpha^2 + 4) = -4 alpha / root (stable for any alpha).
    let width = 2.0 * libm::sqrt(E) / root * libm::exp(-alpha / root);
    if beta - alpha < width { Method::UniformTail } else { Method::Exponential { lambda } }
}

fn round_up<T: Float>(x: f64) -> Result<T> {
    let t = T::from_f64(x);
    if !t.is_finite() {
        return Err(Error::InvalidParameter { name: "bounds", reason: "outside the float type's range" });
    }
    Ok(if t.to_f64() < x { t.next_up() } else { t })
}

fn round_down<T: Float>(x: f64) -> Result<T> {
    let t = T::from_f64(x);
    if !t.is_finite() {
        return Err(Error::InvalidParameter { name: "bounds", reason: "outside the float type's range" });
    }
    Ok(if t.to_f64() > x { t.next_down() } else { t })
}

impl<T: Float> Distribution<T> for TruncatedNormal<T> {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> T {
        let z = self.standard(rng);
        let z = if self.flip { -z } else { z };
        let x = T::from_f64(self.mean + self.std * z);
        // Clamp in T: rounding of mean + std * z may step just outside. NaN cannot occur (finite inputs).
        if x < self.lo {
            self.lo
        } else if x > self.hi {
            self.hi
        } else {
            x
        }
    }
}
