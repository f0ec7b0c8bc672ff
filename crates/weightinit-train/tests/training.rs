//! The seed's claims on real MNIST digits (the embedded subset), determinism across thread counts, and the
//! accuracy bar on the official test set when it is present.

use std::path::Path;

use weightinit_core::init::Init;
use weightinit_train::cli::parse_train_scheme;
use weightinit_train::data::{embedded, load_dir};
use weightinit_train::model::{Activation, Norm};
use weightinit_train::train::{Optimizer, TrainConfig, TrainResult, train};

fn cfg(scheme: &str, epochs: usize, threads: usize) -> TrainConfig {
    TrainConfig {
        layers: vec![784, 100, 100, 10],
        act: Activation::Relu,
        init_name: scheme.into(),
        init: parse_train_scheme(scheme, Activation::Relu).unwrap(),
        bias_init: Init::Zeros,
        lsuv: None,
        norm: Norm::None,
        init_from: None,
        flush_subnormals: true,
        epochs,
        batch: 128,
        lr: 0.2,
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        cosine: true,
        threads,
        seed: 1,
        progress: false,
    }
}

fn run(scheme: &str, epochs: usize, threads: usize) -> TrainResult {
    let (t, v) = embedded::split();
    train(&cfg(scheme, epochs, threads), &t, &v, None).unwrap()
}

#[test]
fn the_seeds_claims_hold_on_real_digits() {
    let zeros = run("zeros", 2, 2);
    let tiny = run("normal:0.01", 2, 2);
    let huge = run("normal:1.0", 2, 2);
    let xavier = run("xavier-normal", 2, 2);
    let he = run("he-normal", 2, 2);
    // Zeros never break symmetry: chance accuracy, and the loss stays at ln 10.
    let z = zeros.epochs.last().unwrap();
    assert!(z.val_accuracy < 0.2, "zeros: {z:?}");
    assert!((z.train_loss - 10f64.ln()).abs() < 0.01, "zeros: {z:?}");
    assert!(zeros.activation_std_at_init.iter().all(|&s| s == 0.0));
    // Tiny weights stall at first: the first epoch's loss is far above He's; activations vanish with depth.
    assert!(tiny.epochs[0].train_loss > 2.0 * he.epochs[0].train_loss, "{:?} vs {:?}", tiny.epochs[0], he.epochs[0]);
    let s = &tiny.activation_std_at_init;
    assert!(s[0] > 10.0 * s[1] && s[1] > 5.0 * s[2], "tiny: {s:?}");
    // Unit-normal weights explode: activations grow by orders of magnitude, training diverges.
    let s = &huge.activation_std_at_init;
    assert!(s[2] > 50.0 * s[0], "huge: {s:?}");
    assert!(huge.diverged, "normal(0, 1) should diverge: {:?}", huge.epochs);
    // Xavier and He train.
    for r in [&xavier, &he] {
        let last = r.epochs.last().unwrap();
        assert!(!r.diverged && last.val_accuracy > 0.9, "{}: {last:?}", r.init);
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let a = run("he-normal", 1, 1);
    let b = run("he-normal", 1, 2);
    let c = run("he-normal", 1, 3);
    let d = run("he-normal", 1, 7);
    let bits = |r: &TrainResult| r.model.as_ref().unwrap().params.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(bits(&a), bits(&c));
    assert_eq!(bits(&a), bits(&d));
    assert_eq!(a.epochs, b.epochs);
}

#[test]
fn he_reaches_95_percent_on_the_official_test_set() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mnist-t10k");
    if !dir.is_dir() {
        skip(&format!("the official MNIST test set ({}) is absent", dir.display()));
        return;
    }
    let test = load_dir(&dir, &["t10k"]).unwrap();
    let (t, v) = embedded::split();
    let r = train(&cfg("he-normal", 10, 2), &t, &v, Some(&test)).unwrap();
    let acc = r.test_accuracy.unwrap();
    eprintln!("he-normal, 10 epochs on 9000 embedded digits: test accuracy {:.2}%", 100.0 * acc);
    assert!(acc >= 0.95, "test accuracy {acc}");
}

#[test]
fn train_step_checks_its_input_and_updates_like_sgd() {
    use weightinit_core::kernels::sgd_momentum;
    use weightinit_train::model::{Mlp, Step, StepWork};
    let (mut mlp, _) = Mlp::new(&[4, 3, 2], Activation::Relu, Init::HE_NORMAL, Init::Zeros, 7).unwrap();
    let images = [0.1f32, 0.9, 0.3, 0.5, 0.7, 0.2, 0.8, 0.4];
    let labels = [0u8, 1];
    let np = mlp.params.len();
    let (mut grad, mut v, mut none) = (vec![0.0f32; np], vec![0.0f32; np], Vec::new());
    let mut work = StepWork::default();
    let sgd = |w: &mut [f32], g: &[f32], s1: &mut [f32], _: &mut [f32]| sgd_momentum(w, g, s1, 0.5, 0.9).unwrap();
    let mut step = |mlp: &mut Mlp, images: &[f32], labels: &[u8], idx: &[usize], grad: &mut [f32], v: &mut [f32]| {
        mlp.train_step(images, labels, idx, &mut work, grad, [v, &mut none[..]], 100.0, &sgd)
    };
    // Refusals, each with a message, and nothing updated.
    let before = mlp.params.clone();
    assert!(step(&mut mlp, &images, &labels, &[], &mut grad, &mut v).unwrap_err().contains("empty batch"));
    assert!(step(&mut mlp, &images, &labels, &[0, 2], &mut grad, &mut v).unwrap_err().contains("index 2"));
    assert!(step(&mut mlp, &images, &[0, 2], &[1], &mut grad, &mut v).unwrap_err().contains("label 2"));
    assert!(step(&mut mlp, &images[..7], &labels, &[0], &mut grad, &mut v).unwrap_err().contains("rows of 4"));
    assert!(step(&mut mlp, &images, &labels, &[0], &mut grad[..np - 1], &mut v).unwrap_err().contains("hold"));
    assert!(step(&mut mlp, &images, &labels, &[0], &mut grad, &mut v[..3]).unwrap_err().contains("hold"));
    assert_eq!(mlp.params, before);
    // A good step: the gradient it reports, applied by the update, gives the new parameters.
    let r = step(&mut mlp, &images, &labels, &[1, 0], &mut grad, &mut v).unwrap();
    let Step::Done { loss } = r else { panic!("diverged: {r:?}") };
    assert!(loss.is_finite() && loss > 0.0);
    let mut want = before.clone();
    let mut v0 = vec![0.0f32; np];
    sgd_momentum(&mut want, &grad, &mut v0, 0.5, 0.9).unwrap();
    assert_eq!(mlp.params, want);
    assert!(grad.iter().any(|&g| g != 0.0));
}

/// Mean cross-entropy of `rows` examples from [`Mlp::forward`] (the plain path, one gemm per layer), in f64.
fn reference_loss(mlp: &weightinit_train::model::Mlp, images: &[f32], labels: &[u8], idx: &[usize]) -> f64 {
    let f = mlp.widths[0];
    let x: Vec<f32> = idx.iter().flat_map(|&i| images[i * f..(i + 1) * f].iter().copied()).collect();
    let mut acts = vec![Vec::new(); mlp.layers()];
    mlp.forward(&x, idx.len(), &mut acts);
    let classes = *mlp.widths.last().unwrap();
    let logits = acts.last().unwrap();
    let mut sum = 0.0;
    for (r, &i) in idx.iter().enumerate() {
        let z: Vec<f64> = logits[r * classes..(r + 1) * classes].iter().map(|&v| v as f64).collect();
        let m = z.iter().cloned().fold(f64::MIN, f64::max);
        let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        sum += lse - z[labels[i] as usize];
    }
    sum / idx.len() as f64
}

/// The training step computes the first layer as `X_0 W1_0 + X_1 W1_1` over two halves of the features:
/// its loss equals the plain forward pass's, and its gradient (every weight of both halves, the biases)
/// matches central finite differences of that loss; for inputs split in two (40 = 24 + 16 features) and
/// not split (10 features), for ReLU (loss only: finite differences cross its kink) and tanh.
#[test]
fn train_step_first_layer_halves_give_the_plain_loss_and_its_gradient() {
    use weightinit_train::model::{Mlp, Step, StepWork, first_layer_halves};
    assert_eq!(first_layer_halves(784), [(0, 392), (392, 392)]);
    assert_eq!(first_layer_halves(40), [(0, 24), (24, 16)]);
    assert_eq!(first_layer_halves(10), [(0, 10), (10, 0)]);
    for (f, act) in [(40, Activation::Tanh), (10, Activation::Tanh), (40, Activation::Relu), (10, Activation::Relu)] {
        let widths = [f, 12, 5];
        let (mut mlp, _) = Mlp::new(&widths, act, Init::XAVIER_NORMAL, Init::Constant { value: 0.1 }, 3).unwrap();
        let rows = 9;
        let mut images = vec![0.0f32; rows * f];
        weightinit_core::Stream::new(4, 5).fill_uniform(0, &mut images, -1.0, 1.0).unwrap();
        let labels: Vec<u8> = (0..rows).map(|i| (i * 3 % 5) as u8).collect();
        let idx: Vec<usize> = (0..rows).rev().collect();
        let np = mlp.params.len();
        let mut grad = vec![0.0f32; np];
        let mut work = StepWork::default();
        let keep = |_: &mut [f32], _: &[f32], _: &mut [f32], _: &mut [f32]| {};
        let before = mlp.params.clone();
        let r = mlp.train_step(&images, &labels, &idx, &mut work, &mut grad, [&mut [], &mut []], 1e9, &keep).unwrap();
        let Step::Done { loss } = r else { panic!("diverged: {r:?}") };
        assert_eq!(mlp.params, before, "the update closure did nothing");
        let plain = reference_loss(&mlp, &images, &labels, &idx);
        assert!((loss - plain).abs() <= 1e-5 * plain.max(1.0), "f {f} {act:?}: step loss {loss}, plain {plain}");
        if act == Activation::Relu {
            continue;
        }
        // Every weight of W1 (both halves) in a stride, every bias of layer 1, some of layer 2.
        let (w1, b1) = (f * 12, f * 12 + 12);
        let probe: Vec<usize> = (0..w1).step_by(7).chain(w1..b1).chain((b1..np).step_by(5)).collect();
        for &p in &probe {
            let h = 1e-2f32;
            let mut m = mlp.clone();
            m.params[p] = before[p] + h;
            let up = reference_loss(&m, &images, &labels, &idx);
            m.params[p] = before[p] - h;
            let down = reference_loss(&m, &images, &labels, &idx);
            let fd = (up - down) / (2.0 * h as f64);
            let g = grad[p] as f64;
            assert!((g - fd).abs() <= 1e-3 + 0.02 * fd.abs(), "f {f} param {p}: gradient {g}, finite difference {fd}");
        }
    }
}

/// Skips a test whose tool or data is missing, with a message; fails instead where everything is required
/// (`WEIGHTINIT_REQUIRE_ALL=1`, set by `.ci/run`, which installs every tool).
fn skip(why: &str) {
    assert!(std::env::var_os("WEIGHTINIT_REQUIRE_ALL").is_none(), "required under .ci/run, but {why}");
    eprintln!("skipped: {why}");
}
