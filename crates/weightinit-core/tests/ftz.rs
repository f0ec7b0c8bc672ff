//! The thread's flush-to-zero mode (`simd::set_flush_subnormals`): on where the CPU has it (x86-64 MXCSR,
//! AArch64 FPCR; CI runs this on both), off again, and per thread. Not under Miri, which runs no inline
//! assembly.
#![cfg(not(miri))]

use weightinit_core::simd::{flushing_subnormals, set_flush_subnormals};

#[test]
fn the_mode_switches_on_and_off_on_this_thread_only() {
    assert!(!flushing_subnormals(), "off by default");
    let (on, off_again) = std::thread::spawn(|| {
        set_flush_subnormals(true);
        let on = flushing_subnormals();
        // A subnormal product flushes to zero, a normal one is untouched.
        let tiny = std::hint::black_box(1e-20f32) * std::hint::black_box(1e-20f32);
        let normal = std::hint::black_box(1e-20f32) * std::hint::black_box(1e-10f32);
        assert!(!on || (tiny == 0.0 && normal == 1e-30), "{tiny} {normal}");
        set_flush_subnormals(false);
        (on, flushing_subnormals())
    })
    .join()
    .unwrap();
    if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        assert!(on, "subnormals flushed when on");
    }
    assert!(!off_again, "off again");
    assert!(!flushing_subnormals(), "another thread's mode does not change this one's");
    let subnormal = std::hint::black_box(1e-20f32) * std::hint::black_box(1e-20f32);
    assert!(subnormal > 0.0, "this thread keeps subnormals");
}
