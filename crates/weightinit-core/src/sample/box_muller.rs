//! Box-Muller transform (Box & Muller 1958): two independent uniforms give two independent standard normals,
//! `r = sqrt(-2 ln u1)`, `(r cos 2 pi u2, r sin 2 pi u2)`, with `u1` in `(0, 1]` so the logarithm is finite.
//!
//! The math is done in `f64` with libm (bit-identical on every target, including Cortex-M); the f32 pair is
//! computed from 32-bit uniforms in f64 and rounded once. Tail reach: with 32-bit `u1` the largest |z| is
//! sqrt(64 ln 2) = 6.66 (probability mass beyond: 2.7e-11); with 53-bit `u1`, 8.57 (1e-17).

use core::f64::consts::TAU;

use rand_core::Rng;

use crate::sample::uniform::{bits_to_open_closed_f64, bits_to_unit_f64};

const SCALE_32: f64 = 1.0 / 4_294_967_296.0;

/// One pair of standard normals in `f32` from one 64-bit draw: `u1 = (hi32 + 1) * 2^-32` in `(0, 1]`,
/// `u2 = lo32 * 2^-32` in `[0, 1)`.
#[inline]
pub fn pair_f32<R: Rng + ?Sized>(rng: &mut R) -> (f32, f32) {
    let bits = rng.next_u64();
    let u1 = ((bits >> 32) + 1) as f64 * SCALE_32;
    let u2 = (bits & 0xffff_ffff) as f64 * SCALE_32;
    let (a, b) = transform(u1, u2);
    (a as f32, b as f32)
}

/// One pair of standard normals in `f64` from two 64-bit draws: `u1` from the first (53 bits, `(0, 1]`),
/// `u2` from the second (53 bits, `[0, 1)`).
#[inline]
pub fn pair_f64<R: Rng + ?Sized>(rng: &mut R) -> (f64, f64) {
    let u1 = bits_to_open_closed_f64(rng.next_u64());
    let u2 = bits_to_unit_f64(rng.next_u64());
    transform(u1, u2)
}

#[inline(always)]
fn transform(u1: f64, u2: f64) -> (f64, f64) {
    let r = libm::sqrt(-2.0 * libm::log(u1));
    let (s, c) = libm::sincos(TAU * u2);
    (r * c, r * s)
}
