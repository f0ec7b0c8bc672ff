//! Trainer throughput by thread count on synthetic data: `cargo run --release --example train_threads`.
//! With an argument, one run on that many threads (a profiling target: `perf record` it).

use weightinit::init::Init;
use weightinit::train::data::synthetic;
use weightinit::train::model::{Activation, Norm};
use weightinit::train::train::{Optimizer, TrainConfig, train};

fn main() {
    let data = synthetic::uniform(16_384, 784, 1);
    let val = synthetic::uniform(10, 784, 2);
    // This VM's timings swing by up to 40% between runs: each thread count is run 5 times, interleaved, and
    // the best and the median are reported.
    let mut rates: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let one: Option<usize> = std::env::args().nth(1).map(|a| a.parse().expect("a thread count"));
    let runs = one.map_or(vec![1usize, 2, 1, 2, 1, 2, 1, 2, 1, 2], |t| vec![t]);
    // `EPOCHS=N` (default 3): epochs per run (the criterion bench runs one per iteration).
    let epochs: usize = std::env::var("EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for threads in runs {
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
            epochs,
            batch: 128,
            lr: 0.01,
            optimizer: Optimizer::Sgd { momentum: 0.9 },
            cosine: true,
            threads,
            seed: 1,
            progress: false,
        };
        let t = std::time::Instant::now();
        let r = train(&cfg, &data, &val, None).unwrap();
        println!(
            "{threads} threads: {:.0} samples/s (training steps), {:.0} samples/s wall",
            r.samples_per_second,
            (epochs * 16384) as f64 / t.elapsed().as_secs_f64()
        );
        if one.is_some() {
            return;
        }
        rates[threads - 1].push(r.samples_per_second);
    }
    for (t, r) in rates.iter_mut().enumerate() {
        r.sort_by(f64::total_cmp);
        println!("{} thread(s): best {:.0} samples/s, median {:.0}", t + 1, r[r.len() - 1], r[r.len() / 2]);
    }
}
