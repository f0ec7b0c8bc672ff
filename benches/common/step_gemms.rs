//! The gemms of one training step of the 784-100-100-10 MLP and their operands, shared by
//! `benches/kernels.rs` and `examples/gemm_step.rs` (included with `#[path]`).

#![allow(dead_code)]

use weightinit::Stream;
use weightinit::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with};

/// One gemm: (name, m, k, n, transpose A, transpose B).
pub type Shape = (&'static str, usize, usize, usize, bool, bool);

/// The eight gemms of one SGD step of the 784-100-100-10 MLP at batch 128 (weights stored [in, out]).
pub const TRAIN_STEP: [Shape; 8] = [
    ("fwd X W1", 128, 784, 100, false, false),
    ("fwd H1 W2", 128, 100, 100, false, false),
    ("fwd H2 W3", 128, 100, 10, false, false),
    ("bwd dW3 = H2^T dZ3", 100, 128, 10, true, false),
    ("bwd dH2 = dZ3 W3^T", 128, 10, 100, false, true),
    ("bwd dW2 = H1^T dZ2", 100, 128, 100, true, false),
    ("bwd dH1 = dZ2 W2^T", 128, 100, 100, false, true),
    ("bwd dW1 = X^T dZ1", 784, 128, 100, true, false),
];

/// The forward products of one example (the firmware case).
pub const BATCH1: [Shape; 3] = [
    ("b1 x W1", 1, 784, 100, false, false),
    ("b1 h W2", 1, 100, 100, false, false),
    ("b1 h W3", 1, 100, 10, false, false),
];

/// Operands of each shape: A and B uniform in [-1, 1), C zero.
pub struct Operands {
    pub a: Vec<Vec<f32>>,
    pub b: Vec<Vec<f32>>,
    pub c: Vec<Vec<f32>>,
}

pub fn operands(shapes: &[Shape]) -> Operands {
    let fill = |n: usize, key: u64| {
        let mut v = vec![0.0f32; n];
        Stream::new(5, key).fill_uniform(0, &mut v, -1.0, 1.0).unwrap();
        v
    };
    Operands {
        a: shapes.iter().enumerate().map(|(i, s)| fill(s.1 * s.2, i as u64)).collect(),
        b: shapes.iter().enumerate().map(|(i, s)| fill(s.2 * s.3, 100 + i as u64)).collect(),
        c: shapes.iter().map(|s| vec![0.0f32; s.1 * s.3]).collect(),
    }
}

/// `C_i = A_i B_i` for shape `i` (A, B stored transposed where the shape says so).
pub fn run_one(path: GemmPath, shapes: &[Shape], i: usize, ops: &mut Operands) {
    let (_, m, k, n, ta, tb) = shapes[i];
    let a = if ta {
        MatRef::row_major(&ops.a[i], k, m, m).unwrap().t()
    } else {
        MatRef::row_major(&ops.a[i], m, k, k).unwrap()
    };
    let b = if tb {
        MatRef::row_major(&ops.b[i], n, k, k).unwrap().t()
    } else {
        MatRef::row_major(&ops.b[i], k, n, n).unwrap()
    };
    let c = MatMut::row_major(&mut ops.c[i], m, n, n).unwrap();
    gemm_with(path, 1.0, a, b, 0.0, c, Epilogue::None).unwrap();
}

/// Flops of the shapes (2 m k n each).
pub fn flops(shapes: &[Shape]) -> u64 {
    shapes.iter().map(|s| 2 * (s.1 * s.2 * s.3) as u64).sum()
}
