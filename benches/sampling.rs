//! Sampling speed: each sampler and stream fill, beside rand_distr's StandardNormal in the same run.
//!
//! `cargo bench --bench sampling` (full) or `-- --quick` (smoke). Throughput is elements per second;
//! criterion prints time per iteration of `N` samples, so ns/sample = time / N.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_core::SeedableRng;
use rand_distr::{Distribution as _, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit::Stream;
use weightinit::sample::{Distribution, Normal, NormalMethod, TruncBounds, Uniform, ziggurat};

const N: usize = 1 << 16;

fn sequential(c: &mut Criterion) {
    let mut g = c.benchmark_group("sequential");
    g.throughput(Throughput::Elements(N as u64));
    let mut buf32 = vec![0.0f32; N];
    let mut buf64 = vec![0.0f64; N];

    g.bench_function("rand_distr StandardNormal f32 (xoshiro256++)", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        b.iter(|| {
            for o in buf32.iter_mut() {
                *o = StandardNormal.sample(&mut rng);
            }
            black_box(&buf32);
        })
    });
    g.bench_function("rand_distr StandardNormal f64 (xoshiro256++)", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        b.iter(|| {
            for o in buf64.iter_mut() {
                *o = StandardNormal.sample(&mut rng);
            }
            black_box(&buf64);
        })
    });
    g.bench_function("ziggurat f32 (xoshiro256++)", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        b.iter(|| {
            for o in buf32.iter_mut() {
                *o = ziggurat::standard_normal_f32(&mut rng);
            }
            black_box(&buf32);
        })
    });
    g.bench_function("ziggurat f32 (stream block rng, both halves)", |b| {
        let mut rng = Stream::new(1, 0).block_rng(0);
        b.iter(|| {
            for o in buf32.iter_mut() {
                *o = ziggurat::standard_normal_f32(&mut rng);
            }
            black_box(&buf32);
        })
    });
    g.bench_function("ziggurat f64 (xoshiro256++)", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        b.iter(|| {
            for o in buf64.iter_mut() {
                *o = ziggurat::standard_normal_f64(&mut rng);
            }
            black_box(&buf64);
        })
    });
    g.bench_function("box-muller f32 (stream block rng)", |b| {
        let mut rng = Stream::new(1, 0).block_rng(0);
        let d = Normal::new(0.0f32, 1.0, NormalMethod::BoxMuller).unwrap();
        b.iter(|| {
            d.fill_block(&mut rng, 0, &mut buf32);
            black_box(&buf32);
        })
    });
    g.bench_function("box-muller f64 (stream block rng)", |b| {
        let mut rng = Stream::new(1, 0).block_rng(0);
        let d = Normal::new(0.0f64, 1.0, NormalMethod::BoxMuller).unwrap();
        b.iter(|| {
            d.fill_block(&mut rng, 0, &mut buf64);
            black_box(&buf64);
        })
    });
    g.bench_function("uniform f32 (xoshiro256++)", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let d = Uniform::new(-1.0f32, 1.0).unwrap();
        b.iter(|| {
            for o in buf32.iter_mut() {
                *o = d.sample(&mut rng);
            }
            black_box(&buf32);
        })
    });
    g.finish();
}

fn stream_fills(c: &mut Criterion) {
    let mut g = c.benchmark_group("stream fill");
    g.throughput(Throughput::Elements(N as u64));
    let s = Stream::new(7, 1);
    let mut buf32 = vec![0.0f32; N];
    let mut buf64 = vec![0.0f64; N];
    g.bench_function("constant f32 (memory-write floor)", |b| {
        b.iter(|| {
            buf32.fill(black_box(0.5));
            black_box(&buf32);
        })
    });
    g.bench_function("fill_uniform f32", |b| b.iter(|| s.fill_uniform(0, &mut buf32, -1.0, 1.0).unwrap()));
    g.bench_function("fill_uniform f64", |b| b.iter(|| s.fill_uniform(0, &mut buf64, -1.0, 1.0).unwrap()));
    g.bench_function("fill_normal f32 (ziggurat)", |b| {
        b.iter(|| s.fill_normal_with(NormalMethod::Ziggurat, 0, &mut buf32, 0.0, 1.0).unwrap())
    });
    g.bench_function("fill_normal f32 (default: polynomial box-muller, SIMD)", |b| {
        b.iter(|| s.fill_normal(0, &mut buf32, 0.0, 1.0).unwrap())
    });
    g.bench_function("fill_normal f64 (ziggurat, the f64 default)", |b| {
        b.iter(|| s.fill_normal(0, &mut buf64, 0.0, 1.0).unwrap())
    });
    g.bench_function("fill_normal f32 (box-muller)", |b| {
        b.iter(|| s.fill_normal_with(NormalMethod::BoxMuller, 0, &mut buf32, 0.0, 1.0).unwrap())
    });
    g.bench_function("fill_truncated_normal f32 (+-2 std)", |b| {
        b.iter(|| s.fill_truncated_normal(0, &mut buf32, 0.0, 1.0, TruncBounds::two_sigma()).unwrap())
    });
    g.bench_function("fill_truncated_normal f64 ([5, 6] std)", |b| {
        let t = TruncBounds::StdUnits { low: 5.0, high: 6.0 };
        b.iter(|| s.fill_truncated_normal(0, &mut buf64, 0.0, 1.0, t).unwrap())
    });
    g.finish();
}

criterion_group!(benches, sequential, stream_fills, bulk);
criterion_main!(benches);

/// Bulk fills of 16 Mi f32 values, one thread, default build (runtime dispatch), beside rand_distr's
/// StandardNormal, `rand::random::<f32>()` and the memory-write floor (a constant fill) in the same run.
fn bulk(c: &mut Criterion) {
    const BULK: usize = 16 << 20;
    let mut buf = vec![0.0f32; BULK];
    let s = Stream::new(3, 9);
    let mut g = c.benchmark_group("bulk f32 16Mi");
    g.throughput(Throughput::Elements(BULK as u64));
    g.sample_size(10);
    g.bench_function("memory-write floor (constant fill)", |b| {
        b.iter(|| {
            buf.fill(black_box(0.25));
            black_box(&buf);
        })
    });
    g.bench_function("memory-write floor (constant fill, streaming stores)", |b| {
        b.iter(|| {
            weightinit::sample::bulk::fill_constant_f32(&mut buf, black_box(0.25));
            black_box(&buf);
        })
    });
    g.bench_function("rand_distr StandardNormal f32 loop", |b| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        b.iter(|| {
            for o in buf.iter_mut() {
                *o = StandardNormal.sample(&mut rng);
            }
            black_box(&buf);
        })
    });
    g.bench_function("rand::random::<f32>() loop", |b| {
        b.iter(|| {
            for o in buf.iter_mut() {
                *o = rand::random::<f32>();
            }
            black_box(&buf);
        })
    });
    g.bench_function("fill_normal (auto)", |b| b.iter(|| s.fill_normal(0, &mut buf, 0.0, 1.0).unwrap()));
    g.bench_function("fill_normal (portable path)", |b| {
        let p = s.with_isa(weightinit::kernels::Isa::Portable);
        b.iter(|| p.fill_normal(0, &mut buf, 0.0, 1.0).unwrap())
    });
    g.bench_function("fill_uniform (auto)", |b| b.iter(|| s.fill_uniform(0, &mut buf, -1.0, 1.0).unwrap()));
    g.bench_function("fill_truncated_normal +-2 std (auto)", |b| {
        b.iter(|| s.fill_truncated_normal(0, &mut buf, 0.0, 1.0, TruncBounds::two_sigma()).unwrap())
    });
    g.bench_function("fill_truncated_normal +-2 std (portable path)", |b| {
        let p = s.with_isa(weightinit::kernels::Isa::Portable);
        b.iter(|| p.fill_truncated_normal(0, &mut buf, 0.0, 1.0, TruncBounds::two_sigma()).unwrap())
    });
    g.finish();

    const BIG: usize = 64 << 20;
    let mut big = vec![0.0f32; BIG];
    let mut g = c.benchmark_group("bulk f32 64Mi threads");
    g.throughput(Throughput::Elements(BIG as u64));
    g.sample_size(10);
    for threads in [1usize, 2] {
        g.bench_function(format!("fill_normal_parallel {threads} thread(s)"), |b| {
            b.iter(|| s.fill_normal_parallel(0, &mut big, 0.0, 1.0, threads).unwrap())
        });
    }
    g.finish();
}
