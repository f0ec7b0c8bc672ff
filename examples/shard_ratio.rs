//! Interleaved speed ratios of shard fills against the contiguous fill of as many values (the criterion
//! group "shard of ..." measures the same, each function for seconds in turn; here each round times every
//! fill back to back, so the ratios do not carry the machine's minute-to-minute drift).
//!
//! `cargo run --release --example shard_ratio [rounds]` (default 41): `[4096, 4096]` and `[16384, 1024]`
//! he_normal f32, 8 Mi values per fill, one thread. With `ALIGN=1` the buffer starts on a 64-byte line (a
//! large `Vec` from the system allocator starts 16 bytes past one).

use std::hint::black_box;
#[path = "common/timing.rs"]
mod timing;
use timing::{median, time};

use weightinit::Stream;
use weightinit::init::{Init, Layout};

/// A box: its start and its length per dimension.
type Box2 = ([usize; 2], [usize; 2]);

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(41);
    let s = Stream::new(1, 0);
    let init = Init::HE_NORMAL;
    let half = 8 << 20;
    let mut wbuf = vec![0.0f32; half + 16];
    let a = if std::env::var("ALIGN").is_ok() { wbuf.as_ptr().align_offset(64) } else { 0 };
    let w = &mut wbuf[a..a + half];
    // (label, shape, box start, box len); the first of each shape is the contiguous peer.
    let cases: [(&str, [usize; 2], Option<Box2>); 10] = [
        ("[4096, 4096] contiguous", [4096, 4096], None),
        ("[4096, 4096] [:, 2048:4096]", [4096, 4096], Some(([0, 2048], [4096, 2048]))),
        ("[4096, 4096] [:, 0:2048]", [4096, 4096], Some(([0, 0], [4096, 2048]))),
        ("[4096, 4096] [:, 1024:3072]", [4096, 4096], Some(([0, 1024], [4096, 2048]))),
        ("[4096, 4096] [:, 1000:3048]", [4096, 4096], Some(([0, 1000], [4096, 2048]))),
        ("[8192, 4096] contiguous", [8192, 4096], None),
        ("[8192, 4096] [:, 1024:2048]", [8192, 4096], Some(([0, 1024], [8192, 1024]))),
        ("[8192, 4096] [:, 2048:3072]", [8192, 4096], Some(([0, 2048], [8192, 1024]))),
        ("[16384, 1024] contiguous", [16384, 1024], None),
        ("[16384, 1024] [:, 512:1024]", [16384, 1024], Some(([0, 512], [16384, 512]))),
    ];
    let mut t = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (i, (_, shape, b)) in cases.iter().enumerate() {
            t[i].push(time(|| match b {
                None => {
                    init.fill_range(&s, shape, Layout::Torch, half, w).unwrap();
                }
                Some((start, len)) => {
                    init.fill_shard(&s, shape, Layout::Torch, start, len, w, &mut []).unwrap();
                }
            }));
            black_box(&*w);
        }
    }
    // The ratio of each round (peer time / time, the peer timed just before), then its median.
    let mut peer = 0;
    for (i, (label, _, b)) in cases.iter().enumerate() {
        if b.is_none() {
            peer = i;
        }
        let mut r: Vec<f64> = t[peer].iter().zip(&t[i]).map(|(p, x)| p / x).collect();
        let m = median(&mut t[i]);
        println!("{label:32} {:8.3} ms  {:.3}x of contiguous (median of rounds)", m * 1e3, median(&mut r));
    }
    skip_cost(&s, rounds);
}

/// What a run starting inside a half block pays: 32 normals from the start of each of 100k blocks against
/// 32 from value 1024 of each (the first half's lanes stepped past 1024 values first), and the time of
/// 1024 normals for scale.
fn skip_cost(s: &Stream, rounds: usize) {
    const BLOCKS: u64 = 100_000;
    let mut out = [0.0f32; 32];
    let mut per = |skip: u64| {
        time(|| {
            for b in 0..BLOCKS {
                s.fill_normal(b * 4096 + skip, &mut out, 0.0, 1.0).unwrap();
                black_box(&out);
            }
        }) / BLOCKS as f64
    };
    let mut row = vec![0.0f32; 1024];
    let (mut d, mut g) = (Vec::new(), Vec::new());
    for _ in 0..rounds.div_ceil(4) {
        d.push(per(1024) - per(0));
        g.push(time(|| s.fill_normal(0, black_box(&mut row), 0.0, 1.0).unwrap()));
    }
    let (d, g) = (median(&mut d), median(&mut g));
    println!(
        "stepping a half block's lanes past 1024 values: {:.0} ns; generating 1024 normals: {:.0} ns ({:.2}x)",
        d * 1e9,
        g * 1e9,
        d / g
    );
}
