//! Profiling target: one thread training on synthetic data. `cargo run --release --example train_one`.
use weightinit::init::Init;
use weightinit::train::data::synthetic;
use weightinit::train::model::Activation;
use weightinit::train::train::{Optimizer, TrainConfig, train};
fn main() {
    let data = synthetic::uniform(16_384, 784, 1);
    let val = synthetic::uniform(10, 784, 2);
    let threads = std::env::args().nth(1).map_or(1, |s| s.parse().expect("thread count"));
    let cfg = TrainConfig {
        layers: vec![784, 100, 100, 10],
        act: Activation::Relu,
        init_name: "he-normal".into(),
        init: Init::HE_NORMAL,
        bias_init: Init::Zeros,
        epochs: 6,
        batch: 128,
        lr: 0.01,
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        cosine: true,
        threads,
        seed: 1,
        progress: false,
    };
    let r = train(&cfg, &data, &val, None).expect("training");
    println!("{threads} thread(s): {:.0} samples/s", r.samples_per_second);
}
