//! Normalization layers, the layer-by-layer gradient, LSUV and the subnormal mode: finite differences,
//! the definitions, the fused step, and thread-count independence.

use weightinit_core::init::{Init, LsuvOptions};
use weightinit_train::data::embedded;
use weightinit_train::model::norm::{self, Mode, NormParams, NormTrace};
use weightinit_train::model::{Activation, Mlp, Norm, Step, StepWork, Trace};
use weightinit_train::train::{Optimizer, TrainConfig, TrainResult, train};

/// A small batch of random inputs and labels.
fn batch(features: usize, rows: usize, classes: u8) -> (Vec<f32>, Vec<u8>, Vec<usize>) {
    let mut x = vec![0.0f32; features * rows];
    weightinit_core::Stream::new(5, 9).fill_normal(0, &mut x, 0.0, 1.0).unwrap();
    let labels = (0..rows).map(|i| (i * 7 % classes as usize) as u8).collect();
    (x, labels, (0..rows).collect())
}

fn mlp(widths: &[usize], act: Activation, norm: Norm) -> Mlp {
    let (m, _) = Mlp::new(widths, act, Init::XAVIER_NORMAL, Init::Constant { value: 0.05 }, 3).unwrap();
    let mut m = m.with_norm(norm);
    // Scales and shifts away from 1 and 0, so their gradients and roles are exercised.
    let n = m.params.len();
    let base = weightinit_train::model::param_count(widths, Norm::None).unwrap();
    for (i, p) in m.params[base..n].iter_mut().enumerate() {
        *p += 0.1 * ((i % 5) as f32 - 2.0);
    }
    m
}

#[test]
fn the_gradient_matches_finite_differences_for_every_norm() {
    let widths = [6, 5, 4, 3];
    let (x, labels, idx) = batch(6, 9, 3);
    for norm in [Norm::None, Norm::Batch, Norm::Layer] {
        for act in [Activation::Tanh, Activation::Relu, Activation::Sigmoid] {
            let m = mlp(&widths, act, norm);
            let mut tr = Trace::default();
            let mut g = vec![0.0f32; m.params.len()];
            m.gradient(&x, &labels, &idx, &mut tr, &mut g).unwrap();
            // ReLU's kink and layer norm's curvature (rows of 4 or 5 features): a smaller step.
            let h = if act == Activation::Relu || norm == Norm::Layer { 1e-3f32 } else { 1e-2 };
            let mut worst = 0.0f64;
            for (p, &gp) in g.iter().enumerate() {
                let mut mp = m.clone();
                let mut scratch = vec![0.0f32; m.params.len()];
                mp.params[p] = m.params[p] + h;
                let up = mp.gradient(&x, &labels, &idx, &mut tr, &mut scratch).unwrap();
                mp.params[p] = m.params[p] - h;
                let down = mp.gradient(&x, &labels, &idx, &mut tr, &mut scratch).unwrap();
                let fd = (up - down) / (2.0 * h as f64);
                let err = (fd - gp as f64).abs() / (1e-2 + (gp as f64).abs());
                worst = worst.max(err);
                assert!(err < 0.05, "{norm:?} {act:?} parameter {p}: finite difference {fd}, gradient {gp}");
            }
            assert!(worst > 0.0, "some rounding must show: the check compares something");
        }
    }
}

#[test]
fn the_layer_by_layer_gradient_equals_the_fused_steps() {
    let widths = [40, 24, 16, 10];
    let (x, labels, idx) = batch(40, 33, 10);
    for act in [Activation::Relu, Activation::Tanh] {
        let mut m = mlp(&widths, act, Norm::None);
        let mut g_general = vec![0.0f32; m.params.len()];
        m.gradient(&x, &labels, &idx, &mut Trace::default(), &mut g_general).unwrap();
        let mut g_fused = vec![0.0f32; m.params.len()];
        let nothing = |_: &mut [f32], _: &[f32], _: &mut [f32], _: &mut [f32]| {};
        let step =
            m.train_step(&x, &labels, &idx, &mut StepWork::default(), &mut g_fused, [&mut [], &mut []], 1e9, &nothing);
        assert!(matches!(step.unwrap(), Step::Done { .. }));
        for (p, (a, b)) in g_general.iter().zip(&g_fused).enumerate() {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{act:?} parameter {p}: {a} vs {b}");
        }
    }
}

#[test]
fn batch_norm_normalizes_each_feature_and_layer_norm_each_row() {
    let (rows, width) = (37, 6);
    let (mut z, _, _) = batch(width, rows, 2);
    z.iter_mut().enumerate().for_each(|(i, v)| *v = *v * (1.0 + (i % width) as f32) + 3.0);
    let gamma = [1.0f32; 6];
    let beta = [0.0f32; 6];
    for nm in [Norm::Batch, Norm::Layer] {
        let mut y = z.clone();
        let mut t = NormTrace::default();
        let p = NormParams { gamma: &gamma, beta: &beta, running_mean: &[], running_var: &[] };
        norm::forward((nm, Mode::Train), &mut y, rows, width, p, &mut t);
        let groups: Vec<Vec<f64>> = match nm {
            Norm::Batch => (0..width).map(|j| (0..rows).map(|i| y[i * width + j] as f64).collect()).collect(),
            _ => y.chunks(width).map(|r| r.iter().map(|&v| v as f64).collect()).collect(),
        };
        for g in groups {
            let m = g.iter().sum::<f64>() / g.len() as f64;
            let v = g.iter().map(|x| (x - m).powi(2)).sum::<f64>() / g.len() as f64;
            assert!(m.abs() < 1e-5, "{nm:?}: mean {m}");
            assert!((v - 1.0).abs() < 1e-3, "{nm:?}: variance {v}");
        }
        if nm == Norm::Batch {
            // Running estimates: (1 - 0.1) * (0, 1) + 0.1 * (batch mean, unbiased batch variance).
            let (mut rm, mut rv) = (vec![0.0f32; width], vec![1.0f32; width]);
            norm::update_running((&mut rm, &mut rv), &t, rows);
            let col: Vec<f64> = (0..rows).map(|i| z[i * width + 2] as f64).collect();
            let m = col.iter().sum::<f64>() / rows as f64;
            let uv = col.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (rows - 1) as f64;
            assert!((rm[2] as f64 - 0.1 * m).abs() < 1e-5, "{} vs {}", rm[2], 0.1 * m);
            assert!((rv[2] as f64 - (0.9 + 0.1 * uv)).abs() < 1e-4, "{} vs {}", rv[2], 0.9 + 0.1 * uv);
            // Evaluation mode with those estimates: (z - rm) / sqrt(rv + eps).
            let mut e = z.clone();
            let p = NormParams { gamma: &gamma, beta: &beta, running_mean: &rm, running_var: &rv };
            norm::forward((nm, Mode::Eval), &mut e, rows, width, p, &mut t);
            let want = (z[2] - rm[2]) as f64 / (rv[2] as f64 + norm::EPS).sqrt();
            assert!((e[2] as f64 - want).abs() < 1e-5);
        }
    }
}

fn cfg(init: &str, norm: Norm, layers: Vec<usize>, threads: usize) -> TrainConfig {
    TrainConfig {
        layers,
        act: Activation::Relu,
        init_name: init.into(),
        init: weightinit_train::cli::parse_train_scheme(init, Activation::Relu).unwrap(),
        bias_init: Init::Zeros,
        lsuv: None,
        norm,
        init_from: None,
        flush_subnormals: true,
        epochs: 1,
        batch: 128,
        lr: 0.05,
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        cosine: true,
        threads,
        seed: 1,
        progress: false,
    }
}

fn run(c: &TrainConfig) -> TrainResult {
    let (t, v) = embedded::split();
    train(c, &t, &v, None).unwrap()
}

#[test]
fn normalized_nets_train_to_the_same_bits_on_any_thread_count() {
    for nm in [Norm::Batch, Norm::Layer] {
        let results: Vec<TrainResult> =
            [1, 2, 3].iter().map(|&th| run(&cfg("he-normal", nm, vec![784, 64, 32, 10], th))).collect();
        let model = |r: &TrainResult| {
            let m = r.model.as_ref().unwrap();
            (m.params.iter().chain(&m.running).map(|x| x.to_bits()).collect::<Vec<_>>(), m.batches_tracked)
        };
        assert_eq!(model(&results[0]), model(&results[1]), "{nm:?}");
        assert_eq!(model(&results[0]), model(&results[2]), "{nm:?}");
        assert_eq!(results[0].epochs, results[1].epochs);
        let last = results[0].epochs.last().unwrap();
        assert!(last.val_accuracy > 0.85, "{nm:?} trains: {last:?}");
        let m = results[0].model.as_ref().unwrap();
        if nm == Norm::Batch {
            assert_eq!(m.batches_tracked, 9000u64.div_ceil(128));
            assert!(m.running.iter().any(|&v| v != 0.0 && v != 1.0), "running estimates moved");
        }
    }
}

#[test]
fn lsuv_gives_every_layer_unit_output_variance() {
    let (t, _) = embedded::split();
    let widths = [784, 100, 100, 100, 10];
    let (m, _) = Mlp::new(&widths, Activation::Relu, Init::Orthogonal { gain: 1.0 }, Init::Zeros, 1).unwrap();
    let mut m = m;
    let idx: Vec<usize> = (0..128).collect();
    let o = LsuvOptions { tolerance: 0.05, max_iterations: 10 };
    let report = m.lsuv(&t.images, &t.labels, &idx, o).unwrap();
    assert_eq!(report.len(), 4);
    assert!(report.iter().all(|r| r.converged && r.iterations <= 10), "{report:?}");
    assert!(report.iter().any(|r| (r.scale - 1.0).abs() > 0.1), "some layer was rescaled: {report:?}");
    // Measured independently: each layer's output before its ReLU, on the same batch.
    let x = &t.images[..128 * 784];
    let mut h: Vec<f32> = x.to_vec();
    let mut din = 784;
    for (l, &dout) in widths[1..].iter().enumerate() {
        let (w, b) = m.layer(l);
        let mut z = vec![0.0f64; 128 * dout];
        for i in 0..128 {
            for k in 0..din {
                let a = h[i * din + k] as f64;
                for j in 0..dout {
                    z[i * dout + j] += a * w[k * dout + j] as f64;
                }
            }
            (0..dout).for_each(|j| z[i * dout + j] += b[j] as f64);
        }
        let var = weightinit_core::stats::moments(z.iter().copied()).var;
        assert!((var - 1.0).abs() < 0.05 + 1e-3, "layer {}: variance {var}", l + 1);
        h = z.iter().map(|&v| v.max(0.0) as f32).collect();
        din = dout;
    }
    let e = m.lsuv(&t.images, &t.labels, &idx[..1], o).unwrap_err();
    assert!(e.contains("at least 2"), "{e}");
}
