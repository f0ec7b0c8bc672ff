//! Every sampler, in f32 and f64, against its exact distribution (n = 10^6, fixed seeds), and the checks
//! themselves against deliberately broken samplers.

use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit_core::sample::{Distribution, Normal, NormalMethod, TruncBounds, TruncatedNormal, Uniform};
use weightinit_core::stats::{check_normal, check_truncated_normal, check_uniform};
use weightinit_core::{Float, Stream};

const N: usize = 1_000_000;

fn stream_fill<T: Float>(seed: u64, f: impl Fn(&Stream, &mut [T])) -> Vec<f64> {
    let mut buf = vec![T::ZERO; N];
    f(&Stream::new(seed, 7), &mut buf);
    buf.iter().map(|x| x.to_f64()).collect()
}

fn sequential<T: Float, D: Distribution<T>>(seed: u64, d: &D) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..N).map(|_| d.sample(&mut rng).to_f64()).collect()
}

fn normal_case<T: Float>(method: NormalMethod, mean: f64, std: f64) {
    let (m, s) = (T::from_f64(mean), T::from_f64(std));
    let mut xs = stream_fill::<T>(11, |st, b| st.fill_normal_with(method, 0, b, m, s).unwrap());
    check_normal(&mut xs, mean, std).unwrap_or_else(|e| panic!("{method:?} {} stream: {e}", T::NAME));
    let d = Normal::new(m, s, method).unwrap();
    let mut xs = sequential::<T, _>(12, &d);
    check_normal(&mut xs, mean, std).unwrap_or_else(|e| panic!("{method:?} {} sequential: {e}", T::NAME));
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn ziggurat_f32() {
    normal_case::<f32>(NormalMethod::Ziggurat, 0.0, 1.0);
    normal_case::<f32>(NormalMethod::Ziggurat, 0.5, 0.05);
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn ziggurat_f64() {
    normal_case::<f64>(NormalMethod::Ziggurat, 0.0, 1.0);
    normal_case::<f64>(NormalMethod::Ziggurat, -2.0, 3.0);
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn box_muller_f32() {
    normal_case::<f32>(NormalMethod::BoxMuller, 0.0, 1.0);
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn box_muller_f64() {
    normal_case::<f64>(NormalMethod::BoxMuller, 0.0, 1.0);
}

fn uniform_case<T: Float>(low: f64, high: f64) {
    let (l, h) = (T::from_f64(low), T::from_f64(high));
    let mut xs = stream_fill::<T>(21, |st, b| st.fill_uniform(0, b, l, h).unwrap());
    check_uniform(&mut xs, low, high).unwrap_or_else(|e| panic!("uniform {} stream: {e}", T::NAME));
    let mut xs = sequential::<T, _>(22, &Uniform::new(l, h).unwrap());
    check_uniform(&mut xs, low, high).unwrap_or_else(|e| panic!("uniform {} sequential: {e}", T::NAME));
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn uniform_f32_and_f64() {
    uniform_case::<f32>(0.0, 1.0);
    uniform_case::<f32>(-0.125, 0.25);
    uniform_case::<f64>(0.0, 1.0);
    uniform_case::<f64>(-3.0, 5.0);
}

#[test]
fn uniform_never_reaches_high() {
    // A width where low + w * u rounds up to high for u close to 1 in f32.
    let u = Uniform::new(1.0f32, 1.0 + 4.0 * f32::EPSILON).unwrap();
    for k in [0u32, 1, 0xffff_ff00, 0xffff_ffff] {
        let x = u.from_unit(weightinit_core::sample::uniform::bits_to_unit_f32(k));
        assert!((1.0..1.0 + 4.0 * f32::EPSILON).contains(&x), "{x}");
    }
    assert!(u.from_unit(1.0 - f32::EPSILON / 2.0) < u.high());
    let u = Uniform::new(0.0f64, 1e-300).unwrap();
    assert!(u.from_unit(1.0 - f64::EPSILON / 2.0) < 1e-300);
}

fn truncated_case<T: Float>(mean: f64, std: f64, bounds: TruncBounds<T>, a: f64, b: f64) {
    let (m, s) = (T::from_f64(mean), T::from_f64(std));
    let mut xs = stream_fill::<T>(31, |st, buf| st.fill_truncated_normal(0, buf, m, s, bounds).unwrap());
    check_truncated_normal(&mut xs, mean, std, a, b)
        .unwrap_or_else(|e| panic!("truncated {} {bounds:?} stream: {e}", T::NAME));
    let d = TruncatedNormal::new(m, s, bounds).unwrap();
    let mut xs = sequential::<T, _>(32, &d);
    check_truncated_normal(&mut xs, mean, std, a, b)
        .unwrap_or_else(|e| panic!("truncated {} {bounds:?} sequential: {e}", T::NAME));
}

fn truncated_all<T: Float>() {
    let t = |x: f64| T::from_f64(x);
    // PyTorch trunc_normal_ defaults: absolute [-2, 2], std 1 (the normal-rejection method).
    truncated_case::<T>(0.0, 1.0, TruncBounds::Absolute { a: t(-2.0), b: t(2.0) }, -2.0, 2.0);
    // Keras/JAX: +-2 std around a non-zero mean.
    truncated_case::<T>(0.5, 2.0, TruncBounds::StdUnits { low: t(-2.0), high: t(2.0) }, -3.5, 4.5);
    // Narrow interval holding zero (uniform proposal).
    truncated_case::<T>(0.0, 1.0, TruncBounds::Absolute { a: t(-0.5), b: t(1.0) }, -0.5, 1.0);
    // Far tail (exponential proposal), and its mirror.
    truncated_case::<T>(0.0, 1.0, TruncBounds::StdUnits { low: t(5.0), high: t(6.0) }, 5.0, 6.0);
    truncated_case::<T>(0.0, 1.0, TruncBounds::StdUnits { low: t(-6.0), high: t(-5.0) }, -6.0, -5.0);
    // Narrow tail interval (uniform tail proposal).
    truncated_case::<T>(0.0, 1.0, TruncBounds::Absolute { a: t(1.0), b: t(1.25) }, 1.0, 1.25);
    // One-sided from zero, wide.
    truncated_case::<T>(0.0, 1.0, TruncBounds::Absolute { a: t(0.0), b: t(8.0) }, 0.0, 8.0);
    // Tiny std.
    truncated_case::<T>(0.0, 1e-6, TruncBounds::two_sigma(), -2e-6, 2e-6);
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn truncated_normal_f32() {
    truncated_all::<f32>();
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn truncated_normal_f64() {
    truncated_all::<f64>();
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn truncated_outputs_inside_bounds_in_extreme_cases() {
    // Tiny std around a large mean: f32 spacing near 1.0 exceeds the std, rounding must not escape.
    let s = Stream::new(5, 5);
    let mut buf = vec![0.0f32; 100_000];
    let (a, b) = (1.0f32 - 2e-6, 1.0f32 + 2e-6);
    s.fill_truncated_normal(0, &mut buf, 1.0, 1e-6, TruncBounds::Absolute { a, b }).unwrap();
    assert!(buf.iter().all(|&x| a <= x && x <= b));
    s.fill_truncated_normal(0, &mut buf, 1.0, 1e-6, TruncBounds::StdUnits { low: -2.0, high: 2.0 }).unwrap();
    assert!(buf.iter().all(|&x| (1.0 - 2e-6..=1.0 + 2e-6).contains(&x)), "std units, f32");
    // Very far in the tail.
    let mut buf64 = vec![0.0f64; 100_000];
    s.fill_truncated_normal(0, &mut buf64, 0.0, 1.0, TruncBounds::StdUnits { low: 30.0, high: 31.0 }).unwrap();
    assert!(buf64.iter().all(|&x| (30.0..=31.0).contains(&x)));
    s.fill_truncated_normal(0, &mut buf, 0.0, 1.0, TruncBounds::StdUnits { low: 5.0, high: 6.0 }).unwrap();
    assert!(buf.iter().all(|&x| (5.0..=6.0).contains(&x)));
}

/// A normal sampler broken on purpose in one way.
fn broken(kind: &str) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
    let d = Normal::new(0.0f64, 1.0, NormalMethod::Ziggurat).unwrap();
    (0..N)
        .map(|_| match kind {
            "std +1%" => 1.01 * d.sample(&mut rng),
            "no tail beyond 4" => loop {
                let z = d.sample(&mut rng);
                if z.abs() <= 4.0 {
                    break z;
                }
            },
            "sign bias 1%" => {
                let z: f64 = d.sample(&mut rng);
                let u: f64 = Uniform::new(0.0, 1.0).unwrap().sample(&mut rng);
                if u < 0.51 { z.abs() } else { -z.abs() }
            }
            "mean +0.01" => d.sample(&mut rng) + 0.01,
            _ => unreachable!(),
        })
        .collect()
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn checks_reject_broken_samplers() {
    for kind in ["std +1%", "no tail beyond 4", "sign bias 1%", "mean +0.01"] {
        let mut xs = broken(kind);
        let r = check_normal(&mut xs, 0.0, 1.0);
        assert!(r.is_err(), "check_normal accepted a sampler with {kind}");
        eprintln!("{kind}: rejected by {}", r.unwrap_err());
    }
    // And the untouched sampler passes the same checks with the same seed.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
    let d = Normal::new(0.0f64, 1.0, NormalMethod::Ziggurat).unwrap();
    let mut xs: Vec<f64> = (0..N).map(|_| d.sample(&mut rng)).collect();
    check_normal(&mut xs, 0.0, 1.0).unwrap();

    // Uniform: a range 1% too wide, and a truncated normal whose std is 1% off.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(98);
    let u = Uniform::new(0.0f64, 1.01).unwrap();
    let mut xs: Vec<f64> = (0..N).map(|_| u.sample(&mut rng) - 0.005).collect();
    assert!(check_uniform(&mut xs, 0.0, 1.0).is_err());
    let t = TruncatedNormal::new(0.0f64, 1.01, TruncBounds::Absolute { a: -2.0, b: 2.0 }).unwrap();
    let mut xs: Vec<f64> = (0..N).map(|_| t.sample(&mut rng)).collect();
    assert!(check_truncated_normal(&mut xs, 0.0, 1.0, -2.0, 2.0).is_err());
}
