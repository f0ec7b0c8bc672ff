//! Portable f32 polynomials for the bulk samplers: the same operations in the same order on every target
//! and vector width (plain IEEE multiply, add, divide; no fused multiply-add anywhere; integer bit tricks),
//! so scalar, AVX2 and AVX-512 code give identical bits and a Cortex-M gets the same values as a server.
//!
//! Accuracy, measured against libm in f64 by the test suite over 2^20 arguments and the edge cases:
//! [`ln_unit_f32`] within 3 ulp of the exact value, [`sincos_turn_f32`] within 2e-7 absolute,
//! [`sqrt_f32`] within 1 ulp.

use core::f32::consts::FRAC_PI_2;

/// ln(x * 2^-32) for `x` in `[1, 2^32)` (Cephes' logf: reduction to a mantissa in [sqrt(1/2), sqrt(2)),
/// a degree-8 polynomial, ln 2 split in two parts).
#[inline(always)]
pub fn ln_unit_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    let e = ((bits >> 23) as i32) - 127 - 32;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > core::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = if big { e + 1 } else { e };
    let f = m - 1.0;
    let z = f * f;
    let mut p = 7.037_683_6e-2;
    p = p * f - 1.151_461e-1;
    p = p * f + 1.167_699_9e-1;
    p = p * f - 1.242_014_1e-1;
    p = p * f + 1.424_932_3e-1;
    p = p * f - 1.666_805_8e-1;
    p = p * f + 2.000_071_5e-1;
    p = p * f - 2.499_999_4e-1;
    p = p * f + 3.333_333e-1;
    let ef = e as f32;
    let mut y = f * z * p;
    y += -2.121_944_4e-4 * ef;
    y += -0.5 * z;
    let r = f + y;
    r + 0.693_359_4 * ef
}

/// sqrt(x) for `x >= 0` by three Newton steps `y = (y + x / y) / 2` from a bit-trick estimate (within
/// 1 ulp; 0 for `x = 0`).
#[inline(always)]
pub fn sqrt_f32(x: f32) -> f32 {
    let y0 = f32::from_bits((x.to_bits() >> 1).wrapping_add(0x1fbd_1df5));
    let y1 = 0.5 * (y0 + x / y0);
    let y2 = 0.5 * (y1 + x / y1);
    let y3 = 0.5 * (y2 + x / y2);
    if x > 0.0 { y3 } else { 0.0 }
}

/// `(sin 2 pi u, cos 2 pi u)` for `u = (k + 1/2) 2^-24`, `k` a 24-bit integer (the half step keeps the
/// angle off the axes, so neither value is ever exactly 0): exact reduction to the nearest quarter turn in
/// integer arithmetic, Cephes' sinf/cosf polynomials on [-pi/4, pi/4], quadrant fix by sign and swap.
#[inline(always)]
pub fn sincos_turn_f32(k: u32) -> (f32, f32) {
    let k2 = 2 * k + 1;
    let n = (k2 + (1 << 22)) >> 23;
    let r = (k2 as i32 - (n << 23) as i32) as f32 * (1.0 / 8_388_608.0);
    let t = r * FRAC_PI_2;
    let z = t * t;
    let s = ((-1.951_529_6e-4 * z + 8.332_161e-3) * z - 1.666_665_5e-1) * z * t + t;
    let c = ((2.443_315_7e-5 * z - 1.388_731_6e-3) * z + 4.166_664_6e-2) * z * z - 0.5 * z + 1.0;
    let q = n & 3;
    let (sa, ca) = if q & 1 != 0 { (c, s) } else { (s, c) };
    let sin_neg = (q & 2) << 30;
    let cos_neg = ((q + 1) & 2) << 30;
    (f32::from_bits(sa.to_bits() ^ sin_neg), f32::from_bits(ca.to_bits() ^ cos_neg))
}
