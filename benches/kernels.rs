//! gemm on a trainer's shapes and on square shapes: our dispatch, matrixmultiply and a naive loop in the
//! same run, with this machine's single-core FMA peak measured alongside.
//!
//! `cargo bench --bench kernels`. Throughput is in flops (criterion's "elem/s" = flop/s).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "common/fma_peak.rs"]
mod fma_peak;
use weightinit::Stream;
use weightinit::kernels::{Epilogue, GemmPath, MatMut, MatRef, gemm_with};

/// One gemm: (name, m, k, n, transpose A, transpose B).
type Shape = (&'static str, usize, usize, usize, bool, bool);

/// The eight gemms of one SGD step of the 784-100-100-10 MLP at batch 128 (weights stored [in, out]).
const TRAIN_STEP: [Shape; 8] = [
    ("fwd X W1", 128, 784, 100, false, false),
    ("fwd H1 W2", 128, 100, 100, false, false),
    ("fwd H2 W3", 128, 100, 10, false, false),
    ("bwd dW3 = H2^T dZ3", 100, 128, 10, true, false),
    ("bwd dH2 = dZ3 W3^T", 128, 10, 100, false, true),
    ("bwd dW2 = H1^T dZ2", 100, 128, 100, true, false),
    ("bwd dH1 = dZ2 W2^T", 128, 100, 100, false, true),
    ("bwd dW1 = X^T dZ1", 784, 128, 100, true, false),
];

const BATCH1: [Shape; 3] = [
    ("b1 x W1", 1, 784, 100, false, false),
    ("b1 h W2", 1, 100, 100, false, false),
    ("b1 h W3", 1, 100, 10, false, false),
];

struct Operands {
    a: Vec<Vec<f32>>,
    b: Vec<Vec<f32>>,
    c: Vec<Vec<f32>>,
}

fn operands(shapes: &[Shape]) -> Operands {
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

fn run(path: GemmPath, shapes: &[Shape], ops: &mut Operands) {
    for (i, &(_, m, k, n, ta, tb)) in shapes.iter().enumerate() {
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
    black_box(&ops.c);
}

fn flops(shapes: &[Shape]) -> u64 {
    shapes.iter().map(|s| 2 * (s.1 * s.2 * s.3) as u64).sum()
}

fn group(c: &mut Criterion, name: &str, shapes: &[Shape], naive: bool) {
    let mut ops = operands(shapes);
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(flops(shapes)));
    g.bench_function("weightinit auto", |b| b.iter(|| run(GemmPath::Auto, shapes, &mut ops)));
    g.bench_function("matrixmultiply", |b| b.iter(|| run(GemmPath::MatrixMultiply, shapes, &mut ops)));
    if naive {
        g.bench_function("naive loop", |b| b.iter(|| run(GemmPath::Naive, shapes, &mut ops)));
    }
    g.finish();
}

fn fma_peak(c: &mut Criterion) {
    // 1000 steps of 24 chains: 768,000 flops per call.
    let mut g = c.benchmark_group("fma peak (1 core)");
    g.throughput(Throughput::Elements(fma_peak::FLOPS_PER_STEP * 1000));
    if fma_peak::fma_chains(0.999, 1).is_some() {
        g.bench_function("avx512 fma loop", |b| b.iter(|| black_box(fma_peak::fma_chains(black_box(0.999), 1000))));
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    fma_peak(c);
    group(c, "gemm train step 784-100-100-10 b128 (8 gemms)", &TRAIN_STEP, true);
    group(c, "gemm batch-1 forward 784-100-100-10", &BATCH1, true);
    group(c, "gemm 512^3", &[("512", 512, 512, 512, false, false)], false);
    group(c, "gemm 1024^3", &[("1024", 1024, 1024, 1024, false, false)], false);
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
