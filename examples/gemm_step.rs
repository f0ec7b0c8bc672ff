//! Per-gemm time of one training step's eight products, run in sequence as in `benches/kernels.rs`
//! (operands cycle through cache as in a real step): `cargo run --release --example gemm_step`.

use std::time::Instant;

#[path = "../benches/common/fma_peak.rs"]
mod fma_peak;
#[path = "../benches/common/step_gemms.rs"]
mod step_gemms;

use step_gemms::{TRAIN_STEP, flops, operands, run_one};
use weightinit::kernels::GemmPath;

fn main() {
    let shapes = &TRAIN_STEP;
    let mut ops = operands(shapes);
    let reps = 2000;
    let mut secs = vec![f64::MAX; shapes.len()];
    for _ in 0..5 {
        let mut round = vec![0.0f64; shapes.len()];
        for _ in 0..reps {
            for (i, r) in round.iter_mut().enumerate() {
                let t = Instant::now();
                run_one(GemmPath::Auto, shapes, i, &mut ops);
                *r += t.elapsed().as_secs_f64();
            }
        }
        for (s, r) in secs.iter_mut().zip(round) {
            *s = s.min(r / reps as f64);
        }
    }
    // This machine's single-core FMA peak, measured right after (24 chains of 16-lane FMAs).
    let peak = fma_peak();
    let total: f64 = secs.iter().sum();
    let flops = flops(shapes) as f64;
    for (s, t) in shapes.iter().zip(&secs) {
        let f = 2.0 * (s.1 * s.2 * s.3) as f64;
        println!("{:20} {:6.1} us {:6.1} GFLOP/s ({:4.1}% of the time)", s.0, t * 1e6, f / t / 1e9, 100.0 * t / total);
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
