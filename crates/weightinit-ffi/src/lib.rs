//! C ABI over weightinit-core.

#![cfg_attr(not(feature = "std"), no_std)]

/// The library version as a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn wi_version() -> *const core::ffi::c_char {
    c"0.1.0".as_ptr()
}
