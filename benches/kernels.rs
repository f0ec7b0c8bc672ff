//! gemm on a trainer's shapes and on square shapes: our dispatch, matrixmultiply and a naive loop in the
//! same run, with this machine's single-core FMA peak measured alongside.
//!
//! `cargo bench --bench kernels`. Throughput is in flops (criterion's "elem/s" = flop/s).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "common/fma_peak.rs"]
mod fma_peak;
#[path = "common/step_gemms.rs"]
mod step_gemms;

use step_gemms::{BATCH1, Operands, Shape, TRAIN_STEP, flops, operands, run_one};
use weightinit::kernels::GemmPath;

fn run(path: GemmPath, shapes: &[Shape], ops: &mut Operands) {
    for i in 0..shapes.len() {
        run_one(path, shapes, i, ops);
    }
    black_box(&ops.c);
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
