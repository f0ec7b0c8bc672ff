//! The `weightinit` command.

#![forbid(unsafe_code)]

use weightinit_core::Stream;
use weightinit_train::summary::summarize;

fn main() {
    let (fan_in, fan_out) = (784usize, 100usize);
    let std = (2.0f32 / fan_in as f32).sqrt();
    let mut w = vec![0.0f32; fan_in * fan_out];
    if let Err(e) = Stream::new(2024, 0).fill_normal(0, &mut w, 0.0, std) {
        eprintln!("weightinit: {e}");
        std::process::exit(1);
    }
    let s = summarize(&w).expect("non-empty tensor");
    println!("he_normal [{fan_out}, {fan_in}] seed 2024 key 0: target std {std:.6}");
    println!(
        "n {} mean {:+.6} std {:.6} min {:+.4} max {:+.4} excess kurtosis {:+.4}",
        s.len,
        s.moments.mean,
        s.moments.var.sqrt(),
        s.min,
        s.max,
        s.moments.excess_kurtosis
    );
}
