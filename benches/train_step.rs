//! Training throughput of the 784-100-100-10 MLP, batch 128, SGD with momentum, on synthetic MNIST-shaped
//! data: one thread and two threads in the same run (`cargo bench --bench train_step`). Throughput is in
//! examples per second. Then the 30-hidden-layer net (784-100x30-10): from normal(0, 0.01), whose
//! activations become subnormal, against He's start, with the worker threads flushing subnormals (the
//! default) and without; and its FLOP rate against the 3-layer net's, on epochs of equal FLOPs.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use weightinit::init::Init;
use weightinit::train::cli::parse_train_scheme;
use weightinit::train::data::synthetic;
use weightinit::train::model::{Activation, Mlp, Norm, StepWork};
use weightinit::train::train::{Optimizer, TrainConfig, train};

const EXAMPLES: usize = 16_384;

fn config(layers: Vec<usize>, init: &str, flush: bool, threads: usize) -> TrainConfig {
    TrainConfig {
        layers,
        act: Activation::Relu,
        init_name: init.into(),
        init: parse_train_scheme(init, Activation::Relu).unwrap(),
        bias_init: Init::Zeros,
        lsuv: None,
        norm: Norm::None,
        init_from: None,
        flush_subnormals: flush,
        epochs: 1,
        batch: 128,
        lr: 0.01,
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        cosine: true,
        threads,
        seed: 1,
        progress: false,
    }
}

/// Flops of one training example through `widths`: 2 per multiply-add of the forward product and of the
/// weight gradient's, and of the input gradient's for every layer but the first (no gradient of the data).
fn flops_per_example(widths: &[usize]) -> u64 {
    let macs: Vec<u64> = widths.windows(2).map(|w| (w[0] * w[1]) as u64).collect();
    4 * macs.iter().sum::<u64>() + 2 * macs[1..].iter().sum::<u64>()
}

fn deep(c: &mut Criterion) {
    let deep: Vec<usize> = std::iter::once(784).chain(std::iter::repeat_n(100, 30)).chain([10]).collect();
    let shallow = vec![784, 100, 100, 10];
    let val = synthetic::uniform(10, 784, 2);
    let n_deep = 4096;
    let data = synthetic::uniform(n_deep, 784, 1);
    let mut g = c.benchmark_group("train epoch 784-100x30-10 b128 sgd (4096 examples), 2 threads");
    g.throughput(Throughput::Elements(n_deep as u64));
    g.sample_size(10);
    for (name, init, flush) in [
        ("he-normal (peer)", "he-normal", true),
        ("normal:0.01", "normal:0.01", true),
        ("normal:0.01, subnormals kept", "normal:0.01", false),
    ] {
        let cfg = config(deep.clone(), init, flush, 2);
        g.bench_function(name, |b| b.iter(|| train(&cfg, &data, &val, None).unwrap()));
    }
    g.finish();
    // Equal FLOPs per iteration: the deep net's epoch is cut to the shallow one's FLOPs, so the time ratio
    // is the FLOP-rate ratio. Training steps only (no initialization or evaluation), on a 2-thread pool
    // flushing subnormals as the trainer's.
    let flops = flops_per_example(&shallow) * EXAMPLES as u64;
    let n_equal = (flops / flops_per_example(&deep)) as usize;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|_| weightinit::simd::set_flush_subnormals(true))
        .build()
        .unwrap();
    let mut g = c.benchmark_group("train flops, he-normal b128 steps, 2 threads (epochs of equal FLOPs)");
    g.throughput(Throughput::Elements(flops));
    g.sample_size(10);
    for (widths, n, peer) in [(deep, n_equal, ""), (shallow, EXAMPLES, " (peer)")] {
        let data = synthetic::uniform(n, 784, 1);
        let (mut mlp, _) = Mlp::new(&widths, Activation::Relu, Init::HE_NORMAL, Init::Zeros, 1).unwrap();
        let name =
            format!("{} ({n} examples){peer}", if widths.len() > 4 { "784-100x30-10" } else { "784-100-100-10" });
        let mut work = StepWork::default();
        let mut grad = vec![0.0f32; mlp.params.len()];
        let mut velocity = vec![0.0f32; mlp.params.len()];
        let update = Optimizer::Sgd { momentum: 0.9 }.piece_update(0.001, 1);
        let idx: Vec<usize> = (0..n).collect();
        g.bench_function(name, |b| {
            b.iter(|| {
                pool.install(|| {
                    for batch in idx.chunks(128) {
                        let state = [&mut velocity[..], &mut []];
                        mlp.train_step(&data.images, &data.labels, batch, &mut work, &mut grad, state, 1e9, &update)
                            .unwrap();
                    }
                })
            })
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    let data = synthetic::uniform(EXAMPLES, 784, 1);
    let val = synthetic::uniform(10, 784, 2);
    let mut g = c.benchmark_group("train epoch 784-100-100-10 b128 sgd (16384 examples)");
    g.throughput(Throughput::Elements(EXAMPLES as u64));
    g.sample_size(10);
    for threads in [1usize, 2] {
        let cfg = TrainConfig {
            layers: vec![784, 100, 100, 10],
            act: Activation::Relu,
            init_name: "he-normal".into(),
            init: Init::HE_NORMAL,
            bias_init: Init::Zeros,
            lsuv: None,
            norm: Norm::None,
            init_from: None,
            flush_subnormals: true,
            epochs: 1,
            batch: 128,
            lr: 0.01,
            optimizer: Optimizer::Sgd { momentum: 0.9 },
            cosine: true,
            threads,
            seed: 1,
            progress: false,
        };
        g.bench_function(format!("{threads} thread(s)"), |b| b.iter(|| train(&cfg, &data, &val, None).unwrap()));
    }
    g.finish();
}

criterion_group!(benches, bench, deep);
criterion_main!(benches);
