//! The vectorized bulk fills (stream format v5): identical bits on every instruction-set path and thread
//! count, the statistical checks on every path, the polynomials' accuracy against libm, and the lane
//! generators against rand_xoshiro.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit_core::sample::bulk::poly_normal;
use weightinit_core::simd::math::{ln_unit_f32, sincos_eighth_f32};
use weightinit_core::simd::wide::{half_words, xoshiro_skip2, xoshiro_step};
use weightinit_core::simd::{Isa, available};
use weightinit_core::stats::{check_normal, check_truncated_normal, check_uniform};
use weightinit_core::stream::LaneRng;
use weightinit_core::{Stream, TruncBounds};

fn isas() -> Vec<Isa> {
    [Isa::Portable, Isa::Avx2, Isa::Avx512].into_iter().filter(|&i| available(i)).collect()
}

fn bits32(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn every_path_gives_the_same_bits() {
    let paths = isas();
    eprintln!("paths tested: {paths:?}");
    for (offset, len) in [(0u64, 100_000usize), (4093, 9000), (1_000_000_007, 12_345), (u64::MAX - 5000, 5000), (17, 3)]
    {
        let fill = |isa: Isa| {
            let s = Stream::new(9, 4).with_isa(isa);
            let mut u = vec![0.0f32; len];
            let mut n = vec![0.0f32; len];
            let mut t = vec![0.0f32; len];
            let mut d = vec![0.0f64; len];
            s.fill_uniform(offset, &mut u, -0.5, 2.0).unwrap();
            s.fill_normal(offset, &mut n, 0.25, 3.0).unwrap();
            s.fill_truncated_normal(offset, &mut t, 0.0, 0.02, TruncBounds::two_sigma()).unwrap();
            s.fill_uniform(offset, &mut d, -1.0, 1.0).unwrap();
            (bits32(&u), bits32(&n), bits32(&t), d.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        };
        let reference = fill(Isa::Portable);
        for &isa in &paths[1..] {
            assert!(fill(isa) == reference, "{isa:?} differs from portable at offset {offset}");
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn statistics_hold_on_every_path() {
    const N: usize = 1_000_000;
    for isa in isas() {
        let s = Stream::new(31, 1).with_isa(isa);
        let mut v = vec![0.0f32; N];
        s.fill_normal(0, &mut v, 0.0, 1.0).unwrap();
        let mut x: Vec<f64> = v.iter().map(|&a| a as f64).collect();
        check_normal(&mut x, 0.0, 1.0).unwrap_or_else(|e| panic!("{isa:?} normal: {e}"));
        s.fill_normal(0, &mut v, 0.5, 0.05).unwrap();
        let mut x: Vec<f64> = v.iter().map(|&a| a as f64).collect();
        check_normal(&mut x, 0.5, 0.05).unwrap_or_else(|e| panic!("{isa:?} normal(0.5, 0.05): {e}"));
        s.fill_uniform(0, &mut v, -1.0, 1.0).unwrap();
        let mut x: Vec<f64> = v.iter().map(|&a| a as f64).collect();
        check_uniform(&mut x, -1.0, 1.0).unwrap_or_else(|e| panic!("{isa:?} uniform: {e}"));
        for (a, b) in [(-2.0f32, 2.0f32), (-1.0, 0.5), (0.0, 3.0)] {
            s.fill_truncated_normal(0, &mut v, 0.0, 1.0, TruncBounds::StdUnits { low: a, high: b }).unwrap();
            let mut x: Vec<f64> = v.iter().map(|&a| a as f64).collect();
            check_truncated_normal(&mut x, 0.0, 1.0, a as f64, b as f64)
                .unwrap_or_else(|e| panic!("{isa:?} truncated [{a}, {b}]: {e}"));
        }
        let mut d = vec![0.0f64; N];
        s.fill_uniform(0, &mut d, 0.0, 1.0).unwrap();
        check_uniform(&mut d, 0.0, 1.0).unwrap_or_else(|e| panic!("{isa:?} uniform f64: {e}"));
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn no_exact_zeros_from_the_polynomial_normal() {
    let mut v = vec![0.0f32; 4_000_000];
    Stream::new(3, 3).fill_normal(0, &mut v, 0.0, 1.0).unwrap();
    assert_eq!(v.iter().filter(|&&x| x == 0.0).count(), 0);
    // The extreme words: the largest radius argument (capped below 2^31), the smallest, the smallest and
    // largest angles, every quadrant.
    for a in [u32::MAX, u32::MAX - 1, u32::MAX - 255, 0, 1, 2] {
        for b in [0u32, 1, 2, 3, 127, 128, 1 << 30, 1 << 31, 3 << 30, u32::MAX, u32::MAX - 127, 0x7fff_ffff] {
            let (u, v) = poly_normal(a, b);
            assert!(u != 0.0 && v != 0.0 && u.is_finite() && v.is_finite(), "{a:#x} {b:#x}: {u} {v}");
            assert!(u.abs() < 6.57 && v.abs() < 6.57, "{a:#x} {b:#x}: {u} {v}");
        }
    }
}

#[test]
#[cfg(feature = "std")]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn parallel_fills_equal_the_sequential_fill() {
    let s = Stream::new(77, 5);
    let len = 300_001;
    let mut seq = vec![0.0f32; len];
    s.fill_normal(123, &mut seq, 0.0, 1.0).unwrap();
    let mut seq_t = vec![0.0f32; len];
    s.fill_truncated_normal(123, &mut seq_t, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
    let mut seq_u = vec![0.0f64; len];
    s.fill_uniform(123, &mut seq_u, 0.0, 1.0).unwrap();
    for threads in [1, 2, 3, 7, 64] {
        let mut par = vec![0.0f32; len];
        s.fill_normal_parallel(123, &mut par, 0.0, 1.0, threads).unwrap();
        assert_eq!(bits32(&par), bits32(&seq), "{threads} threads");
        s.fill_truncated_normal_parallel(123, &mut par, 0.0, 1.0, TruncBounds::two_sigma(), threads).unwrap();
        assert_eq!(bits32(&par), bits32(&seq_t), "{threads} threads, truncated");
        let mut par_u = vec![0.0f64; len];
        s.fill_uniform_parallel(123, &mut par_u, 0.0, 1.0, threads).unwrap();
        assert!(par_u.iter().zip(&seq_u).all(|(a, b)| a.to_bits() == b.to_bits()), "{threads} threads, uniform");
    }
    assert!(s.fill_normal_parallel(u64::MAX, &mut [0.0f32; 2], 0.0, 1.0, 2).is_err());
    // Pieces at the very end of the position space (a piece boundary past it would overflow u64).
    let n = 20_000usize;
    let end = u64::MAX - n as u64;
    let mut seq = vec![0.0f32; n];
    s.fill_normal(end, &mut seq, 0.0, 1.0).unwrap();
    for threads in [2, 3, 64] {
        let mut par = vec![0.0f32; n];
        s.fill_normal_parallel(end, &mut par, 0.0, 1.0, threads).unwrap();
        assert_eq!(bits32(&par), bits32(&seq), "{threads} threads at the end of the stream");
    }
}

#[test]
fn lanes_are_xoshiro256plusplus() {
    let mut lanes = LaneRng::new(&Stream::new(5, 6), 7);
    let mut refs: Vec<Xoshiro256PlusPlus> = (0..8)
        .map(|l| {
            let st = lanes.lane_state(l);
            let mut seed = [0u8; 32];
            for (c, w) in seed.chunks_exact_mut(8).zip(st) {
                c.copy_from_slice(&w.to_le_bytes());
            }
            Xoshiro256PlusPlus::from_seed(seed)
        })
        .collect();
    for _ in 0..1000 {
        let w = lanes.step();
        for (l, r) in refs.iter_mut().enumerate() {
            assert_eq!(w[l], r.next_u64());
        }
    }
}

#[test]
fn two_step_skip_equals_two_steps() {
    let mut st = LaneRng::new(&Stream::new(3, 4), 5).words().to_owned();
    for _ in 0..100 {
        let before: Vec<[u64; 4]> = (0..16).map(|l| [st[0][l], st[1][l], st[2][l], st[3][l]]).collect();
        xoshiro_step(&mut st);
        xoshiro_step(&mut st);
        for (l, b) in before.into_iter().enumerate() {
            assert_eq!(xoshiro_skip2(b), [st[0][l], st[1][l], st[2][l], st[3][l]], "lane {l}");
        }
    }
}

#[test]
fn windows_starting_anywhere_in_a_block_equal_the_block_on_every_path() {
    // A window from `skip` steps the lanes past `skip / 32` groups (two at a time on AVX-512): even and
    // odd step counts, partial first groups, and short and long windows, normal and uniform.
    let s = Stream::new(8, 9);
    let mut whole = vec![0.0f32; 4096];
    let mut uwhole = vec![0.0f32; 4096];
    s.fill_normal(3 * 4096, &mut whole, 0.5, 2.0).unwrap();
    s.fill_uniform(3 * 4096, &mut uwhole, -1.0, 1.0).unwrap();
    for isa in isas() {
        let s = s.with_isa(isa);
        for skip in [1, 31, 32, 33, 64, 95, 96, 100, 1000, 2048, 2080, 4000, 4064, 4095] {
            for len in [1, 17, 64, 96].into_iter().chain([4096 - skip]) {
                let len = len.min(4096 - skip);
                let mut part = vec![0.0f32; len];
                s.fill_normal(3 * 4096 + skip as u64, &mut part, 0.5, 2.0).unwrap();
                assert_eq!(bits32(&part), bits32(&whole[skip..skip + len]), "{isa:?} normal from {skip}, {len}");
                s.fill_uniform(3 * 4096 + skip as u64, &mut part, -1.0, 1.0).unwrap();
                assert_eq!(bits32(&part), bits32(&uwhole[skip..skip + len]), "{isa:?} uniform from {skip}, {len}");
            }
        }
    }
}

fn ulp_distance(a: f32, b: f64) -> f64 {
    let bf = b as f32;
    let ulp = (bf.next_up() - bf).abs().max(f32::MIN_POSITIVE) as f64;
    (a as f64 - b).abs() / ulp
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn polynomials_are_accurate() {
    // ln: x over [1, 2^31] as the sampler forms it (odd 31-bit integers rounded to f32), plus the edges.
    let mut worst_ln: f64 = 0.0;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut xs: Vec<f32> = (0..1 << 20).map(|_| ((rng.next_u32() >> 1) | 1) as i32 as f32).collect();
    let sqrt2 = std::f32::consts::SQRT_2;
    xs.extend([1.0, 1.5, 2.0, 3.0, sqrt2.next_down(), sqrt2, sqrt2.next_up(), 16_777_216.0, 2_147_483_520.0]);
    xs.extend([2_147_483_648.0]);
    for &x in &xs {
        let exact = (x as f64).ln() - 31.0 * std::f64::consts::LN_2;
        worst_ln = worst_ln.max(ulp_distance(ln_unit_f32(x), exact));
    }
    assert_eq!(ln_unit_f32(2_147_483_648.0), 0.0, "ln 1 is exactly 0");
    // sin/cos: every one of the 2^24 angles t = (2j + 1) (pi/4) 2^-24, j a signed 24-bit integer.
    let (mut worst_s, mut worst_c): (f64, f64) = (0.0, 0.0);
    for j in 0..(1u32 << 24) {
        let (s, c) = sincos_eighth_f32(j);
        let js = if j >= 1 << 23 { j as f64 - 16_777_216.0 } else { j as f64 };
        let th = std::f64::consts::FRAC_PI_4 * (2.0 * js + 1.0) / 16_777_216.0;
        worst_s = worst_s.max((s as f64 - th.sin()).abs());
        worst_c = worst_c.max((c as f64 - th.cos()).abs());
    }
    eprintln!("max error: ln {worst_ln:.2} ulp, sin {worst_s:.2e}, cos {worst_c:.2e}");
    assert!(worst_ln <= 1.7, "ln: {worst_ln} ulp");
    assert!(worst_s <= 1.2e-7 && worst_c <= 1.2e-7, "sin {worst_s}, cos {worst_c}");
}

/// The logarithm on every f32 in `[1, 2^31]` (the sampler's arguments are integers there; the worst cases
/// sit just below powers of two of the result, where the ulp halves).
#[test]
#[ignore = "exhaustive, 2^28 arguments: `cargo test --release -p weightinit-core --test bulk -- --ignored`"]
fn ln_is_accurate_on_every_f32_argument() {
    let (mut worst, mut at): (f64, f32) = (0.0, 0.0);
    for bits in 1.0f32.to_bits()..=2_147_483_648.0f32.to_bits() {
        let x = f32::from_bits(bits);
        let d = ulp_distance(ln_unit_f32(x), (x as f64).ln() - 31.0 * std::f64::consts::LN_2);
        if d > worst {
            (worst, at) = (d, x);
        }
    }
    eprintln!("ln: max error {worst:.3} ulp at x = {at}");
    assert!(worst <= 1.7, "ln: {worst} ulp at {at}");
}

#[test]
fn small_fills_agree_across_paths_and_offsets() {
    // Small enough for Miri (which runs the portable path): a window equals the matching part of a fill.
    let s = Stream::new(1, 1);
    let mut whole = [0.0f32; 100];
    s.fill_normal(4090, &mut whole, 0.0, 1.0).unwrap();
    let mut part = [0.0f32; 10];
    s.fill_normal(4095, &mut part, 0.0, 1.0).unwrap();
    assert_eq!(bits32(&part), bits32(&whole[5..15]));
    // Across a block boundary natively; under Miri (software fused multiply-adds, slow) near a block start.
    let mut t = [0.0f32; 40];
    let at = if cfg!(miri) { 60 } else { 4080 };
    s.fill_truncated_normal(at, &mut t, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
    assert!(t.iter().all(|x| (-2.0..=2.0).contains(x)));
    for isa in isas() {
        let mut other = [0.0f32; 100];
        s.with_isa(isa).fill_normal(4090, &mut other, 0.0, 1.0).unwrap();
        assert_eq!(bits32(&other), bits32(&whole), "{isa:?}");
    }
}

/// The words `(a, b)` of a block's f32 groups in order, straight from the format (v7): group `g < 64` is
/// half steps `2 g`, `2 g + 1` of lanes 0-7, group `64 + g` the same of lanes 8-15 (which go on past the
/// block for the truncated normal).
fn spec_words(seed: u64, key: u64, block: u64) -> impl FnMut() -> ([u32; 16], [u32; 16]) {
    let mut lanes = LaneRng::new(&Stream::new(seed, key), block);
    let mut g = 0usize;
    move || {
        let h = usize::from(g >= 64);
        g += 1;
        let a = half_words(&lanes.step_half(h));
        (a, half_words(&lanes.step_half(h)))
    }
}

/// The stream format's f32 normal and truncated normal written straight from its specification (one lane
/// word at a time, scalar polynomials): every path must equal it.
/// Only the first `len` values of the block (all 4096 natively; Miri checks the start of one block).
fn spec_block(seed: u64, key: u64, block: u64, truncate: Option<(f32, f32)>) -> Vec<f32> {
    let len = if cfg!(miri) { 256 } else { 4096 };
    let mut words = spec_words(seed, key, block);
    let mut out = Vec::with_capacity(len + 32);
    while out.len() < len {
        let (a, b) = words();
        let pairs: Vec<(f32, f32)> = (0..16).map(|l| poly_normal(a[l], b[l])).collect();
        // Group g: values 32g + l are the first branch of words (a[l], b[l]), 32g + 16 + l the second.
        let step: Vec<f32> = pairs.iter().map(|p| p.0).chain(pairs.iter().map(|p| p.1)).collect();
        match truncate {
            None => out.extend(step),
            Some((a, b)) => out.extend(step.into_iter().filter(|&z| a <= z && z <= b)),
        }
    }
    out.truncate(len);
    out
}

/// The uniform fills straight from the format: f32 value `32 g + l` of a block from `a[l]`, `32 g + 16 + l`
/// from `b[l]` (`low + scale * (w >> 8) 2^-24`); f64 value `2048 h + 8 k + j` from lane `8 h + j`'s output of
/// half step `k` (`(x >> 11) 2^-53`). Every path, from several starts around the half and block boundaries.
#[test]
fn uniform_fills_follow_the_format_specification() {
    let (seed, key) = (21, 43);
    let blocks = if cfg!(miri) { 1 } else { 2 };
    let (low, high) = (-0.5f32, 1.5f32);
    let mut f32s = Vec::new();
    let mut f64s = Vec::new();
    for block in 0..blocks {
        let mut words = spec_words(seed, key, block);
        for _ in 0..128 {
            let (a, b) = words();
            for w in a.iter().chain(&b) {
                let u = (w >> 8) as f32 * (1.0 / 16_777_216.0);
                let v = low + (high - low) * u;
                f32s.push(if v < high { v } else { high.next_down() });
            }
        }
        let mut lanes = LaneRng::new(&Stream::new(seed, key), block);
        for h in 0..2 {
            for _ in 0..256 {
                for x in lanes.step_half(h) {
                    f64s.push(-0.5 + 2.0 * ((x >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)));
                }
            }
        }
    }
    let len = if cfg!(miri) { 300 } else { f32s.len() };
    let starts: &[usize] = if cfg!(miri) { &[0, 33] } else { &[0, 5, 2047, 2048, 2049, 3000, 4095, 4096, 6200] };
    for isa in isas() {
        let s = Stream::new(seed, key).with_isa(isa);
        for &start in starts {
            let mut v = vec![0.0f32; len - start];
            s.fill_uniform(start as u64, &mut v, low, high).unwrap();
            assert_eq!(bits32(&v), bits32(&f32s[start..len]), "{isa:?} f32 uniform from {start}");
        }
    }
    for &start in starts {
        let mut v = vec![0.0f64; len - start];
        Stream::new(seed, key).fill_uniform(start as u64, &mut v, -0.5, 1.5).unwrap();
        let want: Vec<u64> = f64s[start..len].iter().map(|x| x.to_bits()).collect();
        assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want, "f64 uniform from {start}");
    }
}

#[test]
fn every_path_follows_the_format_specification() {
    let (seed, key) = (12, 34);
    let blocks = if cfg!(miri) { 1 } else { 3 };
    let mut normal = Vec::new();
    let mut trunc = Vec::new();
    for b in 0..blocks {
        normal.extend(spec_block(seed, key, b, None));
        trunc.extend(spec_block(seed, key, b, Some((-2.0, 2.0))));
    }
    let len = normal.len();
    for isa in isas() {
        let s = Stream::new(seed, key).with_isa(isa);
        let starts: &[usize] =
            if cfg!(miri) { &[0, 33] } else { &[0, 1, 31, 33, 2047, 2048, 2050, 2081, 4095, 4097, 6144, 8000] };
        for &start in starts {
            let start = start.min(len - 1);
            let end = if cfg!(miri) { start + 100 } else { len };
            let mut v = vec![0.0f32; end - start];
            s.fill_normal(start as u64, &mut v, 0.0, 1.0).unwrap();
            assert_eq!(bits32(&v), bits32(&normal[start..end]), "{isa:?} normal from {start}");
            s.fill_truncated_normal(start as u64, &mut v, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
            assert_eq!(bits32(&v), bits32(&trunc[start..end]), "{isa:?} truncated from {start}");
        }
        // Short windows: 0, 1, 2 and 3 whole 64-value quads after a partial first group and before a
        // partial last one (the software pipeline's prologue and epilogue).
        let lens: &[usize] =
            if cfg!(miri) { &[65, 130] } else { &[1, 31, 63, 64, 65, 96, 127, 128, 129, 192, 193, 257] };
        for &start in &[0usize, 7, 33] {
            for &n in lens {
                let mut v = vec![0.0f32; n];
                s.fill_normal(start as u64, &mut v, 0.0, 1.0).unwrap();
                assert_eq!(bits32(&v), bits32(&normal[start..start + n]), "{isa:?} normal {start}+{n}");
                s.fill_truncated_normal(start as u64, &mut v, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
                assert_eq!(bits32(&v), bits32(&trunc[start..start + n]), "{isa:?} truncated {start}+{n}");
                // Mean and std: fma(std, z, mean), one rounding.
                s.fill_normal(start as u64, &mut v, 0.5, 2.0).unwrap();
                let affine: Vec<f32> = normal[start..start + n].iter().map(|&z| 2.0f32.mul_add(z, 0.5)).collect();
                assert_eq!(bits32(&v), bits32(&affine), "{isa:?} normal(0.5, 2) {start}+{n}");
            }
        }
    }
}

/// The truncated fill skips its clamp to `[lo, hi]` where `TruncParams::clamp_needed` says it changes
/// nothing: for random parameters, every `z` in `[alpha, beta]` (both ends, their inner neighbours, random
/// points) then maps inside by `fma(std, z, mean)`; and both answers occur.
#[test]
fn the_truncated_clamp_is_skipped_only_where_it_changes_nothing() {
    use weightinit_core::sample::bulk::TruncParams;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut unit = move || (rng.next_u32() >> 8) as f32 / 16_777_216.0;
    let (mut needed, mut skipped) = (0, 0);
    for _ in 0..if cfg!(miri) { 200 } else { 20_000 } {
        let mean = (unit() - 0.5) * 4.0;
        let std = 10f32.powf(unit() * 4.0 - 3.0);
        let (lo, hi) = (mean - (0.5 + 2.5 * unit()) * std, mean + (0.5 + 2.5 * unit()) * std);
        let st = |x: f32| ((x as f64 - mean as f64) / std as f64) as f32;
        let t = TruncParams { alpha: st(lo), beta: st(hi), mean, std, lo, hi };
        if t.clamp_needed() {
            needed += 1;
            continue;
        }
        skipped += 1;
        let (a, b) = (t.alpha, t.beta);
        let inner = (0..8).map(|_| a + (b - a) * unit()).filter(|z| (a..=b).contains(z));
        for z in [a, a.next_up(), b.next_down(), b].into_iter().chain(inner) {
            let v = std.mul_add(z, mean);
            assert!(lo <= v && v <= hi, "z {z} -> {v} outside [{lo}, {hi}] ({t:?})");
        }
    }
    assert!(needed > 0 && skipped > 0, "needed {needed}, skipped {skipped}");
}

/// The truncated bulk fill for other bounds than ±2 std, against the specification: asymmetric bounds
/// (the general two-compare acceptance), symmetric ones (one compare of |z|), and bounds whose images need
/// the clamp (`fma(std, beta, mean)` rounds above `hi`) or do not (the clamp skipped): all the same bits.
#[test]
fn truncated_fills_follow_the_specification_for_any_bounds() {
    let (seed, key) = (5, 6);
    // `fast_params`' arithmetic: absolute bounds as f32, standardized in f64, rounded to f32.
    let std_units = |m: f32, s: f32, a: f32| ((a as f64 - m as f64) / s as f64) as f32;
    // A case that needs the clamp: std 0.1, the first b = k/1000 >= 1 std whose beta maps above b (the
    // bulk path takes intervals holding at least a quarter of the mass).
    let clamp_b = (100..2000)
        .map(|k| k as f32 / 1000.0)
        .find(|&b| 0.1f32.mul_add(((b as f64) / (0.1f32 as f64)) as f32, 0.0) > b)
        .expect("some bound rounds up");
    let cases: [(f32, f32, TruncBounds<f32>); 4] = [
        (0.0, 1.0, TruncBounds::Absolute { a: -1.0, b: 3.0 }),
        (0.5, 2.0, TruncBounds::two_sigma()),
        (0.0, 0.1, TruncBounds::Absolute { a: -clamp_b, b: clamp_b }),
        (0.05, 0.1, TruncBounds::Absolute { a: -0.05, b: clamp_b }),
    ];
    let blocks = if cfg!(miri) { 1 } else { 2 };
    for (mean, std, bounds) in cases {
        let (lo, hi) = match bounds {
            TruncBounds::Absolute { a, b } => (a, b),
            TruncBounds::StdUnits { low, high } => (mean + low * std, mean + high * std),
        };
        let (alpha, beta) = (std_units(mean, std, lo), std_units(mean, std, hi));
        let mut expect = Vec::new();
        for b in 0..blocks {
            let z = spec_block(seed, key, b, Some((alpha, beta)));
            expect.extend(z.iter().map(|&z| std.mul_add(z, mean).min(hi).max(lo)));
        }
        let n = if cfg!(miri) { 100 } else { expect.len() };
        for isa in isas() {
            let s = Stream::new(seed, key).with_isa(isa);
            let mut v = vec![0.0f32; n];
            s.fill_truncated_normal(0, &mut v, mean, std, bounds).unwrap();
            assert_eq!(bits32(&v), bits32(&expect[..n]), "{isa:?} mean {mean} std {std} {bounds:?}");
            assert!(v.iter().all(|x| (lo..=hi).contains(x)));
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn large_fills_with_streaming_stores_equal_small_fills() {
    // Fills of at least STREAMING_MIN_LEN values go through the staging block piece by piece with
    // streaming stores; the bits must equal small fills (plain stores) at any offset and alignment.
    use weightinit_core::sample::bulk::STREAMING_MIN_LEN;
    let s = Stream::new(41, 2);
    let len = STREAMING_MIN_LEN + 4133;
    for (offset, shift) in [(0u64, 0usize), (4095, 3), (1_000_003, 13)] {
        let mut expect_n = vec![0.0f32; len];
        let mut expect_u = vec![0.0f32; len];
        let mut expect_t = vec![0.0f32; len];
        for (i, ((n, u), t)) in
            expect_n.chunks_mut(100_000).zip(expect_u.chunks_mut(100_000)).zip(expect_t.chunks_mut(100_000)).enumerate()
        {
            let at = offset + (i * 100_000) as u64;
            s.fill_normal(at, n, 0.5, 2.0).unwrap();
            s.fill_uniform(at, u, -1.0, 3.0).unwrap();
            s.fill_truncated_normal(at, t, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
        }
        for isa in isas() {
            let s = s.with_isa(isa);
            let mut buf = vec![0.0f32; len + 16];
            let v = &mut buf[shift..shift + len];
            s.fill_normal(offset, v, 0.5, 2.0).unwrap();
            assert!(bits32(v) == bits32(&expect_n), "{isa:?} normal at {offset}, shift {shift}");
            s.fill_uniform(offset, v, -1.0, 3.0).unwrap();
            assert!(bits32(v) == bits32(&expect_u), "{isa:?} uniform at {offset}, shift {shift}");
            s.fill_truncated_normal(offset, v, 0.0, 1.0, TruncBounds::two_sigma()).unwrap();
            assert!(bits32(v) == bits32(&expect_t), "{isa:?} truncated at {offset}, shift {shift}");
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn polynomial_box_muller_pairs_are_isotropic_with_the_right_radius() {
    // The pair (u, v) of one word pair is (r cos th, r sin th) with th uniform on the circle (quadrant
    // from two bits, eighth-turn polynomial angle) and r^2 / 2 exponential: chi-square of th over 64
    // sectors, and 1 - exp(-r^2 / 2) uniform (KS and moments).
    const N: usize = 1 << 20;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
    let mut sectors = [0u64; 64];
    let mut radius = Vec::with_capacity(N);
    for _ in 0..N {
        let (u, v) = poly_normal(rng.next_u32(), rng.next_u32());
        let th = (v as f64).atan2(u as f64) + std::f64::consts::PI;
        sectors[((th / std::f64::consts::TAU * 64.0) as usize).min(63)] += 1;
        radius.push(1.0 - (-((u as f64).powi(2) + (v as f64).powi(2)) / 2.0).exp());
    }
    let e = N as f64 / 64.0;
    let chi2: f64 = sectors.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
    // 63 degrees of freedom: mean 63, sd 11.2; 130 is beyond p = 1e-7.
    assert!(chi2 < 130.0, "angle chi-square {chi2}: {sectors:?}");
    check_uniform(&mut radius, 0.0, 1.0).unwrap_or_else(|e| panic!("radius: {e}"));
}
