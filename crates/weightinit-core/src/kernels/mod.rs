//! The compute a trainer (and a firmware doing inference) needs, `no_std`: gemm, vector, element-wise and
//! optimizer kernels. Safe public functions over slices with explicit shapes, checked once up front. Knows
//! nothing of streams, samplers or initializers; SIMD comes from [`crate::simd`].

pub mod elementwise;
pub mod gemm;
pub mod householder;
pub mod mat;
pub mod optim;
pub(crate) mod vector;

pub use crate::simd::Isa;
pub use elementwise::*;
pub use gemm::{Epilogue, GemmPath, auto_path, blocked_tile_rows, gemm, gemm_with};
pub use householder::{householder_q, householder_q_with, householder_q_workspace};
pub use mat::{MatMut, MatRef};
pub use optim::{adam, sgd_momentum};
