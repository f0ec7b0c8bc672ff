//! Links weightinit-core and the FFI crate without std (the FFI crate's `panic-handler` feature supplies
//! the `#[panic_handler]`): if std sneaked into the dependency graph, its panic handler would be a
//! duplicate lang item and the build would fail. Run: exits 0 when the fills agree.

#![no_std]
#![no_main]

// The C library for the start files, memcpy and friends (a no_std binary links no default libraries).
#[link(name = "c")]
unsafe extern "C" {}

/// The host's precompiled `core` references the unwinding personality; with `panic = "abort"` it is never
/// called.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    let mut w = [0.0f32; 64];
    if weightinit_core::Stream::new(1, 2).fill_normal(0, &mut w, 0.0, 1.0).is_err() {
        return 1;
    }
    let mut v = [0.0f32; 64];
    // SAFETY: `v` holds 64 writable floats.
    let st = unsafe { weightinit_ffi::wi_fill_normal_f32(1, 2, 0, 0.0, 1.0, v.as_mut_ptr(), v.len()) };
    if st != weightinit_ffi::wi_status::WI_OK || v.iter().zip(&w).any(|(a, b)| a.to_bits() != b.to_bits()) {
        return 2;
    }
    0
}
