//! Times `Init::Orthogonal` on the shapes (best of a few runs), for tuning the blocked
//! Householder product: `cargo run --release --example orthogonal_time [f64] [threads]`.

use std::time::Instant;
use weightinit::Stream;
use weightinit::init::{Init, Layout};

fn run<T: weightinit::Float>(threads: usize) {
    for shape in [[256usize, 256], [1024, 1024], [4096, 1024], [1024, 4096], [4096, 4096]] {
        let init = Init::Orthogonal { gain: 1.0 };
        let mut w = vec![T::ZERO; shape[0] * shape[1]];
        let mut ws = vec![0.0f64; init.workspace_len(&shape).unwrap()];
        let reps = if shape[0] * shape[1] >= 1 << 24 { 2 } else { 5 };
        let mut best = f64::INFINITY;
        for _ in 0..reps {
            let t = Instant::now();
            init.fill_threads(&Stream::new(1, 0), &shape, Layout::Torch, &mut w, &mut ws, threads).unwrap();
            best = best.min(t.elapsed().as_secs_f64());
        }
        let (m, n) = (shape[0].max(shape[1]) as f64, shape[0].min(shape[1]) as f64);
        let flops = 2.0 * m * n * n - 2.0 / 3.0 * n * n * n;
        println!(
            "{} {threads} thread(s) {:?}: {:.2} ms ({:.1} GFLOP/s of the orgqr count)",
            T::NAME,
            shape,
            best * 1e3,
            flops / best / 1e9
        );
    }
}

fn main() {
    let threads = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(1);
    if std::env::args().any(|a| a == "f64") {
        run::<f64>(threads);
    } else {
        run::<f32>(threads);
    }
}
