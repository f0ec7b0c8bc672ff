//! Filling whole tensors with initializers, beside a NumPy-style reference loop
//! (`np.random.randn(*shape) * std`: rand_distr StandardNormal per element, then scale) in the same run.
//!
//! `cargo bench --bench init`. Throughput is in bytes written (f32).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_core::SeedableRng;
use rand_distr::{Distribution as _, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit::init::{Init, Layout, VsDistribution};
use weightinit::{Stream, init::FanMode};

fn big(c: &mut Criterion) {
    let shape = [4096usize, 4096];
    let n = shape[0] * shape[1];
    let mut w = vec![0.0f32; n];
    let s = Stream::new(1, 0);
    let mut g = c.benchmark_group("init [4096, 4096] f32");
    g.throughput(Throughput::Bytes(4 * n as u64));
    g.sample_size(10);
    g.bench_function("reference: randn * std loop (rand_distr)", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let std = (2.0f32 / 4096.0).sqrt();
        b.iter(|| {
            for x in w.iter_mut() {
                let z: f32 = StandardNormal.sample(&mut rng);
                *x = z * std;
            }
            black_box(&w);
        })
    });
    let schemes = [
        ("he-normal", Init::HE_NORMAL),
        ("xavier-uniform", Init::XavierUniform { gain: 1.0 }),
        (
            "truncated normal (keras he_normal)",
            Init::VarianceScaling { scale: 2.0, mode: FanMode::FanIn, distribution: VsDistribution::TruncatedNormal },
        ),
    ];
    for (name, init) in schemes {
        g.bench_function(name, |b| b.iter(|| init.fill(&s, &shape, Layout::Torch, &mut w, &mut []).unwrap()));
    }
    g.finish();
}

fn orthogonal(c: &mut Criterion) {
    let shape = [1024usize, 1024];
    let n = shape[0] * shape[1];
    let mut w = vec![0.0f32; n];
    let init = Init::Orthogonal { gain: 1.0 };
    let mut ws = vec![0.0f64; init.workspace_len(&shape).unwrap()];
    let s = Stream::new(1, 0);
    let mut g = c.benchmark_group("init [1024, 1024] f32");
    g.throughput(Throughput::Bytes(4 * n as u64));
    g.sample_size(10);
    g.bench_function("orthogonal", |b| b.iter(|| init.fill(&s, &shape, Layout::Torch, &mut w, &mut ws).unwrap()));
    g.finish();
}

/// Shards of a `[4096, 4096]` he_normal weight, 8 Mi values each: a column block (rows of 2048 values, the
/// Megatron split of a linear layer) and a row block, against the contiguous fill of as many values (the
/// peer: `fill_range`, the same stream positions a row block covers).
fn shards(c: &mut Criterion) {
    let shape = [4096usize, 4096];
    let half = shape[0] * shape[1] / 2;
    let mut w = vec![0.0f32; half];
    let s = Stream::new(1, 0);
    let init = Init::HE_NORMAL;
    let mut g = c.benchmark_group("shard of [4096, 4096] f32, 8 Mi values");
    g.throughput(Throughput::Bytes(4 * half as u64));
    g.sample_size(10);
    g.bench_function("contiguous fill (peer)", |b| {
        b.iter(|| init.fill_range(&s, &shape, Layout::Torch, half, &mut w).unwrap())
    });
    g.bench_function("column block [:, 2048:4096] (runs start at a block's second half)", |b| {
        b.iter(|| init.fill_shard(&s, &shape, Layout::Torch, &[0, 2048], &[4096, 2048], &mut w, &mut []).unwrap())
    });
    g.bench_function("column block [:, 1024:2048] of [8192, 4096] (4-way split: runs start mid-half)", |b| {
        let tall = [8192usize, 4096];
        b.iter(|| init.fill_shard(&s, &tall, Layout::Torch, &[0, 1024], &[8192, 1024], &mut w, &mut []).unwrap())
    });
    g.bench_function("column block [:, 1000:3048] (runs start mid-group: partial lines at both ends)", |b| {
        b.iter(|| init.fill_shard(&s, &shape, Layout::Torch, &[0, 1000], &[4096, 2048], &mut w, &mut []).unwrap())
    });
    g.bench_function("column block [:, 0:2048] (runs start on 4096-value stream blocks)", |b| {
        b.iter(|| init.fill_shard(&s, &shape, Layout::Torch, &[0, 0], &[4096, 2048], &mut w, &mut []).unwrap())
    });
    g.bench_function("row block [2048:4096, :]", |b| {
        b.iter(|| init.fill_shard(&s, &shape, Layout::Torch, &[2048, 0], &[2048, 4096], &mut w, &mut []).unwrap())
    });
    g.finish();
    // Rows shorter than a 4096-value stream block: four rows per block, each row's half in the box.
    let shape = [16384usize, 1024];
    let mut g = c.benchmark_group("shard of [16384, 1024] f32, 8 Mi values");
    g.throughput(Throughput::Bytes(4 * half as u64));
    g.sample_size(10);
    g.bench_function("contiguous fill (peer)", |b| {
        b.iter(|| init.fill_range(&s, &shape, Layout::Torch, half, &mut w).unwrap())
    });
    g.bench_function("column block [:, 512:1024] (four rows per stream block)", |b| {
        b.iter(|| init.fill_shard(&s, &shape, Layout::Torch, &[0, 512], &[16384, 512], &mut w, &mut []).unwrap())
    });
    g.finish();
}

criterion_group!(benches, big, orthogonal, shards);
criterion_main!(benches);
