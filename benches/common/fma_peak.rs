//! This machine's single-core FMA peak, shared by `benches/kernels.rs` and `examples/gemm_step.rs`
//! (included with `#[path]`): 24 independent chains of 16-lane AVX-512 FMAs, enough to hide the FMA latency
//! on both FMA ports.

/// Flops of one step of [`fma_chains`] (24 chains x 16 lanes x multiply and add).
pub const FLOPS_PER_STEP: u64 = 2 * 24 * 16;

/// Runs `steps` steps of the 24 chains; `None` without AVX-512F.
pub fn fma_chains(x: f32, steps: usize) -> Option<f32> {
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn chains_avx512(x: f32, steps: usize) -> f32 {
        use std::arch::x86_64::*;
        let (vx, half) = (_mm512_set1_ps(x), _mm512_set1_ps(0.5));
        let mut acc = [_mm512_setzero_ps(); 24];
        for _ in 0..steps {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(*a, vx, half);
            }
        }
        let mut s = _mm512_setzero_ps();
        for a in acc {
            s = _mm512_add_ps(s, a);
        }
        _mm512_reduce_add_ps(s)
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx512f") {
        // SAFETY: AVX-512F was detected just above.
        return Some(unsafe { chains_avx512(x, steps) });
    }
    let _ = (x, steps);
    None
}
