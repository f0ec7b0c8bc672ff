//! The FFI plumbing in one place (as rustls-ffi): status codes, argument enums read as plain integers,
//! null and length checks, and the panic boundary.

use core::ffi::c_char;

use weightinit_core::Error;

/// Result of every fallible `wi_*` function. `WI_OK` is 0; every failure class has its own value.
#[repr(u32)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wi_status {
    /// Success.
    WI_OK = 0,
    /// A required pointer was NULL (a NULL buffer is accepted only with length 0).
    WI_NULL_POINTER = 1,
    /// A numeric parameter is NaN, infinite, negative or outside its domain.
    WI_INVALID_PARAMETER = 2,
    /// A range is empty (`low >= high`, `a >= b`).
    WI_EMPTY_RANGE = 3,
    /// A buffer length differs from what the shape requires.
    WI_LENGTH_MISMATCH = 4,
    /// A buffer (output or workspace) is too small.
    WI_BUFFER_TOO_SMALL = 5,
    /// A shape, axis, group count or stride does not fit.
    WI_INVALID_SHAPE = 6,
    /// A shape has a zero dimension.
    WI_ZERO_DIMENSION = 7,
    /// A size computation overflows.
    WI_SIZE_OVERFLOW = 8,
    /// `offset + len` overflows the 64-bit stream position.
    WI_OFFSET_OVERFLOW = 9,
    /// A shape has too few dimensions.
    WI_RANK_TOO_SMALL = 10,
    /// The operation does not apply here.
    WI_UNSUPPORTED = 11,
    /// An enum argument has a value outside its declared constants.
    WI_INVALID_ENUM = 12,
    /// An output buffer overlaps an input buffer.
    WI_ALIASING = 13,
    /// A pointer is not aligned for its element type.
    WI_MISALIGNED = 14,
    /// An internal panic was caught at the boundary (a bug: please report it).
    WI_PANIC = 15,
    /// A shard (box) reaches past the tensor's shape.
    WI_SHARD_OUT_OF_BOUNDS = 16,
    /// A shard (box) has a zero length in some dimension.
    WI_EMPTY_SHARD = 17,
    /// A name (`wi_init_named_*`) is not a framework initializer, or not UTF-8.
    WI_UNKNOWN_NAME = 18,
}

impl wi_status {
    /// The static message for a status value (any integer; unknown values get a message too).
    pub(crate) fn message(code: u32) -> &'static core::ffi::CStr {
        match code {
            0 => c"success",
            1 => c"a required pointer is NULL",
            2 => c"a parameter is NaN, infinite, negative or outside its domain",
            3 => c"empty range: the lower bound must be below the upper bound",
            4 => c"a buffer length does not match the shape",
            5 => c"a buffer (output or workspace) is too small",
            6 => c"invalid shape, axis, group count or stride",
            7 => c"a shape has a zero dimension",
            8 => c"a size computation overflows",
            9 => c"offset + length overflows the 64-bit stream position",
            10 => c"the shape has too few dimensions",
            11 => c"unsupported operation",
            12 => c"an enum argument is out of range",
            13 => c"an output buffer overlaps an input buffer",
            14 => c"a pointer is not aligned for its element type",
            15 => c"internal panic caught at the C boundary (a bug)",
            16 => c"the shard reaches past the tensor's shape",
            17 => c"the shard has a zero length in some dimension",
            18 => c"not the name of a framework initializer (torch:..., keras:..., jax:..., flax:...)",
            _ => c"unknown status code",
        }
    }
}

impl From<Error> for wi_status {
    fn from(e: Error) -> wi_status {
        match e {
            Error::InvalidParameter { .. } => wi_status::WI_INVALID_PARAMETER,
            Error::EmptyRange { .. } => wi_status::WI_EMPTY_RANGE,
            Error::OffsetOverflow => wi_status::WI_OFFSET_OVERFLOW,
            Error::ZeroDimension { .. } => wi_status::WI_ZERO_DIMENSION,
            Error::SizeOverflow => wi_status::WI_SIZE_OVERFLOW,
            Error::RankTooSmall { .. } => wi_status::WI_RANK_TOO_SMALL,
            Error::InvalidShape { .. } => wi_status::WI_INVALID_SHAPE,
            Error::LengthMismatch { .. } => wi_status::WI_LENGTH_MISMATCH,
            Error::BufferTooSmall { .. } => wi_status::WI_BUFFER_TOO_SMALL,
            Error::Unsupported { .. } => wi_status::WI_UNSUPPORTED,
            Error::ShardOutOfBounds { .. } => wi_status::WI_SHARD_OUT_OF_BOUNDS,
            Error::EmptyShard { .. } => wi_status::WI_EMPTY_SHARD,
            Error::AllocationFailed { .. } => wi_status::WI_BUFFER_TOO_SMALL,
            _ => wi_status::WI_INVALID_PARAMETER,
        }
    }
}

pub(crate) type FfiResult<T> = Result<T, wi_status>;

/// The panic boundary: runs `f`, maps its error to a status, and (with `std`) turns a panic into
/// `WI_PANIC`. Without `std` a panic aborts through the firmware's panic handler; the library does not
/// panic on any input, so that is a bug path only.
pub(crate) fn guard(f: impl FnOnce() -> FfiResult<()>) -> wi_status {
    #[cfg(feature = "std")]
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(Err(wi_status::WI_PANIC));
    #[cfg(not(feature = "std"))]
    let r = f();
    match r {
        Ok(()) => wi_status::WI_OK,
        Err(s) => s,
    }
}

/// The checks every non-empty buffer argument passes: non-NULL, aligned, byte size within `isize`.
fn check<T>(ptr: *const T, len: usize) -> FfiResult<()> {
    if ptr.is_null() {
        return Err(wi_status::WI_NULL_POINTER);
    }
    if !ptr.is_aligned() {
        return Err(wi_status::WI_MISALIGNED);
    }
    if len.checked_mul(core::mem::size_of::<T>()).is_none_or(|b| b > isize::MAX as usize) {
        return Err(wi_status::WI_SIZE_OVERFLOW);
    }
    Ok(())
}

/// A C slice argument: `(ptr, len)` with NULL allowed only for `len == 0`.
///
/// # Safety
/// When non-NULL, `ptr` must point to `len` initialized values valid for reads for the call's duration.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    check(ptr, len)?;
    // SAFETY: non-null, aligned, the byte size fits isize, and the caller guarantees `len` valid values.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// A mutable C slice argument (see [`slice`]).
///
/// # Safety
/// When non-NULL, `ptr` must point to `len` values valid for writes and not aliased for the call's duration.
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> FfiResult<&'a mut [T]> {
    if len == 0 {
        return Ok(&mut []);
    }
    check(ptr, len)?;
    // SAFETY: as `slice`, plus the caller guarantees exclusive access.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// Writes `v` through an output pointer.
///
/// # Safety
/// `ptr` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn out<T>(ptr: *mut T, v: T) -> FfiResult<()> {
    if ptr.is_null() {
        return Err(wi_status::WI_NULL_POINTER);
    }
    if !ptr.is_aligned() {
        return Err(wi_status::WI_MISALIGNED);
    }
    // SAFETY: non-null and aligned; the caller guarantees it is valid for a write.
    unsafe { ptr.write(v) };
    Ok(())
}

/// Whether two byte ranges overlap.
pub(crate) fn overlaps<A, B>(a: &[A], b: &[B]) -> bool {
    let (a0, a1) = (a.as_ptr() as usize, a.as_ptr() as usize + core::mem::size_of_val(a));
    let (b0, b1) = (b.as_ptr() as usize, b.as_ptr() as usize + core::mem::size_of_val(b));
    a0 < b1 && b0 < a1 && !a.is_empty() && !b.is_empty()
}

/// Range-checked conversion from the integer a C caller passes to its enum, from the one list of the
/// enum's variants: the conversion is generated from the list, and a generated exhaustive `match` over
/// the enum makes a variant missing from the list a compile error (not a run-time `WI_INVALID_ENUM`).
macro_rules! enum_arg {
    ($arg:ident, $name:ident { $($variant:ident),+ $(,)? }) => {
        impl $arg {
            pub(crate) fn get(self) -> FfiResult<$name> {
                // Every variant of the enum must be listed: this match does not compile otherwise.
                const fn listed(v: $name) -> $name {
                    match v {
                        $($name::$variant)|+ => v,
                    }
                }
                $(if self.0 == $name::$variant as u32 { return Ok(listed($name::$variant)); })+
                Err(wi_status::WI_INVALID_ENUM)
            }
        }
    };
}
pub(crate) use enum_arg;

/// Copies `s` into `dst` as a NUL-terminated C string, truncated to fit.
pub(crate) fn copy_str<const N: usize>(dst: &mut [c_char; N], s: &str) {
    let n = s.len().min(N - 1);
    for (d, &b) in dst.iter_mut().zip(&s.as_bytes()[..n]) {
        *d = b as c_char;
    }
    dst[n] = 0;
}

/// A `core::fmt::Write` into a fixed buffer (truncating).
pub(crate) struct FixedBuf<const N: usize> {
    pub(crate) buf: [u8; N],
    pub(crate) len: usize,
}

impl<const N: usize> core::fmt::Write for FixedBuf<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(N - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The library version, a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn wi_version() -> *const c_char {
    c"0.1.0".as_ptr()
}

/// A static NUL-terminated message for any status value (unknown values included). Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn wi_status_str(status: crate::enums::WiStatusArg) -> *const c_char {
    wi_status::message(status.0).as_ptr()
}
