//! x86-64: the AVX-512F and AVX2 + FMA tokens ([`lanes`]), the `#[target_feature]` entry points of
//! [`Isa::run`](super::Isa::run), and the gemm microkernels' intrinsics ([`gemm`]).

#![allow(unsafe_code)]

pub(crate) mod gemm;
mod lanes;

pub(crate) use lanes::{Avx2, Avx512};

use super::WithSimd;

/// Runs `op` with an AVX-512 token, its body compiled for AVX-512F (and POPCNT).
///
/// # Safety
/// The CPU must have AVX-512F and POPCNT ([`available`](super::available)`(Isa::Avx512)`).
#[target_feature(enable = "avx512f,popcnt")]
pub(super) unsafe fn run_avx512<O: WithSimd>(op: O) -> O::Output {
    // SAFETY: the caller guarantees the features this function is compiled for, so the token's claim holds.
    op.with_simd(unsafe { Avx512::new() })
}

/// Runs `op` with an AVX2 token, its body compiled for AVX2, FMA and POPCNT.
///
/// # Safety
/// The CPU must have AVX2, FMA and POPCNT ([`available`](super::available)`(Isa::Avx2)`).
#[target_feature(enable = "avx2,fma,popcnt")]
pub(super) unsafe fn run_avx2<O: WithSimd>(op: O) -> O::Output {
    // SAFETY: as above.
    op.with_simd(unsafe { Avx2::new() })
}
