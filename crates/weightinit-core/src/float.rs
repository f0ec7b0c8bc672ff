//! The two float types every sampler, initializer and kernel supports, behind one sealed trait.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

use rand_core::Rng;

use crate::kernels::bulk::{self, UniformParams};
use crate::kernels::simd::Isa;
use crate::sample::{NormalMethod, TruncatedNormal};
use crate::sample::{box_muller, uniform, ziggurat};
use crate::stream::{BlockRng, Stream};

pub(crate) mod sealed {
    use crate::kernels::gemm::{Kernel, portable_kernel};
    #[cfg(feature = "std")]
    use crate::kernels::mat::{MatMut, MatRef};
    use crate::kernels::simd::{self, Isa};

    /// Per-type kernel plumbing, private to the crate.
    pub trait Sealed: Sized + 'static {
        /// The gemm microkernel for `isa` (falls back to the portable one).
        fn kernel(isa: Isa) -> Kernel<Self>;

        /// Dot product.
        fn dot(x: &[Self], y: &[Self]) -> Self;
        /// `c[j] += sum_p (alpha x[p xs]) b[p ldb + j]`, register-blocked.
        fn gemv_rows(alpha: Self, x: &[Self], xs: usize, k: usize, b: &[Self], ldb: usize, c: &mut [Self]);
        /// Runs `f` on a scratch buffer of at least `len` elements, reused per thread (contents unspecified).
        #[cfg(feature = "std")]
        fn with_pack_buffer<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R;
        /// `matrixmultiply`'s gemm on the views.
        #[cfg(feature = "std")]
        fn matrixmultiply(alpha: Self, a: MatRef<'_, Self>, b: MatRef<'_, Self>, beta: Self, c: MatMut<'_, Self>);
    }

    /// The portable 4 x 8 kernel, with no in-place, narrow or transposed-pack variants.
    const fn portable<T: crate::Float>() -> Kernel<T> {
        Kernel {
            isa: Isa::Portable,
            mr: 4,
            nr: 8,
            run: portable_kernel::<T>,
            edge_nr: 0,
            run_a: None,
            narrow: None,
            pack_bt: None,
        }
    }

    impl Sealed for f32 {
        #[cfg(feature = "std")]
        fn with_pack_buffer<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
            std::thread_local! {
                static BUF: core::cell::RefCell<std::vec::Vec<f32>> = const { core::cell::RefCell::new(std::vec::Vec::new()) };
            }
            BUF.with(|cell| match cell.try_borrow_mut() {
                Ok(mut buf) => {
                    if buf.len() < len {
                        buf.resize(len, 0.0);
                    }
                    f(&mut buf[..len])
                }
                // Re-entered on this thread (not done by this crate): use a fresh buffer.
                Err(_) => f(&mut std::vec![0.0; len]),
            })
        }
        fn kernel(isa: Isa) -> Kernel<f32> {
            match isa {
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => Kernel {
                    isa,
                    mr: 8,
                    nr: 32,
                    run: simd::x86::sgemm_8x32,
                    edge_nr: 16,
                    run_a: Some(simd::x86::sgemm_8xv_direct),
                    narrow: Some(simd::x86::sgemm_narrow),
                    pack_bt: Some(simd::x86::pack_bt_f32),
                },
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => Kernel {
                    isa,
                    mr: 6,
                    nr: 16,
                    run: simd::x86::sgemm_6x16,
                    edge_nr: 0,
                    run_a: None,
                    narrow: None,
                    pack_bt: None,
                },
                _ => portable::<f32>(),
            }
        }
        fn dot(x: &[f32], y: &[f32]) -> f32 {
            simd::dot(x, y)
        }
        fn gemv_rows(alpha: f32, x: &[f32], xs: usize, k: usize, b: &[f32], ldb: usize, c: &mut [f32]) {
            simd::gemv_rows_f32(alpha, x, xs, k, b, ldb, c)
        }
        #[cfg(feature = "std")]
        fn matrixmultiply(alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32, c: MatMut<'_, f32>) {
            simd::matrixmultiply_f32(alpha, a, b, beta, c)
        }
    }

    impl Sealed for f64 {
        #[cfg(feature = "std")]
        fn with_pack_buffer<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
            std::thread_local! {
                static BUF: core::cell::RefCell<std::vec::Vec<f64>> = const { core::cell::RefCell::new(std::vec::Vec::new()) };
            }
            BUF.with(|cell| match cell.try_borrow_mut() {
                Ok(mut buf) => {
                    if buf.len() < len {
                        buf.resize(len, 0.0);
                    }
                    f(&mut buf[..len])
                }
                // Re-entered on this thread (not done by this crate): use a fresh buffer.
                Err(_) => f(&mut std::vec![0.0; len]),
            })
        }
        fn kernel(_isa: Isa) -> Kernel<f64> {
            portable::<f64>()
        }
        fn dot(x: &[f64], y: &[f64]) -> f64 {
            simd::dot(x, y)
        }
        fn gemv_rows(alpha: f64, x: &[f64], xs: usize, k: usize, b: &[f64], ldb: usize, c: &mut [f64]) {
            simd::gemv_rows(alpha, x, xs, k, b, ldb, c)
        }
        #[cfg(feature = "std")]
        fn matrixmultiply(alpha: f64, a: MatRef<'_, f64>, b: MatRef<'_, f64>, beta: f64, c: MatMut<'_, f64>) {
            simd::matrixmultiply_f64(alpha, a, b, beta, c)
        }
    }
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
    /// Uniform on `[0, 1)` from the native number of bits (24 for f32 from one 32-bit draw, 53 for f64 from
    /// one 64-bit draw).
    fn unit<R: Rng + ?Sized>(rng: &mut R) -> Self;
    /// A standard normal by the ziggurat, native path.
    fn ziggurat<R: Rng + ?Sized>(rng: &mut R) -> Self;
    /// The same value as [`Float::ziggurat`], for bulk fills that keep the generator in registers.
    #[doc(hidden)]
    fn ziggurat_local(rng: &mut BlockRng) -> Self;
    /// A pair of independent standard normals by Box-Muller.
    fn box_muller<R: Rng + ?Sized>(rng: &mut R) -> (Self, Self);
    /// Random words one Box-Muller pair consumes (f32: one 64-bit word, f64: two).
    const BOX_MULLER_WORDS: usize;
    /// The normal method of [`Stream::fill_normal`](crate::Stream::fill_normal) for this type:
    /// [`NormalMethod::BoxMullerPoly`] for `f32` (the vectorized path), [`NormalMethod::Ziggurat`] for `f64`.
    const DEFAULT_NORMAL: NormalMethod;
    /// Bulk uniform fill (lane blocks) on `isa`.
    #[doc(hidden)]
    fn bulk_uniform(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], p: &UniformParams<Self>);
    /// Bulk polynomial Box-Muller fill on `isa`.
    #[doc(hidden)]
    fn bulk_normal_poly(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], mean: Self, std: Self);
    /// Bulk truncated-normal fill on `isa` when the fast path applies; false when it does not.
    #[doc(hidden)]
    fn bulk_truncated(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], t: &TruncatedNormal<Self>) -> bool;
}

macro_rules! impl_float {
    ($t:ty, $name:literal, $unit:path, $zig:path, $zig_local:path, $bm:path, $bm_words:expr, $sqrt:path, $exp:path) => {
        impl Float for $t {
            const DEFAULT_NORMAL: NormalMethod = <$t as Bulk>::DEFAULT_NORMAL_M;
            fn bulk_uniform(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], p: &UniformParams<Self>) {
                <$t as Bulk>::bulk_uniform_m(isa, stream, offset, out, p)
            }
            fn bulk_normal_poly(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], mean: Self, std: Self) {
                <$t as Bulk>::bulk_normal_poly_m(isa, stream, offset, out, mean, std)
            }
            fn bulk_truncated(
                isa: Isa,
                stream: &Stream,
                offset: u64,
                out: &mut [Self],
                t: &TruncatedNormal<Self>,
            ) -> bool {
                <$t as Bulk>::bulk_truncated_m(isa, stream, offset, out, t)
            }
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = $name;
            const MAX: Self = <$t>::MAX;
            const BOX_MULLER_WORDS: usize = $bm_words;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
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
            fn unit<R: Rng + ?Sized>(rng: &mut R) -> Self {
                $unit(rng)
            }
            #[inline(always)]
            fn ziggurat<R: Rng + ?Sized>(rng: &mut R) -> Self {
                $zig(rng)
            }
            #[inline(always)]
            fn ziggurat_local(rng: &mut BlockRng) -> Self {
                $zig_local(rng)
            }
            #[inline(always)]
            fn box_muller<R: Rng + ?Sized>(rng: &mut R) -> (Self, Self) {
                $bm(rng)
            }
        }
    };
}

impl Bulk for f32 {
    const DEFAULT_NORMAL_M: NormalMethod = NormalMethod::BoxMullerPoly;
    fn bulk_uniform_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], p: &UniformParams<f32>) {
        bulk::uniform_f32(isa, stream, offset, out, p)
    }
    fn bulk_normal_poly_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], mean: f32, std: f32) {
        bulk::normal_f32(isa, stream, offset, out, mean, std)
    }
    fn bulk_truncated_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [f32], t: &TruncatedNormal<f32>) -> bool {
        match t.fast_params() {
            Some(p) => {
                bulk::truncated_f32(isa, stream, offset, out, &p);
                true
            }
            None => false,
        }
    }
}

impl Bulk for f64 {
    const DEFAULT_NORMAL_M: NormalMethod = NormalMethod::Ziggurat;
    fn bulk_uniform_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [f64], p: &UniformParams<f64>) {
        bulk::uniform_f64(isa, stream, offset, out, p)
    }
    fn bulk_normal_poly_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [f64], mean: f64, std: f64) {
        let mut tmp = [0.0f32; 256];
        let mut pos = offset;
        for chunk in out.chunks_mut(256) {
            let t = &mut tmp[..chunk.len()];
            bulk::normal_f32(isa, stream, pos, t, 0.0, 1.0);
            for (o, &z) in chunk.iter_mut().zip(t.iter()) {
                *o = mean + std * z as f64;
            }
            pos += chunk.len() as u64;
        }
    }
    fn bulk_truncated_m(_: Isa, _: &Stream, _: u64, _: &mut [f64], _: &TruncatedNormal<f64>) -> bool {
        false
    }
}

/// Per-type bulk plumbing behind the public `Float` methods.
trait Bulk: Sized {
    const DEFAULT_NORMAL_M: NormalMethod;
    fn bulk_uniform_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], p: &UniformParams<Self>);
    fn bulk_normal_poly_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], mean: Self, std: Self);
    fn bulk_truncated_m(isa: Isa, stream: &Stream, offset: u64, out: &mut [Self], t: &TruncatedNormal<Self>) -> bool;
}

impl_float!(
    f32,
    "f32",
    uniform::unit_f32,
    ziggurat::standard_normal_f32,
    ziggurat::standard_normal_f32_local,
    box_muller::pair_f32,
    1,
    libm::sqrtf,
    libm::expf
);
impl_float!(
    f64,
    "f64",
    uniform::unit_f64,
    ziggurat::standard_normal_f64,
    ziggurat::standard_normal_f64_local,
    box_muller::pair_f64,
    2,
    libm::sqrt,
    libm::exp
);
