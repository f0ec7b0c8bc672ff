//! The two float types every sampler, initializer and kernel supports, as numbers: one sealed trait with
//! the arithmetic, conversions and constants generic code needs, and [`Float::PRECISION`] with the slice
//! views that let a generic function reach the native `f32` or `f64` path of a lower layer. It names no
//! stream, sampler or kernel (those layers switch on the precision themselves).

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    /// Only `f32` and `f64` are [`Float`](super::Float)s.
    pub trait Sealed {}
}

/// `f32` or `f64`. Each sampler has a native path per type (an `f32` is never an `f64` sample cast down,
/// except where a method's documentation says so).
pub trait Float:
    sealed::Sealed
    + Copy
    + Default
    + PartialOrd
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Name of the type (`"f32"`, `"f64"`).
    const NAME: &'static str;
    /// Largest finite value.
    const MAX: Self;
    /// Converts exactly to `f64`.
    fn to_f64(self) -> f64;
    /// Converts from `f64`, rounding to nearest (overflow gives infinity).
    fn from_f64(x: f64) -> Self;
    /// Converts from `usize` (rounding).
    fn from_usize(x: usize) -> Self;
    /// True unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// True if NaN.
    fn is_nan(self) -> bool;
    /// The largest value below `self` (for finite `self`).
    fn next_down(self) -> Self;
    /// The smallest value above `self` (for finite `self`).
    fn next_up(self) -> Self;
    /// The raw bits, widened to `u64`.
    fn to_bits_u64(self) -> u64;
    /// Square root (libm, identical on every target).
    fn sqrt(self) -> Self;
    /// exp (libm).
    fn exp(self) -> Self;
    /// Larger of two values (NaN-ignoring as `f32::max`).
    fn max(self, other: Self) -> Self;
    /// Smaller of two values.
    fn min(self, other: Self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Which of the two types this is: lets a generic function take the native path of each (matched at
    /// compile time after monomorphization).
    const PRECISION: Precision;
    /// Converts exactly from `f32`.
    fn from_f32(x: f32) -> Self;
    /// The slice as `f32`s when `Self` is `f32`.
    fn f32s(x: &[Self]) -> Option<&[f32]>;
    /// The slice as `f32`s when `Self` is `f32`.
    fn f32s_mut(x: &mut [Self]) -> Option<&mut [f32]>;
    /// The slice as `f64`s when `Self` is `f64`.
    fn f64s(x: &[Self]) -> Option<&[f64]>;
    /// The slice as `f64`s when `Self` is `f64`.
    fn f64s_mut(x: &mut [Self]) -> Option<&mut [f64]>;
}

/// The two precisions of [`Float`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

macro_rules! impl_float {
    ($t:ty, $name:literal, $prec:ident, $sqrt:path, $exp:path, $as32:expr, $as64:expr) => {
        impl sealed::Sealed for $t {}
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = $name;
            const MAX: Self = <$t>::MAX;
            const PRECISION: Precision = Precision::$prec;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn from_f32(x: f32) -> Self {
                x as $t
            }
            #[inline(always)]
            fn from_usize(x: usize) -> Self {
                x as $t
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn next_down(self) -> Self {
                <$t>::next_down(self)
            }
            #[inline(always)]
            fn next_up(self) -> Self {
                <$t>::next_up(self)
            }
            #[inline(always)]
            fn to_bits_u64(self) -> u64 {
                self.to_bits() as u64
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn f32s(x: &[Self]) -> Option<&[f32]> {
                #[allow(clippy::redundant_closure_call)]
                ($as32)(x)
            }
            #[inline(always)]
            fn f32s_mut(x: &mut [Self]) -> Option<&mut [f32]> {
                #[allow(clippy::redundant_closure_call)]
                ($as32)(x)
            }
            #[inline(always)]
            fn f64s(x: &[Self]) -> Option<&[f64]> {
                #[allow(clippy::redundant_closure_call)]
                ($as64)(x)
            }
            #[inline(always)]
            fn f64s_mut(x: &mut [Self]) -> Option<&mut [f64]> {
                #[allow(clippy::redundant_closure_call)]
                ($as64)(x)
            }
        }
    };
}

impl_float!(f32, "f32", F32, libm::sqrtf, libm::expf, Some, |_| None);
impl_float!(f64, "f64", F64, libm::sqrt, libm::exp, |_| None, Some);
