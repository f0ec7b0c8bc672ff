//! Portable f32 polynomials for the bulk samplers, written once over the [`Math`] trait so the scalar path
//! ([`Scalar`], what embedded targets run) and the x86-64 SIMD paths (AVX2 + FMA, AVX-512, in `x86`) execute
//! the same IEEE operations in the same order: add, subtract, multiply, **fused multiply-add** (one rounding,
//! on every path: the FMA instructions on x86-64, [`fmaf`] on the portable path), correctly rounded square
//! root, `i32 -> f32` conversion, comparisons and integer bit operations. The results are therefore
//! bit-identical on every path, and a Cortex-M gets the same values as a server.
//!
//! Accuracy, measured against f64 references by the test suite (`tests/bulk.rs`): the logarithm
//! ([`neg2_ln_unit`], tested as [`ln_unit_f32`]) within 1.7 ulp over every f32 argument in `[1, 2^31]`
//! (1.68 measured, an ignored exhaustive test; 1.13 over the 2^20 sampler-like arguments the default run
//! checks); [`sincos_eighth_f32`] within 1.2e-7 absolute over all 2^24 angles (sine 7.3e-8, cosine
//! 1.07e-7 measured); the square root is exact (correctly rounded, IEEE 754).

use core::f32::consts::FRAC_PI_4;

pub use super::fma::fmaf;

/// Lane-wise f32 / u32 operations the polynomials are written in. A value of an implementing type is a
/// witness that its instructions can run (see the SIMD tokens in `simd`).
///
/// Every method is one IEEE operation per lane (rounding to nearest even), or an exact integer operation.
pub trait Math: Copy {
    /// f32 lanes.
    type F: Copy;
    /// u32 lanes (also read as i32 by [`Math::i32_to_f32`]).
    type U: Copy;
    /// Lane mask.
    type M: Copy;
    /// Every lane `x`.
    fn splat(self, x: f32) -> Self::F;
    /// Every lane `x`.
    fn splat_u(self, x: u32) -> Self::U;
    /// `a + b`.
    fn add(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a - b`.
    fn sub(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a * b`.
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a * b + c` with one rounding (fused multiply-add).
    fn fma(self, a: Self::F, b: Self::F, c: Self::F) -> Self::F;
    /// Correctly rounded square root.
    fn sqrt(self, a: Self::F) -> Self::F;
    /// `a < b` (false for NaN).
    fn lt(self, a: Self::F, b: Self::F) -> Self::M;
    /// `a <= b` (false for NaN).
    fn le(self, a: Self::F, b: Self::F) -> Self::M;
    /// `a > b ? a : b` (x86 `maxps`: `b` when they are equal, zeros of either sign included, or unordered).
    fn max(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a < b ? a : b` (x86 `minps`: `b` when they are equal or unordered).
    fn min(self, a: Self::F, b: Self::F) -> Self::F;
    /// `m ? a : b`.
    fn select(self, m: Self::M, a: Self::F, b: Self::F) -> Self::F;
    /// `m ? a : b`.
    fn select_u(self, m: Self::M, a: Self::U, b: Self::U) -> Self::U;
    /// The bits of `a`.
    fn to_bits(self, a: Self::F) -> Self::U;
    /// The f32 with bits `a`.
    fn bits_to_f(self, a: Self::U) -> Self::F;
    /// `a` read as i32, converted to the nearest f32.
    fn i32_to_f32(self, a: Self::U) -> Self::F;
    /// Wrapping `a + b`.
    fn add_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// Wrapping `a - b`.
    fn sub_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a & b`.
    fn and_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a | b`.
    fn or_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a ^ b`.
    fn xor_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a >> K` (logical).
    fn shr_u<const K: u32>(self, a: Self::U) -> Self::U;
    /// `a << K`.
    fn shl_u<const K: u32>(self, a: Self::U) -> Self::U;
    /// `a >> K` (arithmetic: `a` read as i32).
    fn sra_u<const K: u32>(self, a: Self::U) -> Self::U;
    /// `a != 0`.
    fn nonzero_u(self, a: Self::U) -> Self::M;
    /// `a < b`, unsigned.
    fn lt_u(self, a: Self::U, b: Self::U) -> Self::M;
    /// The smaller of `a` and `b`, unsigned.
    fn min_u(self, a: Self::U, b: Self::U) -> Self::U;
    /// `a & b`.
    fn and_m(self, a: Self::M, b: Self::M) -> Self::M;
    /// `t[i & 15]` per lane (a 16-entry table lookup).
    fn lookup16(self, t: &[f32; 16], i: Self::U) -> Self::F;
}

/// One lane in plain Rust: the path every target can run (and the reference for the others).
#[derive(Debug, Clone, Copy)]
pub struct Scalar;

impl Math for Scalar {
    type F = f32;
    type U = u32;
    type M = bool;
    #[inline(always)]
    fn splat(self, x: f32) -> f32 {
        x
    }
    #[inline(always)]
    fn splat_u(self, x: u32) -> u32 {
        x
    }
    #[inline(always)]
    fn add(self, a: f32, b: f32) -> f32 {
        a + b
    }
    #[inline(always)]
    fn sub(self, a: f32, b: f32) -> f32 {
        a - b
    }
    #[inline(always)]
    fn mul(self, a: f32, b: f32) -> f32 {
        a * b
    }
    #[inline(always)]
    fn fma(self, a: f32, b: f32, c: f32) -> f32 {
        fmaf(a, b, c)
    }
    #[inline(always)]
    fn sqrt(self, a: f32) -> f32 {
        libm::sqrtf(a)
    }
    #[inline(always)]
    fn lt(self, a: f32, b: f32) -> bool {
        a < b
    }
    #[inline(always)]
    fn le(self, a: f32, b: f32) -> bool {
        a <= b
    }
    #[inline(always)]
    fn max(self, a: f32, b: f32) -> f32 {
        if a > b { a } else { b }
    }
    #[inline(always)]
    fn min(self, a: f32, b: f32) -> f32 {
        if a < b { a } else { b }
    }
    #[inline(always)]
    fn select(self, m: bool, a: f32, b: f32) -> f32 {
        if m { a } else { b }
    }
    #[inline(always)]
    fn select_u(self, m: bool, a: u32, b: u32) -> u32 {
        if m { a } else { b }
    }
    #[inline(always)]
    fn to_bits(self, a: f32) -> u32 {
        a.to_bits()
    }
    #[inline(always)]
    fn bits_to_f(self, a: u32) -> f32 {
        f32::from_bits(a)
    }
    #[inline(always)]
    fn i32_to_f32(self, a: u32) -> f32 {
        a as i32 as f32
    }
    #[inline(always)]
    fn add_u(self, a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }
    #[inline(always)]
    fn sub_u(self, a: u32, b: u32) -> u32 {
        a.wrapping_sub(b)
    }
    #[inline(always)]
    fn and_u(self, a: u32, b: u32) -> u32 {
        a & b
    }
    #[inline(always)]
    fn or_u(self, a: u32, b: u32) -> u32 {
        a | b
    }
    #[inline(always)]
    fn xor_u(self, a: u32, b: u32) -> u32 {
        a ^ b
    }
    #[inline(always)]
    fn shr_u<const K: u32>(self, a: u32) -> u32 {
        a >> K
    }
    #[inline(always)]
    fn shl_u<const K: u32>(self, a: u32) -> u32 {
        a << K
    }
    #[inline(always)]
    fn sra_u<const K: u32>(self, a: u32) -> u32 {
        ((a as i32) >> K) as u32
    }
    #[inline(always)]
    fn nonzero_u(self, a: u32) -> bool {
        a != 0
    }
    #[inline(always)]
    fn lt_u(self, a: u32, b: u32) -> bool {
        a < b
    }
    #[inline(always)]
    fn min_u(self, a: u32, b: u32) -> u32 {
        a.min(b)
    }
    #[inline(always)]
    fn and_m(self, a: bool, b: bool) -> bool {
        a & b
    }
    #[inline(always)]
    fn lookup16(self, t: &[f32; 16], i: u32) -> f32 {
        t[(i & 15) as usize]
    }
}

/// `a * b + c` with one rounding.
#[inline(always)]
fn mad<S: Math>(s: S, a: S::F, b: S::F, c: f32) -> S::F {
    s.fma(a, b, s.splat(c))
}

/// -2 ln(x 2^-31) for `x` in `[1, 2^31]`, table-driven (the reduction of ARM's optimized-routines `logf`,
/// in f32 with fused multiply-adds): `x = 2^(e + 31) z` with `z` in `[OFF, 2 OFF)`, `OFF = 0.69921875`,
/// by integer arithmetic on the bits; 4 bits of the mantissa pick `(1/c, -2 ln c)` from a 16-entry table
/// (`ln_table.rs`, generated by `weightinit-tools`); with `s = -2 r = fma(z, -2/c, 2)` (`|r| < 0.031`),
/// `-2 ln(x 2^-31) = (-2 e ln 2 - 2 ln c) + (s + s^2 P(s))`, `P` a cubic, each parenthesis one fused
/// multiply-add. The interval holding 1 has `c = 1`, so the result keeps its relative accuracy as `x`
/// approaches `2^31`.
#[inline(always)]
pub fn neg2_ln_unit<S: Math>(s: S, x: S::F) -> S::F {
    use super::ln_table::{NEG2_INV_C, NEG2_LN_C, OFF, P};
    let ix = s.to_bits(x);
    let tmp = s.sub_u(ix, s.splat_u(OFF));
    // Bits 19..23 of `tmp` (the low 4 bits of `i`) pick the interval; `tmp >> 23` is e + 31.
    let i = s.shr_u::<19>(tmp);
    let e = s.i32_to_f32(s.sub_u(s.shr_u::<23>(tmp), s.splat_u(31)));
    let z = s.bits_to_f(s.sub_u(ix, s.and_u(tmp, s.splat_u(0xff80_0000))));
    // sn = -2 r = fma(z, -2/c, 2) (exactly -2 times fma(z, 1/c, -1)).
    let sn = s.fma(z, s.lookup16(&NEG2_INV_C, i), s.splat(2.0));
    let y0 = s.fma(e, s.splat(-2.0 * core::f32::consts::LN_2), s.lookup16(&NEG2_LN_C, i));
    let s2 = s.mul(sn, sn);
    let p = s.fma(mad(s, s.splat(P[3]), sn, P[2]), s2, mad(s, s.splat(P[1]), sn, P[0]));
    // -2 log1p(r) = sn + sn^2 P(sn) first (small), then the table and exponent part.
    s.add(y0, s.fma(p, s2, sn))
}

/// `(sin t, cos t)` for `t = (2 j + 1) (pi / 4) 2^-24`, `j = w >> 8` read as a signed 24-bit integer
/// (`t` in `(-pi/4, pi/4)`, symmetric, never 0): Cephes' sinf/cosf polynomials with fused multiply-adds.
#[inline(always)]
pub fn sincos_eighth<S: Math>(s: S, w: S::U) -> (S::F, S::F) {
    // t = (2 j + 1) C with j = w >> 8 (signed), C = (pi/4) 2^-24, as fma(j, 2 C, C): the same real number
    // rounded once, so the same bits as the product `((w >> 7) | 1) C` (both integers are exact in f32).
    let j = s.i32_to_f32(s.sra_u::<8>(w));
    let t = s.fma(j, s.splat(FRAC_PI_4 / 8_388_608.0), s.splat(FRAC_PI_4 / 16_777_216.0));
    let z = s.mul(t, t);
    let mut sp = s.splat(-1.951_529_6e-4);
    sp = mad(s, sp, z, 8.332_161e-3);
    sp = mad(s, sp, z, -1.666_665_5e-1);
    let sn = s.fma(sp, s.mul(z, t), t);
    let mut cp = s.splat(2.443_315_7e-5);
    cp = mad(s, cp, z, -1.388_731_6e-3);
    cp = mad(s, cp, z, 4.166_664_6e-2);
    let cs = s.fma(cp, s.mul(z, z), mad(s, z, s.splat(-0.5), 1.0));
    (sn, cs)
}

/// ln(x 2^-31) for `x` in `[1, 2^31]`: scalar [`neg2_ln_unit`] times -1/2 (exact).
pub fn ln_unit_f32(x: f32) -> f32 {
    -0.5 * neg2_ln_unit(Scalar, x)
}

/// Scalar [`sincos_eighth`] of the 24-bit angle index `j` (`j < 2^24`, read as signed):
/// `(sin t, cos t)`, `t = (2 j + 1) (pi / 4) 2^-24`.
pub fn sincos_eighth_f32(j: u32) -> (f32, f32) {
    sincos_eighth(Scalar, j << 8)
}

/// Two independent vectors of `S` per value, operation by operation: the instruction stream interleaves two
/// dependency chains, which hides the latency of the long polynomial chains (same bits as `S` on each).
#[derive(Debug, Clone, Copy)]
pub struct Two<S>(pub S);

/// Implements a [`Math`] method of [`Two`] component-wise.
macro_rules! two {
    ($name:ident($($a:ident: $t:ident),*) -> $r:ident) => {
        #[inline(always)]
        fn $name(self, $($a: Self::$t),*) -> Self::$r {
            (self.0.$name($($a.0),*), self.0.$name($($a.1),*))
        }
    };
}

impl<S: Math> Math for Two<S> {
    type F = (S::F, S::F);
    type U = (S::U, S::U);
    type M = (S::M, S::M);
    #[inline(always)]
    fn splat(self, x: f32) -> Self::F {
        (self.0.splat(x), self.0.splat(x))
    }
    #[inline(always)]
    fn splat_u(self, x: u32) -> Self::U {
        (self.0.splat_u(x), self.0.splat_u(x))
    }
    two!(add(a: F, b: F) -> F);
    two!(max(a: F, b: F) -> F);
    two!(min(a: F, b: F) -> F);
    two!(sub(a: F, b: F) -> F);
    two!(mul(a: F, b: F) -> F);
    two!(fma(a: F, b: F, c: F) -> F);
    two!(sqrt(a: F) -> F);
    two!(lt(a: F, b: F) -> M);
    two!(le(a: F, b: F) -> M);
    two!(select(m: M, a: F, b: F) -> F);
    two!(select_u(m: M, a: U, b: U) -> U);
    two!(to_bits(a: F) -> U);
    two!(bits_to_f(a: U) -> F);
    two!(i32_to_f32(a: U) -> F);
    two!(add_u(a: U, b: U) -> U);
    two!(sub_u(a: U, b: U) -> U);
    two!(and_u(a: U, b: U) -> U);
    two!(or_u(a: U, b: U) -> U);
    two!(xor_u(a: U, b: U) -> U);
    two!(nonzero_u(a: U) -> M);
    two!(lt_u(a: U, b: U) -> M);
    two!(and_m(a: M, b: M) -> M);
    two!(min_u(a: U, b: U) -> U);
    #[inline(always)]
    fn shr_u<const K: u32>(self, a: Self::U) -> Self::U {
        (self.0.shr_u::<K>(a.0), self.0.shr_u::<K>(a.1))
    }
    #[inline(always)]
    fn shl_u<const K: u32>(self, a: Self::U) -> Self::U {
        (self.0.shl_u::<K>(a.0), self.0.shl_u::<K>(a.1))
    }
    #[inline(always)]
    fn sra_u<const K: u32>(self, a: Self::U) -> Self::U {
        (self.0.sra_u::<K>(a.0), self.0.sra_u::<K>(a.1))
    }
    #[inline(always)]
    fn lookup16(self, t: &[f32; 16], i: Self::U) -> Self::F {
        (self.0.lookup16(t, i.0), self.0.lookup16(t, i.1))
    }
}

/// Sixteen lanes as plain arrays, one loop per operation: the portable path of the bulk samplers. The
/// compiler vectorizes the loops for whatever the target has (SSE2, NEON, ...) and runs them as scalar code
/// on targets without SIMD; each lane is exactly [`Scalar`].
#[derive(Debug, Clone, Copy)]
pub struct Lanes16;

/// Lane mask of [`Lanes16`]: all ones (true) or zero per lane.
pub type Mask16 = [u32; 16];

/// Implements a [`Lanes16`] method as a lane loop over [`Scalar`]'s.
macro_rules! lanes16 {
    ($name:ident($($a:ident: $t:ty),*) -> $r:ty) => {
        #[inline(always)]
        fn $name(self, $($a: $t),*) -> $r {
            core::array::from_fn(|l| Scalar.$name($($a[l]),*))
        }
    };
}

/// Implements a [`Lanes16`] comparison as a lane loop giving an all-ones / zero mask.
macro_rules! lanes16_mask {
    ($name:ident($($a:ident: $t:ty),*)) => {
        #[inline(always)]
        fn $name(self, $($a: $t),*) -> Mask16 {
            core::array::from_fn(|l| if Scalar.$name($($a[l]),*) { u32::MAX } else { 0 })
        }
    };
}

impl Math for Lanes16 {
    type F = [f32; 16];
    type U = [u32; 16];
    type M = Mask16;
    #[inline(always)]
    fn splat(self, x: f32) -> [f32; 16] {
        [x; 16]
    }
    #[inline(always)]
    fn splat_u(self, x: u32) -> [u32; 16] {
        [x; 16]
    }
    lanes16!(add(a: [f32; 16], b: [f32; 16]) -> [f32; 16]);
    lanes16!(sub(a: [f32; 16], b: [f32; 16]) -> [f32; 16]);
    lanes16!(mul(a: [f32; 16], b: [f32; 16]) -> [f32; 16]);
    lanes16!(fma(a: [f32; 16], b: [f32; 16], c: [f32; 16]) -> [f32; 16]);
    lanes16!(sqrt(a: [f32; 16]) -> [f32; 16]);
    lanes16_mask!(lt(a: [f32; 16], b: [f32; 16]));
    lanes16_mask!(le(a: [f32; 16], b: [f32; 16]));
    lanes16!(max(a: [f32; 16], b: [f32; 16]) -> [f32; 16]);
    lanes16!(min(a: [f32; 16], b: [f32; 16]) -> [f32; 16]);
    #[inline(always)]
    fn select(self, m: Mask16, a: [f32; 16], b: [f32; 16]) -> [f32; 16] {
        core::array::from_fn(|l| f32::from_bits((a[l].to_bits() & m[l]) | (b[l].to_bits() & !m[l])))
    }
    #[inline(always)]
    fn select_u(self, m: Mask16, a: [u32; 16], b: [u32; 16]) -> [u32; 16] {
        core::array::from_fn(|l| (a[l] & m[l]) | (b[l] & !m[l]))
    }
    lanes16!(to_bits(a: [f32; 16]) -> [u32; 16]);
    lanes16!(bits_to_f(a: [u32; 16]) -> [f32; 16]);
    lanes16!(i32_to_f32(a: [u32; 16]) -> [f32; 16]);
    lanes16!(add_u(a: [u32; 16], b: [u32; 16]) -> [u32; 16]);
    lanes16!(sub_u(a: [u32; 16], b: [u32; 16]) -> [u32; 16]);
    lanes16!(and_u(a: [u32; 16], b: [u32; 16]) -> [u32; 16]);
    lanes16!(or_u(a: [u32; 16], b: [u32; 16]) -> [u32; 16]);
    lanes16!(xor_u(a: [u32; 16], b: [u32; 16]) -> [u32; 16]);
    lanes16!(min_u(a: [u32; 16], b: [u32; 16]) -> [u32; 16]);
    lanes16_mask!(nonzero_u(a: [u32; 16]));
    lanes16_mask!(lt_u(a: [u32; 16], b: [u32; 16]));
    #[inline(always)]
    fn shr_u<const K: u32>(self, a: [u32; 16]) -> [u32; 16] {
        a.map(|x| x >> K)
    }
    #[inline(always)]
    fn shl_u<const K: u32>(self, a: [u32; 16]) -> [u32; 16] {
        a.map(|x| x << K)
    }
    #[inline(always)]
    fn sra_u<const K: u32>(self, a: [u32; 16]) -> [u32; 16] {
        a.map(|x| ((x as i32) >> K) as u32)
    }
    #[inline(always)]
    fn and_m(self, a: Mask16, b: Mask16) -> Mask16 {
        core::array::from_fn(|l| a[l] & b[l])
    }
    #[inline(always)]
    fn lookup16(self, t: &[f32; 16], i: [u32; 16]) -> [f32; 16] {
        i.map(|i| t[(i & 15) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::{Lanes16, Math, Scalar};

    /// The clamp of the truncated bulk fill, `max(lo, min(hi, v))`, equals the compare-and-select form
    /// `v < lo ? lo : (hi < v ? hi : v)` bit for bit (signed zeros included) whenever `lo <= hi`.
    #[test]
    fn min_max_clamp_equals_the_select_form() {
        let vals = [-3.0f32, -2.0, -1.5, -0.0, 0.0, 1e-30, 0.5, 2.0, 2.5, f32::MAX, f32::MIN];
        for &lo in &vals {
            for &hi in vals.iter().filter(|&&h| lo <= h) {
                for &v in &vals {
                    let select = Scalar.select(Scalar.lt(v, lo), lo, Scalar.select(Scalar.lt(hi, v), hi, v));
                    let clamp = Scalar.max(lo, Scalar.min(hi, v));
                    assert_eq!(select.to_bits(), clamp.to_bits(), "lo {lo} hi {hi} v {v}");
                    let lanes = Lanes16.max(Lanes16.splat(lo), Lanes16.min(Lanes16.splat(hi), Lanes16.splat(v)));
                    assert!(lanes.iter().all(|x| x.to_bits() == clamp.to_bits()));
                }
            }
        }
        // x86 `maxps` / `minps` semantics: the second operand on ties (either zero) and on NaN.
        assert_eq!(Scalar.max(0.0, -0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(Scalar.min(-0.0, 0.0).to_bits(), 0.0f32.to_bits());
        assert!(Scalar.max(f32::NAN, 1.0) == 1.0 && Scalar.max(1.0, f32::NAN).is_nan());
    }
}
