//! Initializers against their definitions: fans and stds from the frameworks' formulas, distributions by
//! KS tests on >= 10^6 values, exact structure for the structured schemes, and the seed's claim.

use weightinit_core::init::scheme::truncated_normal_std;
use weightinit_core::init::{
    FLAX_DENSE, FanMode, Fans, Init, KERAS_DENSE, Layout, Nonlinearity, Values, VsDistribution, fans, gain, torch_layer,
};
use weightinit_core::stats::{check_normal, check_truncated_normal, check_uniform};
use weightinit_core::{Error, Float, Stream, TruncBounds};

fn f(fan_in: usize, fan_out: usize) -> Fans {
    Fans { fan_in, fan_out }
}

#[test]
fn fan_table_matches_framework_formulas() {
    // Each expected value written out by hand from torch/nn/init.py `_calculate_fan_in_and_fan_out`,
    // Keras `compute_fans`, and JAX `_compute_fans`.
    let cases: &[(&[usize], Layout, Fans, &str)] = &[
        (&[100, 784], Layout::Torch, f(784, 100), "nn.Linear(784, 100)"),
        (&[10, 100], Layout::Torch, f(100, 10), "nn.Linear(100, 10)"),
        (&[64, 32, 3, 3], Layout::Torch, f(32 * 9, 64 * 9), "nn.Conv2d(32, 64, 3)"),
        (&[16, 3, 5], Layout::Torch, f(15, 80), "nn.Conv1d(3, 16, 5)"),
        (&[8, 4, 3, 3, 3], Layout::Torch, f(108, 216), "nn.Conv3d(4, 8, 3)"),
        // nn.Conv2d(32, 64, 3, groups=4): weight [64, 8, 3, 3]. PyTorch: fan_in 72, fan_out 576.
        (&[64, 8, 3, 3], Layout::Torch, f(72, 576), "grouped conv, PyTorch formula"),
        (&[64, 8, 3, 3], Layout::TorchConv { groups: 4 }, f(72, 144), "grouped conv, true fan_out"),
        // Depthwise nn.Conv2d(32, 32, 3, groups=32): weight [32, 1, 3, 3].
        (&[32, 1, 3, 3], Layout::Torch, f(9, 288), "depthwise, PyTorch formula"),
        (&[32, 1, 3, 3], Layout::TorchConv { groups: 32 }, f(9, 9), "depthwise, true fans"),
        // nn.ConvTranspose2d(32, 64, 3): weight [32, 64, 3, 3]. PyTorch's formula takes dim 1 as fan_in.
        (&[32, 64, 3, 3], Layout::Torch, f(576, 288), "transposed conv, PyTorch formula"),
        (&[32, 64, 3, 3], Layout::TorchConvTranspose { groups: 1 }, f(288, 576), "transposed conv, true"),
        // nn.ConvTranspose2d(32, 64, 3, groups=2): weight [32, 32, 3, 3].
        (&[32, 32, 3, 3], Layout::TorchConvTranspose { groups: 2 }, f(144, 288), "grouped transposed conv"),
        (&[784, 100], Layout::Keras, f(784, 100), "keras Dense(100) on 784"),
        (&[3, 3, 32, 64], Layout::Keras, f(288, 576), "keras Conv2D(64, 3) on 32 channels"),
        (&[5, 3, 16], Layout::Keras, f(15, 80), "keras Conv1D"),
        (&[7], Layout::Keras, f(7, 7), "keras rank 1"),
        (&[784, 100], Layout::InOut, f(784, 100), "the seed's NumPy [in, out]"),
        (&[784, 100], Layout::JAX, f(784, 100), "jax default axes"),
        (&[3, 3, 32, 64], Layout::JAX, f(288, 576), "jax conv HWIO"),
        // JAX with a batch axis: shape [4, 784, 100], batch_axis=0 -> fans ignore axis 0.
        (&[4, 784, 100], Layout::Axes { in_axis: -2, out_axis: -1, batch_mask: 1 }, f(784, 100), "jax batch"),
        // JAX with in/out axes swapped: a PyTorch-shaped [out, in] weight.
        (&[100, 784], Layout::Axes { in_axis: 1, out_axis: 0, batch_mask: 0 }, f(784, 100), "jax in=1 out=0"),
    ];
    assert!(cases.len() >= 15);
    for (shape, layout, want, what) in cases {
        assert_eq!(fans(shape, *layout).unwrap(), *want, "{what}: {shape:?} {layout:?}");
    }
}

#[test]
fn std_table_matches_framework_formulas() {
    // (init, shape, layout, expected std of the values or bound), each from the framework's formula by hand.
    let relu = Nonlinearity::Relu;
    let s = |x: f64| x.sqrt();
    type Case<'a> = (Init, &'a [usize], Layout, f64, Option<f64>);
    let cases: &[Case] = &[
        // kaiming_normal_(w, mode='fan_in', nonlinearity='relu') on nn.Linear(784, 100): sqrt(2) / sqrt(784).
        (
            Init::KaimingNormal { mode: FanMode::FanIn, nonlinearity: relu },
            &[100, 784],
            Layout::Torch,
            s(2.0) / 28.0,
            None,
        ),
        // kaiming_normal_ fan_out on [64, 32, 3, 3]: sqrt(2) / sqrt(576).
        (
            Init::KaimingNormal { mode: FanMode::FanOut, nonlinearity: relu },
            &[64, 32, 3, 3],
            Layout::Torch,
            s(2.0) / 24.0,
            None,
        ),
        // kaiming_uniform_ default (leaky_relu, a=0): bound = sqrt(2) * sqrt(3 / 288).
        (
            Init::KaimingUniform { mode: FanMode::FanIn, nonlinearity: Nonlinearity::LeakyRelu(0.0) },
            &[64, 32, 3, 3],
            Layout::Torch,
            s(2.0 / 288.0),
            Some(s(6.0 / 288.0)),
        ),
        // xavier_uniform_(gain=1) on nn.Linear(784, 100): a = sqrt(6 / 884).
        (Init::XavierUniform { gain: 1.0 }, &[100, 784], Layout::Torch, s(2.0 / 884.0), Some(s(6.0 / 884.0))),
        // xavier_normal_(gain=5/3) on [64, 32, 3, 3]: 5/3 * sqrt(2 / (288 + 576)).
        (Init::XavierNormal { gain: 5.0 / 3.0 }, &[64, 32, 3, 3], Layout::Torch, 5.0 / 3.0 * s(2.0 / 864.0), None),
        // nn.Linear(784, 100) default weight: bound 1 / sqrt(784) = 1/28.
        (Init::TorchDefaultWeight, &[100, 784], Layout::Torch, 1.0 / 28.0 / s(3.0), Some(1.0 / 28.0)),
        (Init::TorchDefaultBias { fan_in: 784 }, &[100], Layout::Torch, 1.0 / 28.0 / s(3.0), Some(1.0 / 28.0)),
        // Keras he_normal on Dense(784 -> 100): stddev = sqrt(2/784) / .87962566103423978, truncated at 2 std.
        (
            Init::VarianceScaling { scale: 2.0, mode: FanMode::FanIn, distribution: VsDistribution::TruncatedNormal },
            &[784, 100],
            Layout::Keras,
            s(2.0 / 784.0),
            Some(2.0 * s(2.0 / 784.0) / 0.879_625_661_034_239_8),
        ),
        // Keras glorot_uniform on Conv2D [3, 3, 32, 64]: limit = sqrt(6 / (288 + 576)).
        (
            Init::VarianceScaling { scale: 1.0, mode: FanMode::FanAvg, distribution: VsDistribution::Uniform },
            &[3, 3, 32, 64],
            Layout::Keras,
            s(2.0 / 864.0),
            Some(s(6.0 / 864.0)),
        ),
        // JAX variance_scaling(2.0, 'fan_out', 'normal') on [784, 100]: std sqrt(2 / 100).
        (
            Init::VarianceScaling {
                scale: 2.0,
                mode: FanMode::FanOut,
                distribution: VsDistribution::UntruncatedNormal,
            },
            &[784, 100],
            Layout::JAX,
            s(0.02),
            None,
        ),
        // fan_geo_avg: sqrt(784 * 100) = 280.
        (
            Init::VarianceScaling {
                scale: 1.0,
                mode: FanMode::FanGeoAvg,
                distribution: VsDistribution::UntruncatedNormal,
            },
            &[784, 100],
            Layout::InOut,
            s(1.0 / 280.0),
            None,
        ),
        // Flax lecun_normal on Dense(784 -> 100).
        (
            Init::LecunNormal,
            &[784, 100],
            Layout::JAX,
            s(1.0 / 784.0),
            Some(2.0 * s(1.0 / 784.0) / 0.879_625_661_034_239_8),
        ),
        (Init::LecunUniform, &[784, 100], Layout::Keras, s(1.0 / 784.0), Some(s(3.0 / 784.0))),
        // The seed: np.random.randn(784, 100) * np.sqrt(2.0 / 784).
        (Init::HE_NORMAL, &[784, 100], Layout::InOut, s(2.0 / 784.0), None),
        // Grouped conv with true fan_out.
        (
            Init::KaimingNormal { mode: FanMode::FanOut, nonlinearity: relu },
            &[64, 8, 3, 3],
            Layout::TorchConv { groups: 4 },
            s(2.0 / 144.0),
            None,
        ),
    ];
    for (init, shape, layout, std, bound) in cases {
        let e = init.explain(shape, *layout).unwrap();
        assert!((e.std - std).abs() <= 1e-15 * std, "{init:?} {shape:?}: std {} vs {std}", e.std);
        if let Some(b) = bound {
            let eb = e.bound.unwrap();
            assert!((eb - b).abs() <= 1e-15 * b, "{init:?}: bound {eb} vs {b}");
        }
    }
}

#[test]
fn gains_match_calculate_gain() {
    use Nonlinearity::*;
    for nl in [Linear, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Sigmoid] {
        assert_eq!(gain(nl).unwrap(), 1.0, "{nl:?}");
    }
    assert_eq!(gain(Tanh).unwrap(), 5.0 / 3.0);
    assert_eq!(gain(Relu).unwrap(), 2.0f64.sqrt());
    assert_eq!(gain(Nonlinearity::LEAKY_RELU_DEFAULT).unwrap(), (2.0 / (1.0 + 0.01f64.powi(2))).sqrt());
    assert_eq!(gain(LeakyRelu(5f64.sqrt())).unwrap(), (2.0f64 / 6.0).sqrt());
    assert_eq!(gain(Selu).unwrap(), 0.75);
    assert!(matches!(gain(LeakyRelu(f64::NAN)), Err(Error::InvalidParameter { .. })));
    assert_eq!(Nonlinearity::parse("leaky-relu", None), Some(LeakyRelu(0.01)));
    assert_eq!(Nonlinearity::parse("Leaky_ReLU", Some(0.2)), Some(LeakyRelu(0.2)));
    assert_eq!(Nonlinearity::parse("swish", None), None);
}

fn fill<T: Float>(init: Init, shape: &[usize], layout: Layout) -> (Vec<f64>, Values) {
    let n: usize = shape.iter().product();
    let mut out = vec![T::ZERO; n];
    let mut ws = vec![0.0; init.workspace_len(shape).unwrap()];
    let e = init.fill(&Stream::new(2024, 17), shape, layout, &mut out, &mut ws).unwrap();
    (out.iter().map(|x| x.to_f64()).collect(), e.values)
}

fn check_against_theory<T: Float>(init: Init, shape: &[usize], layout: Layout) {
    let (mut xs, values) = fill::<T>(init, shape, layout);
    let what = format!("{} {init:?} {shape:?} {}", init.name(), T::NAME);
    let r = match values {
        Values::Uniform { low, high } => check_uniform(&mut xs, low, high),
        Values::Normal { mean, std } => check_normal(&mut xs, mean, std),
        Values::TruncatedNormal { mean, std, a, b } => check_truncated_normal(&mut xs, mean, std, a, b),
        Values::Constant { value } => {
            assert!(xs.iter().all(|&x| x == T::from_f64(value).to_f64()), "{what}");
            Ok(())
        }
        v => panic!("{what}: not element-wise: {v:?}"),
    };
    r.unwrap_or_else(|e| panic!("{what}: {e}"));
}

const BIG: &[usize] = &[1024, 1024];
const ODD: &[usize] = &[1001, 999];
const CONV: &[usize] = &[64, 32, 3, 3];

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn elementwise_schemes_follow_their_distributions() {
    let relu = Nonlinearity::Relu;
    let schemes = [
        Init::Zeros,
        Init::Ones,
        Init::Constant { value: 0.25 },
        Init::Uniform { low: -0.3, high: 0.1 },
        Init::Normal { mean: 0.0, std: 0.01 },
        Init::Normal { mean: 0.5, std: 1.0 },
        Init::TruncatedNormal { mean: 0.0, std: 1.0, bounds: TruncBounds::Absolute { a: -2.0, b: 2.0 } },
        Init::TruncatedNormal { mean: 0.1, std: 0.02, bounds: TruncBounds::two_sigma() },
        Init::XavierUniform { gain: 1.0 },
        Init::XavierNormal { gain: 5.0 / 3.0 },
        Init::KaimingUniform { mode: FanMode::FanIn, nonlinearity: Nonlinearity::LeakyRelu(0.0) },
        Init::KaimingNormal { mode: FanMode::FanOut, nonlinearity: relu },
        Init::LecunUniform,
        Init::LecunNormal,
        Init::VarianceScaling { scale: 2.0, mode: FanMode::FanAvg, distribution: VsDistribution::Uniform },
        Init::VarianceScaling { scale: 0.5, mode: FanMode::FanGeoAvg, distribution: VsDistribution::UntruncatedNormal },
        Init::VarianceScaling { scale: 1.0, mode: FanMode::FanIn, distribution: VsDistribution::TruncatedNormal },
        Init::TorchDefaultWeight,
        Init::TorchDefaultBias { fan_in: 300 },
    ];
    for init in schemes {
        check_against_theory::<f32>(init, BIG, Layout::Torch);
        check_against_theory::<f32>(init, ODD, Layout::Torch);
        check_against_theory::<f64>(init, BIG, Layout::Torch);
    }
    // Conv shape (18,432 values): same checks, smaller n.
    check_against_theory::<f32>(Init::HE_NORMAL, CONV, Layout::Torch);
    check_against_theory::<f32>(Init::XavierUniform { gain: 1.0 }, CONV, Layout::Torch);
    check_against_theory::<f32>(Init::LecunNormal, &[3, 3, 32, 64], Layout::Keras);
}

#[test]
fn presets_reproduce_framework_defaults() {
    let d = torch_layer(&[100, 784]).unwrap();
    let w = d.weight.explain(&[100, 784], Layout::Torch).unwrap();
    assert_eq!(w.values, Values::Uniform { low: -1.0 / 28.0, high: 1.0 / 28.0 });
    let b = d.bias.explain(&[100], Layout::Torch).unwrap();
    assert_eq!(b.values, Values::Uniform { low: -1.0 / 28.0, high: 1.0 / 28.0 });
    // kaiming_uniform_(a = sqrt 5) is exactly the same bound.
    let k = Init::KaimingUniform { mode: FanMode::FanIn, nonlinearity: Nonlinearity::LeakyRelu(5f64.sqrt()) };
    let kb = k.explain(&[100, 784], Layout::Torch).unwrap().bound.unwrap();
    assert!((kb - 1.0 / 28.0).abs() < 1e-17);
    let kd = KERAS_DENSE.weight.explain(&[784, 100], Layout::Keras).unwrap();
    assert_eq!(kd.bound, Some((6.0f64 / 884.0).sqrt()));
    assert_eq!(KERAS_DENSE.bias, Init::Zeros);
    let fd = FLAX_DENSE.weight.explain(&[784, 100], Layout::JAX).unwrap();
    assert!(matches!(fd.values, Values::TruncatedNormal { .. }));
    assert!((fd.std - (1.0f64 / 784.0).sqrt()).abs() < 1e-15);
    // The truncation constant: the std of N(0,1) on [-2, 2].
    assert!((truncated_normal_std(0.0, 1.0, -2.0, 2.0) - 0.879_625_661_034_239_8).abs() < 1e-15);
}

fn gram(w: &[f64], rows: usize, cols: usize, by_rows: bool) -> Vec<f64> {
    let k = if by_rows { rows } else { cols };
    let mut g = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            g[i * k + j] = if by_rows {
                (0..cols).map(|c| w[i * cols + c] * w[j * cols + c]).sum()
            } else {
                (0..rows).map(|r| w[r * cols + i] * w[r * cols + j]).sum()
            };
        }
    }
    g
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn orthogonal_is_orthogonal() {
    for (shape, g) in [
        (&[256usize, 256][..], 1.0),
        (&[300, 500][..], 2.0f64.sqrt()),
        (&[500, 300][..], 1.0),
        (&[64, 32, 3, 3][..], 0.5),
        (&[1, 7][..], 1.0),
        (&[7, 1][..], 1.0),
    ] {
        let rows = shape[0];
        let cols: usize = shape[1..].iter().product();
        for f32_out in [true, false] {
            let (w, _) = if f32_out {
                fill::<f32>(Init::Orthogonal { gain: g }, shape, Layout::Torch)
            } else {
                fill::<f64>(Init::Orthogonal { gain: g }, shape, Layout::Torch)
            };
            let by_rows = rows <= cols;
            let k = rows.min(cols);
            let gm = gram(&w, rows, cols, by_rows);
            let tol = if f32_out { 1e-4 } else { 1e-10 };
            let mut worst: f64 = 0.0;
            for i in 0..k {
                for j in 0..k {
                    let want = if i == j { g * g } else { 0.0 };
                    worst = worst.max((gm[i * k + j] - want).abs());
                }
            }
            assert!(worst < tol, "{shape:?} f32={f32_out}: max |W W^T - g^2 I| = {worst}");
        }
    }
    // Haar-distributed Q has no preferred direction: the entries of a large square Q are ~N(0, 1/n).
    let (mut w, _) = fill::<f64>(Init::Orthogonal { gain: 1.0 }, &[512, 512], Layout::Torch);
    let m = weightinit_core::stats::moments(w.iter().copied());
    assert!(m.mean.abs() < 5.0 / 512.0 / 512.0f64.sqrt());
    assert!(
        weightinit_core::stats::ks_test(&mut w, |x| weightinit_core::stats::normal_cdf(x * 512f64.sqrt())).p > 1e-4
    );
}

/// Haar beyond the marginals: over 4000 square Q of order 6 (one key each), the trace has mean 0, variance 1
/// and fourth moment 3 (Diaconis & Shahshahani 1994: for n >= 4 the first four moments of tr Q equal those of
/// N(0, 1)), and so does the (0, 0) entry times sqrt(6) in mean and variance. Without the sign fix the mean
/// of the trace is -1.27 (measured); a non-uniform reflector would bias the moments. Thresholds are 5 standard errors.
#[test]
#[cfg_attr(miri, ignore = "4000 products; runs natively")]
fn orthogonal_is_haar_by_trace_moments() {
    for f32_out in [true, false] {
        let (n, k) = (6usize, 4000usize);
        let init = Init::Orthogonal { gain: 1.0 };
        let mut ws = vec![0.0; init.workspace_len(&[n, n]).unwrap()];
        let (mut tr, mut q00) = (Vec::new(), Vec::new());
        for key in 0..k as u64 {
            let w: Vec<f64> = if f32_out {
                let mut w = vec![0.0f32; n * n];
                init.fill(&Stream::new(5, key), &[n, n], Layout::Torch, &mut w, &mut ws).unwrap();
                w.iter().map(|&x| x as f64).collect()
            } else {
                let mut w = vec![0.0f64; n * n];
                init.fill(&Stream::new(5, key), &[n, n], Layout::Torch, &mut w, &mut ws).unwrap();
                w
            };
            tr.push((0..n).map(|i| w[i * n + i]).sum::<f64>());
            q00.push(w[0] * (n as f64).sqrt());
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let moment = |v: &[f64], p: i32| v.iter().map(|x| x.powi(p)).sum::<f64>() / v.len() as f64;
        let se = 1.0 / (k as f64).sqrt();
        assert!(mean(&tr).abs() < 5.0 * se, "f32={f32_out}: mean trace {}", mean(&tr));
        // Var(tr^2) = E tr^4 - 1 = 2, Var(tr^4) = E tr^8 - 9 = 96 for N(0, 1).
        assert!((moment(&tr, 2) - 1.0).abs() < 5.0 * 2f64.sqrt() * se, "f32={f32_out}: E tr^2 {}", moment(&tr, 2));
        assert!((moment(&tr, 4) - 3.0).abs() < 5.0 * 96f64.sqrt() * se, "f32={f32_out}: E tr^4 {}", moment(&tr, 4));
        assert!(mean(&q00).abs() < 5.0 * se, "f32={f32_out}: mean Q00 {}", mean(&q00));
        // sqrt(n) Q00: variance 1 exactly, fourth moment 3n / (n + 2) = 2.25.
        assert!((moment(&q00, 2) - 1.0).abs() < 5.0 * 1.25f64.sqrt() * se, "f32={f32_out}: E q^2 {}", moment(&q00, 2));
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn orthogonal_large_in_f32() {
    let (w, _) = fill::<f32>(Init::Orthogonal { gain: 1.0 }, &[1024, 1024], Layout::Torch);
    // Spot-check rows of W W^T (the full product is 10^9 flops in a test).
    for &(i, j) in &[(0usize, 0usize), (0, 1), (511, 511), (1023, 5), (700, 700), (1023, 1023)] {
        let dot: f64 = (0..1024).map(|c| w[i * 1024 + c] * w[j * 1024 + c]).sum();
        let want = if i == j { 1.0 } else { 0.0 };
        assert!((dot - want).abs() < 1e-4, "({i},{j}): {dot}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn structured_schemes_have_exact_structure() {
    let (w, _) = fill::<f32>(Init::Eye, &[3, 5], Layout::Torch);
    let want = [1., 0., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 1., 0., 0.];
    assert_eq!(w, want);
    let (w, _) = fill::<f64>(Init::Eye, &[4, 2], Layout::Torch);
    assert_eq!(w, [1., 0., 0., 1., 0., 0., 0., 0.]);

    // dirac_ on [6, 4, 3, 3] with groups 2: out_per_group 3, min(3, 4) = 3 per group.
    let shape = [6usize, 4, 3, 3];
    let (w, _) = fill::<f32>(Init::Dirac { groups: 2 }, &shape, Layout::Torch);
    for o in 0..6 {
        for i in 0..4 {
            for k in 0..9 {
                let v = w[(o * 4 + i) * 9 + k];
                let d = o % 3;
                let want = if i == d && k == 4 { 1.0 } else { 0.0 };
                assert_eq!(v, want, "o {o} i {i} k {k}");
            }
        }
    }
    // Dirac conv weight of a 1d conv with more outputs than inputs: [5, 3, 4] (centre index 2).
    let (w, _) = fill::<f32>(Init::Dirac { groups: 1 }, &[5, 3, 4], Layout::Torch);
    assert_eq!(w.iter().filter(|&&x| x == 1.0).count(), 3);
    for d in 0..3 {
        assert_eq!(w[(d * 3 + d) * 4 + 2], 1.0);
    }

    // sparse_: exactly ceil(0.3 * 1000) = 300 zeros in every column, non-zeros N(0, 0.05^2).
    let (w, values) = fill::<f32>(Init::Sparse { sparsity: 0.3, std: 0.05 }, &[1000, 1000], Layout::Torch);
    assert_eq!(values, Values::Sparse { std: 0.05, zeros_per_column: 300 });
    for c in 0..1000 {
        let zeros = (0..1000).filter(|&r| w[r * 1000 + c] == 0.0).count();
        assert_eq!(zeros, 300, "column {c}");
    }
    let mut nz: Vec<f64> = w.iter().copied().filter(|&x| x != 0.0).collect();
    assert_eq!(nz.len(), 700_000);
    check_normal(&mut nz, 0.0, 0.05).unwrap();
    // Which rows are zeroed is uniform: each row is zeroed in ~30% of the columns.
    let per_row: Vec<usize> = (0..1000).map(|r| (0..1000).filter(|&c| w[r * 1000 + c] == 0.0).count()).collect();
    let sd = (1000.0f64 * 0.3 * 0.7).sqrt();
    assert!(per_row.iter().all(|&z| (z as f64 - 300.0).abs() < 6.0 * sd), "{:?}", per_row.iter().max());
    // Sparsity 0 and 1.
    let (w, _) = fill::<f32>(Init::Sparse { sparsity: 1.0, std: 1.0 }, &[7, 3], Layout::Torch);
    assert!(w.iter().all(|&x| x == 0.0));
    let (w, _) = fill::<f32>(Init::Sparse { sparsity: 0.0, std: 1.0 }, &[7, 3], Layout::Torch);
    assert!(w.iter().all(|&x| x != 0.0));
}

#[test]
fn range_fills_match_whole_fills() {
    // A window that starts and ends inside 4096-value blocks; smaller under Miri (same code paths).
    let (shape, start, len) = if cfg!(miri) { ([60, 50], 1_234, 77) } else { ([300, 200], 12_345, 777) };
    let init = Init::XavierUniform { gain: 1.0 };
    let (whole, _) = fill::<f32>(init, &shape, Layout::Torch);
    let s = Stream::new(2024, 17);
    let mut part = vec![0.0f32; len];
    init.fill_range(&s, &shape, Layout::Torch, start, &mut part).unwrap();
    assert!(part.iter().zip(&whole[start..]).all(|(a, b)| *a as f64 == *b));
    let past_end = shape[0] * shape[1] - len / 2;
    assert!(matches!(
        init.fill_range(&s, &shape, Layout::Torch, past_end, &mut part),
        Err(Error::BufferTooSmall { .. })
    ));
    let mut q = vec![0.0f32; 600];
    assert!(matches!(
        Init::Orthogonal { gain: 1.0 }.fill_range(&s, &[30, 20], Layout::Torch, 0, &mut q),
        Err(Error::Unsupported { .. })
    ));
}

/// Mean square of each layer's pre-activations (the variance He et al. 2015 track: over inputs and
/// weights) for a 784-100-100-10 ReLU MLP on random N(0, 1) inputs, averaged over independently initialized
/// networks (the last layer has only 10 units, so one network alone is a noisy estimate).
fn preactivation_variances(init: Init) -> Vec<f64> {
    let (batch, nets) = (128, 12);
    let widths = [784usize, 100, 100, 10];
    let mut acc = vec![0.0; 3];
    for net in 0..nets {
        let mut x = vec![0.0f64; batch * 784];
        Stream::new(net, 1000).fill_normal(0, &mut x, 0.0, 1.0).unwrap();
        for l in 0..3 {
            let (fan_in, fan_out) = (widths[l], widths[l + 1]);
            let mut w = vec![0.0f64; fan_in * fan_out];
            init.fill(&Stream::new(net, l as u64), &[fan_in, fan_out], Layout::InOut, &mut w, &mut []).unwrap();
            let mut z = vec![0.0f64; batch * fan_out];
            for b in 0..batch {
                for i in 0..fan_in {
                    let xi = x[b * fan_in + i];
                    for o in 0..fan_out {
                        z[b * fan_out + o] += xi * w[i * fan_out + o];
                    }
                }
            }
            acc[l] += z.iter().map(|v| v * v).sum::<f64>() / z.len() as f64 / nets as f64;
            x = z.iter().map(|&v| v.max(0.0)).collect();
        }
    }
    acc
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri; runs natively")]
fn the_seeds_claim_he_keeps_variance_while_tiny_and_unit_normals_do_not() {
    let he = preactivation_variances(Init::HE_NORMAL);
    for (l, v) in he.iter().enumerate() {
        assert!((v / he[0] - 1.0).abs() < 0.2, "He: layer {l} variance {v} vs first {}", he[0]);
    }
    let tiny = preactivation_variances(Init::Normal { mean: 0.0, std: 0.01 });
    assert!(tiny[0] / tiny[2] > 100.0, "N(0, 0.01): {tiny:?}");
    let unit = preactivation_variances(Init::Normal { mean: 0.0, std: 1.0 });
    assert!(unit[2] / unit[0] > 100.0, "N(0, 1): {unit:?}");
    eprintln!("pre-activation variances: he {he:?}\n  normal(0.01) {tiny:?}\n  normal(1) {unit:?}");
}

#[test]
fn bad_input_is_a_typed_error() {
    let s = Stream::new(0, 0);
    // A sentinel, not zeros: a failed call that wrote zeros (or anything) is caught.
    let mut out = vec![7.5f32; 12];
    let shape = [3usize, 4];
    let run =
        |init: Init, shape: &[usize], out: &mut [f32], ws: &mut [f64]| init.fill(&s, shape, Layout::Torch, out, ws);
    assert!(matches!(
        run(Init::Normal { mean: 0.0, std: -1.0 }, &shape, &mut out, &mut []),
        Err(Error::InvalidParameter { name: "std", .. })
    ));
    assert!(matches!(
        run(Init::XavierNormal { gain: f64::NAN }, &shape, &mut out, &mut []),
        Err(Error::InvalidParameter { name: "gain", .. })
    ));
    assert!(matches!(
        run(Init::Sparse { sparsity: 1.5, std: 0.01 }, &shape, &mut out, &mut []),
        Err(Error::InvalidParameter { name: "sparsity", .. })
    ));
    assert!(matches!(
        run(Init::Sparse { sparsity: f64::NAN, std: 0.01 }, &shape, &mut out, &mut []),
        Err(Error::InvalidParameter { name: "sparsity", .. })
    ));
    assert!(matches!(
        run(Init::HE_NORMAL, &shape, &mut out[..11], &mut []),
        Err(Error::LengthMismatch { expected: 12, actual: 11 })
    ));
    let need = Init::Orthogonal { gain: 1.0 }.workspace_len(&shape).unwrap();
    let mut small = vec![0.0f64; need - 1];
    assert!(matches!(
        run(Init::Orthogonal { gain: 1.0 }, &shape, &mut out, &mut small),
        Err(Error::BufferTooSmall { needed, actual }) if needed == need && actual == need - 1
    ));
    assert!(matches!(run(Init::HE_NORMAL, &[12], &mut out, &mut []), Err(Error::RankTooSmall { rank: 1, min: 2 })));
    assert!(matches!(run(Init::HE_NORMAL, &[3, 0], &mut out, &mut []), Err(Error::ZeroDimension { axis: 1 })));
    assert!(matches!(run(Init::HE_NORMAL, &[usize::MAX, 3], &mut out, &mut []), Err(Error::SizeOverflow)));
    assert!(matches!(run(Init::Eye, &[2, 2, 3], &mut out, &mut []), Err(Error::InvalidShape { .. })));
    assert!(matches!(run(Init::Dirac { groups: 5 }, &[6, 2, 1], &mut out, &mut []), Err(Error::InvalidShape { .. })));
    assert!(matches!(run(Init::Dirac { groups: 0 }, &[6, 2, 1], &mut out, &mut []), Err(Error::InvalidShape { .. })));
    assert!(matches!(
        run(Init::Uniform { low: 1.0, high: 1.0 }, &shape, &mut out, &mut []),
        Err(Error::EmptyRange { .. })
    ));
    assert!(matches!(
        run(Init::Constant { value: 1e39 }, &shape, &mut out, &mut []),
        Err(Error::InvalidParameter { name: "value", .. })
    ));
    assert!(matches!(
        run(
            Init::VarianceScaling { scale: -1.0, mode: FanMode::FanIn, distribution: VsDistribution::Uniform },
            &shape,
            &mut out,
            &mut []
        ),
        Err(Error::InvalidParameter { name: "scale", .. })
    ));
    assert!(matches!(fans(&[6, 4, 3], Layout::TorchConv { groups: 4 }), Err(Error::InvalidShape { .. })));
    assert!(matches!(
        fans(&[6, 4], Layout::Axes { in_axis: 2, out_axis: 0, batch_mask: 0 }),
        Err(Error::InvalidShape { .. })
    ));
    assert!(fans(&[6, 4], Layout::InOut).is_ok());
    assert!(matches!(fans(&[6, 4, 1], Layout::InOut), Err(Error::InvalidShape { .. })));
    assert!(matches!(fans(&[], Layout::Keras), Err(Error::RankTooSmall { .. })));
    // Nothing was written by any failed call.
    assert!(out.iter().all(|&x| x == 7.5));
}

#[test]
fn explanation_prints_a_report() {
    let e = Init::HE_NORMAL.explain(&[100, 784], Layout::Torch).unwrap();
    let text = e.to_string();
    for needle in ["he-normal", "fan_in       784", "fan_out      100", "gain", "kaiming_normal_"] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}

#[test]
fn values_beyond_the_element_type_are_refused_not_filled_as_infinities() {
    let s = Stream::new(1, 0);
    let sentinel = 7.0f32;
    for (init, shape) in [
        (Init::Constant { value: 1e39 }, vec![3]),
        (Init::XavierUniform { gain: 1e39 }, vec![4, 4]),
        (Init::Orthogonal { gain: 1e39 }, vec![4, 4]),
    ] {
        let mut out = vec![sentinel; shape.iter().product()];
        let mut ws = vec![0.0; init.workspace_len(&shape).unwrap()];
        let e = init.fill::<f32>(&s, &shape, Layout::Torch, &mut out, &mut ws).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { name: "values" | "value", .. }), "{init:?}: {e}");
        assert!(out.iter().all(|&x| x == sentinel), "{init:?}: nothing is written");
        assert!(init.fill_range::<f32>(&s, &shape, Layout::Torch, 0, &mut out[..1]).is_err());
        // The same values fit f64.
        let mut wide = vec![0.0f64; out.len()];
        init.fill::<f64>(&s, &shape, Layout::Torch, &mut wide, &mut ws).unwrap();
        assert!(wide.iter().all(|x| x.is_finite()), "{init:?}");
    }
    #[cfg(feature = "alloc")]
    assert!(Init::Constant { value: 1e39 }.fill_vec::<f32>(&s, &[3], Layout::Torch).is_err());
    // A gain whose bound overflows even f64 is refused by the report itself.
    let e = Init::XavierUniform { gain: 1.7e308 }.explain(&[1, 1], Layout::Torch).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { name: "values", .. }), "{e}");
}

#[cfg(feature = "alloc")]
#[test]
fn an_allocation_that_cannot_be_made_is_a_typed_error() {
    // 2^61 f32 values: the size fits usize, the allocation cannot be made (never an abort).
    let e = Init::Zeros.fill_vec::<f32>(&Stream::new(1, 0), &[1 << 61], Layout::Torch).unwrap_err();
    assert_eq!(e, Error::AllocationFailed { bytes: 1 << 63 });
    assert_eq!(e.to_string(), format!("cannot allocate {} bytes", 1u64 << 63));
}

/// `A^T A` (tall) or `A A^T` (wide) of the `[rows, cols]` matrix `a(r, c)`, against `gain^2 I`.
fn assert_semi_orthogonal(rows: usize, cols: usize, gain: f64, a: impl Fn(usize, usize) -> f64, what: &str) {
    let (n, m, tall) = if rows >= cols { (cols, rows, true) } else { (rows, cols, false) };
    for i in 0..n {
        for j in 0..n {
            let dot: f64 = (0..m).map(|k| if tall { a(k, i) * a(k, j) } else { a(i, k) * a(j, k) }).sum();
            let want = if i == j { gain * gain } else { 0.0 };
            assert!((dot - want).abs() < 1e-5 * gain * gain, "{what}: ({i}, {j}) = {dot}");
        }
    }
}

#[test]
fn orthogonal_columns_are_orthonormal_along_the_column_axis() {
    for (shape, axis, gain) in [
        (vec![3, 4, 5, 6], -1isize, 1.0),
        (vec![2, 8], -1, 1.5),
        (vec![4, 3, 5], 0, 2.0),
        (vec![3, 7, 2], 1, 1.0),
        (vec![6, 2], -2, 1.0),
    ] {
        let (w, e) = fill::<f64>(Init::OrthogonalColumns { gain, column_axis: axis }, &shape, Layout::Torch);
        let r = shape.len() as isize;
        let ax = if axis < 0 { (axis + r) as usize } else { axis as usize };
        let cols = shape[ax];
        let rows = w.len() / cols;
        let inner: usize = shape[ax + 1..].iter().product();
        // Element (row, c): `row` the row-major index over the other axes.
        let at = |row: usize, c: usize| w[(row / inner) * inner * cols + c * inner + row % inner];
        assert_semi_orthogonal(rows, cols, gain, at, &format!("{shape:?} axis {axis}"));
        assert_eq!(e, Values::OrthogonalColumns { gain, column_axis: ax });
    }
    // Keras's and JAX's default (the last axis) on a dense kernel [in, out] with in > out: orthonormal columns.
    let (w, _) = fill::<f32>(Init::OrthogonalColumns { gain: 1.0, column_axis: -1 }, &[20, 5], Layout::Keras);
    assert_semi_orthogonal(20, 5, 1.0, |r, c| w[r * 5 + c], "[20, 5]");
    let mut out = vec![0.0f32; 6];
    let bad = Init::OrthogonalColumns { gain: 1.0, column_axis: 2 };
    assert!(matches!(
        bad.fill(&Stream::new(1, 1), &[2, 3], Layout::Torch, &mut out, &mut []),
        Err(Error::InvalidShape { .. })
    ));
}

#[test]
fn delta_orthogonal_is_zero_but_an_orthogonal_centre() {
    for shape in [vec![3, 4, 6], vec![4, 3, 2, 5], vec![3, 3, 3, 4, 4]] {
        let (w, _) = fill::<f64>(Init::DeltaOrthogonal { gain: 1.0, column_axis: -1 }, &shape, Layout::Keras);
        let r = shape.len();
        let (din, dout) = (shape[r - 2], shape[r - 1]);
        let centre = shape[..r - 2].iter().fold(0, |acc, &k| acc * k + (k - 1) / 2) * din * dout;
        for (i, &v) in w.iter().enumerate() {
            if !(centre..centre + din * dout).contains(&i) {
                assert_eq!(v, 0.0, "{shape:?}: element {i} off the centre");
            }
        }
        assert_semi_orthogonal(din, dout, 1.0, |a, b| w[centre + a * dout + b], &format!("{shape:?}"));
    }
    let mut out = vec![0.0f32; 3 * 5 * 4];
    let d = Init::DeltaOrthogonal { gain: 1.0, column_axis: -1 };
    assert!(matches!(
        d.fill(&Stream::new(1, 1), &[3, 5, 4], Layout::Keras, &mut out, &mut []),
        Err(Error::InvalidShape { .. })
    ));
    let (w, e) = fill::<f32>(Init::Identity { gain: 0.5 }, &[3, 4], Layout::Keras);
    assert_eq!(w, [0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0]);
    assert_eq!(e, Values::Eye { gain: 0.5 });
}

/// `SchemeParams::set`: every name of the core's schemes, spellings with `-` or `_`, `param` before or after
/// a leaky ReLU, and typed errors for an unknown name or a value of the wrong kind.
#[test]
fn scheme_params_set_takes_every_name_in_any_order() {
    use weightinit_core::init::framework::Arg;
    use weightinit_core::init::{FanMode, Nonlinearity, SchemeParams, VsDistribution};
    let mut p = SchemeParams::default();
    p.set("mode", Arg::Text("fan-out")).unwrap();
    p.set("nonlinearity", Arg::Text("leaky_relu")).unwrap();
    p.set("param", Arg::Num(0.3)).unwrap();
    for (k, x) in
        [("gain", 1.5), ("mean", 0.1), ("std", 0.2), ("a", -1.0), ("b", 1.0), ("sparsity", 0.1), ("scale", 2.0)]
    {
        p.set(k, Arg::Num(x)).unwrap();
    }
    p.set("bounds", Arg::Text("std")).unwrap();
    p.set("distribution", Arg::Text("truncated-normal")).unwrap();
    p.set("groups", Arg::Int(2)).unwrap();
    p.set("fan_in", Arg::Num(288.0)).unwrap();
    p.set("column_axis", Arg::Int(-2)).unwrap();
    assert_eq!(p.mode, Some(FanMode::FanOut));
    assert_eq!(p.nonlinearity, Some(Nonlinearity::LeakyRelu(0.3)), "param after the nonlinearity is its slope");
    assert_eq!((p.gain, p.mean, p.std, p.a, p.b), (Some(1.5), Some(0.1), Some(0.2), Some(-1.0), Some(1.0)));
    assert_eq!((p.sparsity, p.scale, p.bounds_in_std), (Some(0.1), Some(2.0), true));
    assert_eq!(p.distribution, Some(VsDistribution::TruncatedNormal));
    assert_eq!((p.groups, p.fan_in, p.column_axis), (Some(2), Some(288), Some(-2)));
    let mut q = SchemeParams::default();
    q.set("param", Arg::Num(0.3)).unwrap();
    q.set("nonlinearity", Arg::Text("leaky_relu")).unwrap();
    assert_eq!(q.nonlinearity, p.nonlinearity, "either order");
    for (k, v) in [
        ("stddev", Arg::Num(1.0)),
        ("std", Arg::Text("wide")),
        ("mode", Arg::Num(1.0)),
        ("mode", Arg::Text("fan_sideways")),
        ("groups", Arg::Int(-1)),
        ("fan_in", Arg::Num(2.5)),
        ("distribution", Arg::Text("cauchy")),
        ("nonlinearity", Arg::Text("swish")),
        ("bounds", Arg::Text("relative")),
    ] {
        assert!(matches!(q.set(k, v), Err(weightinit_core::Error::InvalidParameter { .. })), "{k} {v:?}");
    }
}
