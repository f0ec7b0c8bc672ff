//! `fmaf`: one fused multiply-add, the same value on every target.

#![allow(unsafe_code)]

/// `a * b + c` with one rounding (IEEE 754 fusedMultiplyAdd), on every target: the FMA instruction where the
/// build targets it (x86-64 with `fma`, AArch64 with NEON, Arm M-profile with an FPU: Cortex-M4F, M7, M33,
/// M55), else `libm::fmaf`, which detects FMA at run time on x86-64 and is an exact software fused
/// multiply-add elsewhere. The value is the same on every path.
///
/// ```
/// use weightinit_core::simd::fmaf;
/// // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46; the product rounds to 1 + 2^-22, and only the fused form sees
/// // the lost 2^-46.
/// let x = 1.0 + f32::EPSILON;
/// let p = x * x;
/// assert_eq!(fmaf(x, x, -p), 2f32.powi(-46));
/// assert_eq!(x * x - p, 0.0);
/// ```
#[inline(always)]
pub fn fmaf(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "fma"))]
    {
        use core::arch::x86_64::{_mm_cvtss_f32, _mm_fmadd_ss, _mm_set_ss};
        // SAFETY: this branch is compiled only when the whole build targets FMA (and SSE, baseline on
        // x86-64), so every CPU that runs it has these instructions; they only touch registers.
        unsafe { _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c))) }
    }
    #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
    {
        // NEON's fused multiply-add on one lane: the compiler sees a plain `fma`, inlines it and can
        // vectorize the lane loops of the portable path (a call into libm per operation would block that).
        use core::arch::aarch64::{vdupq_n_f32, vfmaq_f32, vgetq_lane_f32};
        // SAFETY: this branch is compiled only when the build targets NEON (baseline on AArch64), so every
        // CPU that runs it has these instructions; they only touch registers.
        unsafe { vgetq_lane_f32::<0>(vfmaq_f32(vdupq_n_f32(c), vdupq_n_f32(a), vdupq_n_f32(b))) }
    }
    #[cfg(all(target_arch = "arm", wi_m_profile_fpu))]
    {
        // Every M-profile FPU (FPv4-SP of a Cortex-M4F, FPv5 of an M7/M33/M55) has VFMA, but Rust's view of
        // these targets lacks the `vfp2` feature its `sreg` operands need: values go through core registers
        // and three scratch single-precision registers saved and restored around the instruction.
        let r: u32;
        // SAFETY: VFMA exists on every M-profile FPU (`wi_m_profile_fpu`: a thumbv7em/v8m eabihf target, set
        // by build.rs); s13-s15 are pushed and popped inside the block, so no register the compiler uses
        // changes; the stack use is balanced; the block reads and writes no other memory and leaves the
        // condition flags alone.
        unsafe {
            core::arch::asm!(
                "vpush {{s13-s15}}",
                "vmov s13, {c}",
                "vmov s14, {a}",
                "vmov s15, {b}",
                "vfma.f32 s13, s14, s15",
                "vmov {r}, s13",
                "vpop {{s13-s15}}",
                a = in(reg) a.to_bits(),
                b = in(reg) b.to_bits(),
                c = in(reg) c.to_bits(),
                r = lateout(reg) r,
                options(nomem, preserves_flags),
            );
        }
        f32::from_bits(r)
    }
    #[cfg(not(any(
        all(target_arch = "x86_64", target_feature = "fma"),
        all(target_arch = "aarch64", target_feature = "neon"),
        all(target_arch = "arm", wi_m_profile_fpu)
    )))]
    {
        libm::fmaf(a, b, c)
    }
}
