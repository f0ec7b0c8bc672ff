//! Probe: repeatedly fills a buffer (profiling target).
//! `[SHIFT=k] cargo run --release --example fill_probe -- normal|trunc|uniform [len] [threads]`
fn main() {
    let mut a = std::env::args().skip(1);
    let what = a.next().unwrap_or_else(|| "normal".into());
    let len: usize = a.next().map(|x| x.parse().unwrap()).unwrap_or(1 << 16);
    let threads: usize = a.next().map(|x| x.parse().unwrap()).unwrap_or(1);
    let s = weightinit::Stream::new(1, 2);
    // The buffer starts `SHIFT` values (default 0) past a 64-byte line (malloc's large blocks start 16 bytes
    // into a page: SHIFT=4).
    let shift: usize = std::env::var("SHIFT").ok().map(|x| x.parse().unwrap()).unwrap_or(0);
    assert!(shift < 16);
    let mut store = vec![0.0f32; len + 32];
    let line = store.as_ptr().align_offset(64).min(16);
    let buf = &mut store[line + shift..line + shift + len];
    let reps = (200_000_000 / len).max(10);
    s.fill_uniform(0, buf, 0.0, 1.0).unwrap(); // first touch outside the timing
    let t = std::time::Instant::now();
    for r in 0..reps as u64 {
        let off = r * len as u64;
        match what.as_str() {
            "trunc" => s
                .fill_truncated_normal_parallel(off, buf, 0.0, 1.0, weightinit::TruncBounds::two_sigma(), threads)
                .unwrap(),
            "uniform" => s.fill_uniform_parallel(off, buf, -1.0, 1.0, threads).unwrap(),
            _ => s.fill_normal_parallel(off, buf, 0.0, 1.0, threads).unwrap(),
        }
    }
    let n = reps as f64 * len as f64;
    println!(
        "{what} len {len} threads {threads}: {:.3} ns/value, checksum {}",
        t.elapsed().as_secs_f64() * 1e9 / n,
        buf.iter().sum::<f32>()
    );
}
