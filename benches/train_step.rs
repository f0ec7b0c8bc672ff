//! Training throughput of the 784-100-100-10 MLP, batch 128, SGD with momentum, on synthetic MNIST-shaped
//! data: one thread and two threads in the same run (`cargo bench --bench train_step`). Throughput is in
//! examples per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use weightinit::init::Init;
use weightinit::train::data::synthetic;
use weightinit::train::model::{Activation, Norm};
use weightinit::train::train::{Optimizer, TrainConfig, train};

const EXAMPLES: usize = 16_384;

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

criterion_group!(benches, bench);
criterion_main!(benches);
