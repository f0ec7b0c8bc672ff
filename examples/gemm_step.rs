//! Per-gemm time of one training step's eight products, run in sequence as in `benches/kernels.rs`
//! (operands cycle through cache as in a real step): `cargo run --release --example gemm_step`.

use std::time::Instant;

#[path = "../benches/common/fma_peak.rs"]
mod fma_peak;
use weightinit::Stream;
use weightinit::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with};

fn main() {
    let shapes = [
        ("fwd X W1", 128usize, 784usize, 100usize, false, false),
        ("fwd H1 W2", 128, 100, 100, false, false),
        ("fwd H2 W3", 128, 100, 10, false, false),
        ("dW3 = H2^T dZ3", 100, 128, 10, true, false),
        ("dH2 = dZ3 W3^T", 128, 10, 100, false, true),
        ("dW2 = H1^T dZ2", 100, 128, 100, true, false),
        ("dH1 = dZ2 W2^T", 128, 100, 100, false, true),
        ("dW1 = X^T dZ1", 784, 128, 100, true, false),
    ];
    let fill = |n: usize, key: u64| {
        let mut v = vec![0.0f32; n];
        Stream::new(5, key).fill_uniform(0, &mut v, -1.0, 1.0).unwrap();
        v
    };
    let a: Vec<Vec<f32>> = shapes.iter().enumerate().map(|(i, s)| fill(s.1 * s.2, i as u64)).collect();
    let b: Vec<Vec<f32>> = shapes.iter().enumerate().map(|(i, s)| fill(s.2 * s.3, 100 + i as u64)).collect();
    let mut c: Vec<Vec<f32>> = shapes.iter().map(|s| vec![0.0f32; s.1 * s.3]).collect();
    let reps = 2000;
    let mut secs = vec![f64::MAX; shapes.len()];
    for _ in 0..5 {
        let mut round = vec![0.0f64; shapes.len()];
        for _ in 0..reps {
            for (i, &(_, m, k, n, ta, tb)) in shapes.iter().enumerate() {
                let t = Instant::now();
                let av = if ta {
                    MatRef::row_major(&a[i], k, m, m).unwrap().t()
                } else {
                    MatRef::row_major(&a[i], m, k, k).unwrap()
                };
                let bv = if tb {
                    MatRef::row_major(&b[i], n, k, k).unwrap().t()
                } else {
                    MatRef::row_major(&b[i], k, n, n).unwrap()
                };
                let cv = MatMut::row_major(&mut c[i], m, n, n).unwrap();
                gemm_with(GemmPath::Auto, 1.0, av, bv, 0.0, cv, Epilogue::None).unwrap();
                round[i] += t.elapsed().as_secs_f64();
            }
        }
        for (s, r) in secs.iter_mut().zip(round) {
            *s = s.min(r / reps as f64);
        }
    }
    // This machine's single-core FMA peak, measured right after (24 chains of 16-lane FMAs).
    let peak = fma_peak();
    let total: f64 = secs.iter().sum();
    let flops: f64 = shapes.iter().map(|s| 2.0 * (s.1 * s.2 * s.3) as f64).sum();
    for (s, t) in shapes.iter().zip(&secs) {
        let f = 2.0 * (s.1 * s.2 * s.3) as f64;
        println!("{:16} {:6.1} us {:6.1} GFLOP/s ({:4.1}% of the time)", s.0, t * 1e6, f / t / 1e9, 100.0 * t / total);
    }
    println!(
        "total {:.1} us, {:.1} GFLOP/s; FMA peak {:.1} GFLOP/s: {:.1}% of it",
        total * 1e6,
        flops / total / 1e9,
        peak / 1e9,
        100.0 * flops / total / peak
    );
}

/// Best of 20 runs of the FMA chains (flop/s), or 0 without AVX-512.
fn fma_peak() -> f64 {
    let mut best = f64::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        if std::hint::black_box(fma_peak::fma_chains(std::hint::black_box(0.999), 100_000)).is_none() {
            return 0.0;
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    (fma_peak::FLOPS_PER_STEP * 100_000) as f64 / best
}
