//! Flush-to-zero and denormals-are-zero: a thread's floating-point mode, for the trainer's threads.
//!
//! A subnormal float (below 2^-126 in f32) takes a microcode assist on x86 on every operation that reads or
//! makes one: up to 100x slower. A deep net started from tiny weights (normal(0, 0.01) at 30 layers) makes
//! activations and gradients subnormal, and trained 15 times slower than from He's weights for that reason
//! alone. With these modes on, subnormal results are flushed to zero (FTZ) and subnormal inputs read as
//! zero (DAZ): x86's MXCSR bits 15 and 6, AArch64's FPCR.FZ (bit 24, both directions). Every worker thread
//! of a run sets the same mode, so results stay identical for any thread count. Elsewhere nothing changes.

#![allow(unsafe_code)] // two instructions that read and write the thread's floating-point control register

/// Sets (or clears) flush-to-zero and denormals-are-zero on the calling thread.
pub fn set_flush_subnormals(on: bool) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    {
        const BITS: u32 = (1 << 15) | (1 << 6);
        let mut csr: u32 = 0;
        // SAFETY: `stmxcsr` writes the 4-byte MXCSR to the address of `csr`, a live, aligned u32; SSE is part
        // of x86-64.
        unsafe { core::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
        let new = if on { csr | BITS } else { csr & !BITS };
        // SAFETY: `ldmxcsr` reads MXCSR from `new`, a live u32 that differs from the current value only in the
        // FTZ and DAZ bits (valid bits on every x86-64 CPU: DAZ since the Pentium 4); no exception is unmasked.
        unsafe { core::arch::asm!("ldmxcsr [{}]", in(reg) &new, options(nostack, preserves_flags)) };
    }
    #[cfg(all(target_arch = "aarch64", not(miri)))]
    {
        const FZ: u64 = 1 << 24;
        let fpcr: u64;
        // SAFETY: reading FPCR has no side effect.
        unsafe { core::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack, preserves_flags)) };
        let new = if on { fpcr | FZ } else { fpcr & !FZ };
        // SAFETY: writing FPCR with only the FZ bit changed switches subnormal flushing; no trap is enabled.
        unsafe { core::arch::asm!("msr fpcr, {}", in(reg) new, options(nomem, nostack, preserves_flags)) };
    }
    // Miri does not run inline assembly: there the mode is left alone.
    #[cfg(any(miri, not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
    let _ = on;
}

/// Whether the calling thread flushes subnormals (false where the mode is not supported).
pub fn flushing_subnormals() -> bool {
    // 2^-140 is subnormal in f32; with FTZ its product with 1 flushes to zero, with DAZ it reads as zero.
    let tiny = core::hint::black_box(f32::from_bits(1 << 9));
    core::hint::black_box(tiny * 1.0) == 0.0
}
