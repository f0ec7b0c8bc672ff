//! Interleaved speed ratios of the bulk fills against their peers. Each round times the peer's loop and
//! weightinit's fill on the same 16 Mi f32 buffer back to back, so both run in the same seconds of a machine
//! whose speed drifts by up to 2x from minute to minute (criterion runs each function for several seconds
//! in turn, so its ratios also carry that drift). Prints each round and the medians.
//!
//! `cargo run --release --example fill_ratio [rounds]` (default 9).
//!
//! Peers: rand_distr's `StandardNormal` f32 with Xoshiro256++ (normal and truncated normal), a
//! `rand::random::<f32>()` loop (uniform), the same fill on one thread (two threads, 64 Mi values); floor:
//! `fill_constant_f32` (streaming stores).

use std::hint::black_box;
#[path = "common/timing.rs"]
mod timing;
use timing::{median, time};

use rand_core::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit::{Stream, TruncBounds};

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(9);
    const N: usize = 16 << 20;
    const BIG: usize = 64 << 20;
    let mut buf = vec![0.0f32; N];
    let mut big = vec![0.0f32; BIG];
    let s = Stream::new(1, 2);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let two = TruncBounds::two_sigma();
    // First touch of both buffers outside the timings.
    s.fill_uniform(0, &mut buf, 0.0, 1.0).unwrap();
    s.fill_uniform(0, &mut big, 0.0, 1.0).unwrap();
    let names = ["normal / rand_distr", "truncated / rand_distr", "uniform / rand::random", "2 threads / 1 thread"];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); 6];
    let ns = |t: f64, n: usize| t * 1e9 / n as f64;
    println!(
        "ns per value: rand_distr, fill_normal, fill_truncated_normal, rand::random, fill_uniform, floor | ratios"
    );
    for r in 0..rounds {
        let off = (r * N) as u64;
        let peer = time(|| {
            for o in buf.iter_mut() {
                *o = StandardNormal.sample(&mut rng);
            }
            black_box(&buf);
        });
        let normal = time(|| s.fill_normal(off, black_box(&mut buf), 0.0, 1.0).unwrap());
        let trunc = time(|| s.fill_truncated_normal(off, black_box(&mut buf), 0.0, 1.0, two).unwrap());
        let random = time(|| {
            for o in buf.iter_mut() {
                *o = rand::random::<f32>();
            }
            black_box(&buf);
        });
        let uniform = time(|| s.fill_uniform(off, black_box(&mut buf), -1.0, 1.0).unwrap());
        let floor = time(|| weightinit::sample::bulk::fill_constant_f32(black_box(&mut buf), 0.25));
        let one = time(|| s.fill_normal_parallel(off, black_box(&mut big), 0.0, 1.0, 1).unwrap());
        let two_t = time(|| s.fill_normal_parallel(off, black_box(&mut big), 0.0, 1.0, 2).unwrap());
        let round = [peer / normal, peer / trunc, random / uniform, one / two_t];
        for (v, x) in ratios.iter_mut().zip(round) {
            v.push(x);
        }
        for (v, x) in rates.iter_mut().zip([peer, normal, trunc, random, uniform, floor]) {
            v.push(ns(x, N));
        }
        println!(
            "round {r}: {:.2} {:.3} {:.3} {:.2} {:.3} {:.3} | {:.1}x {:.1}x {:.1}x {:.2}x",
            ns(peer, N),
            ns(normal, N),
            ns(trunc, N),
            ns(random, N),
            ns(uniform, N),
            ns(floor, N),
            round[0],
            round[1],
            round[2],
            round[3]
        );
    }
    let m: Vec<f64> = rates.iter_mut().map(|v| median(v)).collect();
    println!(
        "median ns per value: rand_distr {:.2}, fill_normal {:.3}, fill_truncated_normal {:.3}, rand::random {:.2}, \
         fill_uniform {:.3}, floor {:.3}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
    for (name, v) in names.iter().zip(ratios.iter_mut()) {
        let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = v.iter().cloned().fold(0.0, f64::max);
        println!("{name}: median {:.2}x (range {lo:.2}-{hi:.2}x over {rounds} rounds)", median(v));
    }
}
