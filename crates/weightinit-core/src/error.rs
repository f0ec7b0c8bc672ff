//! The crate's one error type.

use core::fmt;

/// Every way a call into weightinit-core can be refused. Nothing in the crate panics on bad input; it
/// returns one of these instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A numeric parameter is NaN, infinite, negative or otherwise outside its domain.
    /// `name` is the parameter, `reason` what it must satisfy.
    InvalidParameter {
        /// The parameter's name, e.g. `"std"`.
        name: &'static str,
        /// What the parameter must satisfy, e.g. `"must be finite and >= 0"`.
        reason: &'static str,
    },
    /// A range whose lower end is not below its upper end (`low >= high`, `a >= b`).
    EmptyRange {
        /// Which range, e.g. `"uniform [low, high)"`.
        what: &'static str,
    },
    /// `offset + len` does not fit in a `u64` stream position.
    OffsetOverflow,
    /// A shape has a zero dimension.
    ZeroDimension {
        /// The axis with extent zero.
        axis: usize,
    },
    /// The product of a shape's dimensions (or another size computation) overflows `usize`.
    SizeOverflow,
    /// A shape has too few dimensions for the convention asked for.
    RankTooSmall {
        /// The rank given.
        rank: usize,
        /// The smallest rank accepted.
        min: usize,
    },
    /// An axis, group count or other shape argument does not fit the shape.
    InvalidShape {
        /// What is wrong.
        reason: &'static str,
    },
    /// A buffer's length is not what the shape requires.
    LengthMismatch {
        /// Length required by the shape.
        expected: usize,
        /// Length given.
        actual: usize,
    },
    /// The operation does not apply to this case (e.g. a range fill of a structured scheme).
    Unsupported {
        /// What was asked.
        what: &'static str,
    },
    /// A buffer (output, workspace) is shorter than needed.
    BufferTooSmall {
        /// Elements needed.
        needed: usize,
        /// Elements given.
        actual: usize,
    },
    /// A shard (a box of a tensor) has a zero length on `axis`.
    EmptyShard {
        /// The axis.
        axis: usize,
    },
    /// A shard reaches past the tensor's shape on `axis`.
    ShardOutOfBounds {
        /// The axis.
        axis: usize,
    },
    /// An allocation the call needs (feature `alloc`) could not be made.
    AllocationFailed {
        /// Bytes asked for.
        bytes: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidParameter { name, reason } => {
                write!(f, "invalid parameter `{name}`: {reason}")
            }
            Error::EmptyRange { what } => write!(f, "empty range: {what} needs its lower end below its upper end"),
            Error::OffsetOverflow => f.write_str("offset + length overflows the u64 stream position"),
            Error::ZeroDimension { axis } => write!(f, "dimension {axis} of the shape is zero"),
            Error::SizeOverflow => f.write_str("size computation overflows usize"),
            Error::RankTooSmall { rank, min } => {
                write!(f, "shape has rank {rank}, this convention needs at least {min}")
            }
            Error::InvalidShape { reason } => write!(f, "invalid shape: {reason}"),
            Error::LengthMismatch { expected, actual } => {
                write!(f, "buffer holds {actual} elements, the shape needs exactly {expected}")
            }
            Error::Unsupported { what } => write!(f, "unsupported: {what}"),
            Error::BufferTooSmall { needed, actual } => {
                write!(f, "buffer holds {actual} elements, at least {needed} are needed")
            }
            Error::AllocationFailed { bytes } => write!(f, "cannot allocate {bytes} bytes"),
            Error::EmptyShard { axis } => write!(f, "the shard has length 0 on axis {axis}"),
            Error::ShardOutOfBounds { axis } => write!(f, "the shard reaches past the shape on axis {axis}"),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand for `Result<T, weightinit_core::Error>`.
pub type Result<T> = core::result::Result<T, Error>;
