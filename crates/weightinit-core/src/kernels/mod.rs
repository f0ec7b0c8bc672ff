//! The compute a trainer (and a firmware doing inference) needs, `no_std`: gemm and element-wise kernels.
//! Safe public functions over slices with explicit shapes, checked once up front.

pub mod bulk;
pub mod elementwise;
pub mod gemm;
#[rustfmt::skip]
mod ln_table;
pub mod mat;
pub mod simd;
pub mod vmath;

pub use elementwise::*;
pub use gemm::{Epilogue, GemmPath, auto_path, blocked_tile_rows, gemm, gemm_with};
pub use mat::{MatMut, MatRef};
pub use simd::Isa;
