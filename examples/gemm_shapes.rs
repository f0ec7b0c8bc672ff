//! Per-shape gemm timing (our dispatch vs matrixmultiply), for tuning: `cargo run --release --example gemm_shapes`.

use std::time::Instant;
use weightinit::Stream;
use weightinit::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with};

fn main() {
    let shapes = [
        (128usize, 784usize, 100usize, false, false),
        (128, 100, 100, false, false),
        (128, 100, 10, false, false),
        (100, 128, 10, true, false),
        (128, 10, 100, false, true),
        (100, 128, 100, true, false),
        (128, 100, 100, false, true),
        (784, 128, 100, true, false),
        (64, 784, 100, false, false),
        (64, 100, 10, false, false),
        (64, 10, 100, false, true),
        (100, 64, 10, true, false),
        (32, 32, 32, false, false),
        (20, 300, 200, false, false),
        (512, 512, 512, false, false),
    ];
    for (m, k, n, ta, tb) in shapes {
        let mut a = vec![0.0f32; m * k];
        let mut b = vec![0.0f32; k * n];
        Stream::new(1, 1).fill_uniform(0, &mut a, -1.0, 1.0).unwrap();
        Stream::new(1, 2).fill_uniform(0, &mut b, -1.0, 1.0).unwrap();
        let mut c = vec![0.0f32; m * n];
        let mut line = format!("m {m:4} k {k:4} n {n:4} ta {ta:5} tb {tb:5}:");
        for path in [GemmPath::Auto, GemmPath::Blocked, GemmPath::MatrixMultiply] {
            let reps = (200_000_000 / (m * n * k)).max(3);
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                for _ in 0..reps {
                    let av = if ta {
                        MatRef::row_major(&a, k, m, m).unwrap().t()
                    } else {
                        MatRef::row_major(&a, m, k, k).unwrap()
                    };
                    let bv = if tb {
                        MatRef::row_major(&b, n, k, k).unwrap().t()
                    } else {
                        MatRef::row_major(&b, k, n, n).unwrap()
                    };
                    gemm_with(path, 1.0, av, bv, 0.0, MatMut::row_major(&mut c, m, n, n).unwrap(), Epilogue::None)
                        .unwrap();
                }
                best = best.min(t.elapsed().as_secs_f64() / reps as f64);
            }
            line += &format!("  {path:?} {:6.1} GFLOP/s", 2.0 * (m * n * k) as f64 / best / 1e9);
        }
        println!("{line}");
    }
}
