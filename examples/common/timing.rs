//! Timing helpers shared by the interleaved-ratio examples (`fill_ratio`, `shard_ratio`).

use std::time::Instant;

/// Seconds `f` takes.
pub fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// The median of `v` (sorted in place; the upper one of an even count).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
