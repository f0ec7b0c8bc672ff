//! C ABI checks that are easier from Rust: misaligned pointers, status strings for every value.

use std::ffi::CStr;

use weightinit_ffi::*;

#[test]
fn misaligned_pointers_are_refused() {
    let mut buf = vec![0u32; 64];
    // SAFETY: a pointer one byte into a u32 buffer; the library must refuse it before any access.
    let p = unsafe { (buf.as_mut_ptr() as *mut u8).add(1) } as *mut f32;
    // SAFETY: the call only checks the pointer (misaligned) and returns.
    let st = unsafe { wi_fill_normal_f32(1, 2, 0, 0.0, 1.0, p, 8) };
    assert_eq!(st, wi_status::WI_MISALIGNED);
}

#[test]
fn every_status_has_a_message() {
    for code in 0..=20u32 {
        // SAFETY: wi_status_str returns a static NUL-terminated string for any value.
        let s = unsafe { CStr::from_ptr(wi_status_str(WiStatusArg(code))) }.to_str().unwrap();
        assert!(!s.is_empty());
    }
    // SAFETY: as above.
    let ok = unsafe { CStr::from_ptr(wi_status_str(WiStatusArg(0))) };
    assert_eq!(ok.to_str().unwrap(), "success");
}
