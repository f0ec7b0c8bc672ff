//! Probe: repeatedly fills a buffer (profiling target).
//! `[SHIFT=k] cargo run --release --example fill_probe -- normal|trunc|uniform [len] [threads]`
fn main() {
    let mut a = std::env::args().skip(1);
    let what = a.next().unwrap_or_else(|| "normal".into());
    let len: usize = a.next().map(|x| x.parse().unwrap()).unwrap_or(1 << 16);
    let threads: usize = a.next().map(|x| x.parse().unwrap()).unwrap_or(1);
    let s = weightinit::Stream::new(1, 2);
    // 64-byte-aligned storage; `SHIFT=k` starts the buffer k values later (malloc's large blocks start 16
    // bytes into a page: SHIFT=4).
    #[repr(align(64))]
    #[derive(Clone, Copy)]
    #[allow(dead_code)]
    struct A([f32; 16]);
    let mut store = vec![A([0.0; 16]); len.div_ceil(16) + 1];
    let shift: usize = std::env::var("SHIFT").ok().map(|x| x.parse().unwrap()).unwrap_or(0);
    assert!(shift < 16);
    // SAFETY: `store` holds `16 * (len.div_ceil(16) + 1) >= len + shift` f32 (shift < 16), zero-initialized,
    // and is not used otherwise while `buf` lives.
    let buf: &mut [f32] = unsafe { std::slice::from_raw_parts_mut((store.as_mut_ptr() as *mut f32).add(shift), len) };
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
