//! Position addressing: a value depends on (seed, key, index) only. And bad input is a typed error.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit_core::sample::{Normal, NormalMethod, TruncBounds, TruncatedNormal, Uniform};
use weightinit_core::{Distribution, Error, Float, Stream};

fn bits<T: Float>(xs: &[T]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits_u64()).collect()
}

/// Fills `total` values at `offset` in one go and in random chunks; both must agree bit for bit.
fn split_equals_whole<T: Float, D: Distribution<T>>(d: &D, offset: u64, total: usize, seed: u64) {
    let s = Stream::new(seed, 3);
    let mut whole = vec![T::ZERO; total];
    s.fill(d, offset, &mut whole).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xabc);
    for _ in 0..5 {
        let mut parts = vec![T::ZERO; total];
        let mut pos = 0usize;
        while pos < total {
            let len = 1 + (rng.next_u64() % 3000) as usize;
            let end = (pos + len).min(total);
            s.fill(d, offset + pos as u64, &mut parts[pos..end]).unwrap();
            pos = end;
        }
        assert_eq!(bits(&whole), bits(&parts), "offset {offset}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn random_splits_give_identical_bits() {
    for offset in [0u64, 1, 1023, 1024, 77_777, 1_000_000_000, u64::MAX - 20_000] {
        split_equals_whole::<f32, _>(&Uniform::new(-1.0f32, 1.0).unwrap(), offset, 10_000, 1);
        split_equals_whole::<f64, _>(&Uniform::new(-1.0f64, 1.0).unwrap(), offset, 10_000, 2);
        for m in [NormalMethod::Ziggurat, NormalMethod::BoxMuller] {
            split_equals_whole::<f32, _>(&Normal::new(0.0f32, 1.0, m).unwrap(), offset, 10_000, 3);
            split_equals_whole::<f64, _>(&Normal::new(0.0f64, 1.0, m).unwrap(), offset, 10_000, 4);
        }
        let t32 = TruncatedNormal::new(0.0f32, 1.0, TruncBounds::two_sigma()).unwrap();
        split_equals_whole::<f32, _>(&t32, offset, 10_000, 5);
        let t64 = TruncatedNormal::new(0.0f64, 1.0, TruncBounds::StdUnits { low: 3.0, high: 4.0 }).unwrap();
        split_equals_whole::<f64, _>(&t64, offset, 10_000, 6);
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn short_fill_is_prefix_of_long_fill() {
    let s = Stream::new(123, 456);
    let mut long = vec![0.0f32; 1_000_000];
    s.fill_normal(0, &mut long, 0.0, 1.0).unwrap();
    let mut short = [0.0f32; 10];
    s.fill_normal(0, &mut short, 0.0, 1.0).unwrap();
    assert_eq!(bits(&short), bits(&long[..10]));
    // And a window in the middle, unaligned to blocks.
    let mut mid = vec![0.0f32; 5000];
    s.fill_normal(654_321, &mut mid, 0.0, 1.0).unwrap();
    assert_eq!(bits(&mid), bits(&long[654_321..659_321]));
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn different_keys_and_seeds_are_unrelated() {
    let n = 200_000;
    let fill = |seed, key| {
        let mut v = vec![0.0f64; n];
        Stream::new(seed, key).fill_uniform(0, &mut v, 0.0, 1.0).unwrap();
        v
    };
    let base = fill(1, 0);
    // |r| of independent samples is below 5 / sqrt(n) with overwhelming probability.
    let bound = 5.0 / (n as f64).sqrt();
    for (seed, key) in [(1, 1), (2, 0), (0, 1), (1, u64::MAX), (u64::MAX, 0)] {
        let other = fill(seed, key);
        let r = correlation(&base, &other);
        assert!(r.abs() < bound, "seed {seed} key {key}: correlation {r}");
        // Lagged by one element too (a shifted copy would show here).
        let r1 = correlation(&base[1..], &other[..n - 1]);
        assert!(r1.abs() < bound, "seed {seed} key {key}: lag-1 correlation {r1}");
        let same = base.iter().zip(&other).filter(|(a, b)| a == b).count();
        assert!(same < 3, "{same} equal values");
    }
    // Neighbouring blocks of one stream are unrelated as well.
    let r = correlation(&base[..1024], &base[1024..2048]);
    assert!(r.abs() < 5.0 / 32.0, "adjacent blocks: {r}");
}

#[test]
fn bad_input_is_a_typed_error() {
    let s = Stream::new(0, 0);
    let mut buf = [0.0f32; 4];
    let bad_std = Error::InvalidParameter { name: "std", reason: "must be finite and >= 0" };
    assert_eq!(s.fill_normal(0, &mut buf, 0.0, -1.0), Err(bad_std));
    assert_eq!(s.fill_normal(0, &mut buf, 0.0, f32::NAN), Err(bad_std));
    assert_eq!(s.fill_normal(0, &mut buf, 0.0, f32::INFINITY), Err(bad_std));
    assert!(matches!(s.fill_normal(0, &mut buf, f32::NAN, 1.0), Err(Error::InvalidParameter { name: "mean", .. })));
    assert_eq!(s.fill_uniform(0, &mut buf, 1.0, 1.0), Err(Error::EmptyRange { what: "uniform [low, high)" }));
    assert_eq!(s.fill_uniform(0, &mut buf, 2.0, 1.0), Err(Error::EmptyRange { what: "uniform [low, high)" }));
    assert!(matches!(s.fill_uniform(0, &mut buf, f32::NAN, 1.0), Err(Error::InvalidParameter { name: "low", .. })));
    assert!(matches!(
        s.fill_uniform(0, &mut buf, -f32::MAX, f32::MAX),
        Err(Error::InvalidParameter { name: "high - low", .. })
    ));
    let abs = |a, b| TruncBounds::Absolute { a, b };
    assert!(matches!(s.fill_truncated_normal(0, &mut buf, 0.0, 1.0, abs(1.0, -1.0)), Err(Error::EmptyRange { .. })));
    assert!(matches!(s.fill_truncated_normal(0, &mut buf, 0.0, 1.0, abs(1.0, 1.0)), Err(Error::EmptyRange { .. })));
    assert!(matches!(
        s.fill_truncated_normal(0, &mut buf, 0.0, 0.0, abs(-1.0, 1.0)),
        Err(Error::InvalidParameter { name: "std", .. })
    ));
    assert!(matches!(
        s.fill_truncated_normal(0, &mut buf, 0.0, 1.0, abs(f32::NAN, 1.0)),
        Err(Error::InvalidParameter { name: "a", .. })
    ));
    assert!(matches!(
        s.fill_truncated_normal(0, &mut buf, 0.0, 1.0, abs(-1.0, f32::INFINITY)),
        Err(Error::InvalidParameter { name: "b", .. })
    ));
    // Bounds in std units that leave the f32 range.
    assert!(matches!(
        s.fill_truncated_normal(0, &mut buf, 0.0, 1e38, TruncBounds::StdUnits { low: -2.0, high: 10.0 }),
        Err(Error::InvalidParameter { name: "bounds", .. })
    ));
    // offset + len overflowing u64.
    assert_eq!(s.fill_normal(u64::MAX - 2, &mut buf, 0.0, 1.0), Err(Error::OffsetOverflow));
    assert_eq!(s.fill_uniform(u64::MAX, &mut buf, 0.0, 1.0), Err(Error::OffsetOverflow));
    // ... while the last addressable values are reachable.
    assert!(s.fill_normal(u64::MAX - 4, &mut buf, 0.0, 1.0).is_ok());
    // The buffer is untouched on error.
    let mut buf = [7.0f32; 4];
    let _ = s.fill_normal(0, &mut buf, 0.0, -1.0);
    assert_eq!(buf, [7.0; 4]);
    // An empty fill is fine anywhere.
    assert!(s.fill_normal(u64::MAX, &mut [0.0f32; 0], 0.0, 1.0).is_ok());
}

#[test]
fn errors_display_clearly() {
    let e = Stream::new(0, 0).fill_normal(0, &mut [0.0f64; 1], 0.0, -1.0).unwrap_err();
    assert_eq!(e.to_string(), "invalid parameter `std`: must be finite and >= 0");
    assert_eq!(Error::OffsetOverflow.to_string(), "offset + length overflows the u64 stream position");
}
