//! x86-64: the AVX-512F and AVX2 + FMA tokens ([`lanes`]), the `#[target_feature]` entry points of
//! [`Isa::run`](super::Isa::run), and the gemm microkernels' intrinsics ([`gemm`]).

#![allow(unsafe_code)]

pub(crate) mod gemm;
mod lanes;

pub(crate) use lanes::{Avx2, Avx512};

use super::WithSimd;

/// Runs `op` with an AVX-512 token, its body compiled for AVX-512F (and POPCNT).
#[inline]
pub(super) fn run_avx512<O: WithSimd>(op: O) -> O::Output {
    #[target_feature(enable = "avx512f,popcnt")]
    fn go<O: WithSimd>(op: O) -> O::Output {
        // SAFETY: this function is compiled for AVX-512F and POPCNT, and runs only where the CPU has them
        // (checked below), so the token's claim holds.
        op.with_simd(unsafe { Avx512::new() })
    }
    // SAFETY: the caller (`Isa::run`) checked `available(Isa::Avx512)`.
    unsafe { go(op) }
}

/// Runs `op` with an AVX2 token, its body compiled for AVX2, FMA and POPCNT.
#[inline]
pub(super) fn run_avx2<O: WithSimd>(op: O) -> O::Output {
    #[target_feature(enable = "avx2,fma,popcnt")]
    fn go<O: WithSimd>(op: O) -> O::Output {
        // SAFETY: compiled for AVX2, FMA and POPCNT, run only where the CPU has them (checked below).
        op.with_simd(unsafe { Avx2::new() })
    }
    // SAFETY: the caller (`Isa::run`) checked `available(Isa::Avx2)`.
    unsafe { go(op) }
}
