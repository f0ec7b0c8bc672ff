//! Minibatch training, parallel over threads (and over the ranks of a data-parallel job) with results
//! independent of the thread and rank count.
//!
//! Each step runs on the whole batch in two parallel phases ([`Mlp::train_step`]): blocks of the
//! batch's rows go forward, through the loss and back through every layer's input gradient on one thread
//! each; then every weight gradient is split by its rows, each piece summed over the batch's fixed chunks
//! of [`crate::model::GRAD_CHUNK_ROWS`] examples in chunk order. Splits fall at multiples of the
//! microkernel's tile rows and every product uses the blocked gemm, so each element is computed by the
//! same operations in the same order whatever the thread count: the bits are the same for 1 or 64 threads.
//! A job of several ranks ([`train_ranks`]) computes each chunk's gradient on one rank and adds the chunks
//! in the same order ([`crate::model::ranks`]): the same bits again. The update is element-wise.
//!
//! The chunked sum moved every trained result once (2026-12-05; before, each gradient was one product over
//! the whole batch): README's tables and figures were regenerated from the new runs.

use std::time::Instant;

use serde::Serialize;
use weightinit_core::Stream;
use weightinit_core::init::{Explanation, Init, LsuvOptions};

use crate::data::Dataset;
use crate::model::lsuv::LsuvStat;
use crate::model::ranks::{Collective, RankWork, SingleProcess, bytes_per_step};
use crate::model::{Activation, Mlp, Norm, Step, StepWork, Trace};
pub use crate::optim::Optimizer;

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Layer widths.
    pub layers: Vec<usize>,
    /// Hidden activation.
    pub act: Activation,
    /// Weight initializer (name for reports, scheme).
    pub init_name: String,
    /// Weight initializer.
    pub init: Init,
    /// Bias initializer.
    pub bias_init: Init,
    /// After `init`, rescale every layer by LSUV on the first `batch` training examples.
    pub lsuv: Option<LsuvOptions>,
    /// Normalization after each hidden linear layer.
    pub norm: Norm,
    /// Start from this model (its widths, normalization and activation those of the run) instead of `init`.
    pub init_from: Option<Box<Mlp>>,
    /// Flush subnormal floats to zero in every worker thread ([`weightinit_core::simd::set_flush_subnormals`]).
    pub flush_subnormals: bool,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f32,
    /// Optimizer.
    pub optimizer: Optimizer,
    /// Cosine learning-rate decay from `lr` to 0 over the run (else constant).
    pub cosine: bool,
    /// Worker threads (>= 1).
    pub threads: usize,
    /// Seed of every stream (init, shuffling).
    pub seed: u64,
    /// Show a progress bar.
    pub progress: bool,
}

/// One epoch's figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpochStat {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Validation accuracy after the epoch.
    pub val_accuracy: f64,
    /// Each layer's weight drift from initialization after the epoch, `||W_t - W_0||_F / ||W_0||_F`.
    pub weight_drift: Vec<f64>,
}

/// Where a run diverged.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Divergence {
    /// 1-based epoch.
    pub epoch: usize,
    /// 0-based batch within the epoch.
    pub step: usize,
    /// The loss seen.
    pub loss: f64,
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct TrainResult {
    /// Initializer name.
    pub init: String,
    /// Per-epoch figures.
    pub epochs: Vec<EpochStat>,
    /// Test accuracy, when a test set was given and the run did not diverge.
    pub test_accuracy: Option<f64>,
    /// Training throughput (examples per second of training steps, excluding evaluation).
    pub samples_per_second: f64,
    /// Whether the loss became NaN, infinite or exploded.
    pub diverged: bool,
    /// Where.
    pub divergence: Option<Divergence>,
    /// Std of each layer's output (hidden activations, then logits) at initialization, on up to 1000
    /// training examples.
    pub activation_std_at_init: Vec<f64>,
    /// Std of each layer's weight gradient at initialization, on the first (up to) `batch` training
    /// examples (the loss's gradient as in training; nothing updated).
    pub gradient_std_at_init: Vec<f64>,
    /// What LSUV did to each layer (with `--init lsuv`).
    pub lsuv: Option<Vec<LsuvStat>>,
    /// Validation accuracy before training.
    pub val_accuracy_at_init: f64,
    /// Batches per epoch.
    pub steps_per_epoch: usize,
    /// Ranks of the data-parallel job that trained it (1: one process).
    pub ranks: usize,
    /// Payload bytes all ranks together sent each other per training step, averaged over an epoch's steps
    /// ([`crate::model::ranks::bytes_per_step`]; 0 for one rank).
    pub bytes_communicated_per_step: f64,
    /// Loss of every training batch in order (the last one is the diverging batch of a diverged run).
    pub batch_losses: Vec<f64>,
    /// The init report of each weight.
    #[serde(skip)]
    pub init_reports: Vec<Explanation>,
    /// The trained model (`None` when the run diverged).
    #[serde(skip)]
    pub model: Option<Mlp>,
}

/// A batch loss above this (or NaN / infinite) is divergence: 43 times the chance level ln 10 = 2.3. Such
/// a loss means saturated logits; measured here, He/Xavier runs never exceed 3 and normal(0, 1) starts in
/// the hundreds.
pub const DIVERGENCE_LOSS: f64 = 100.0;

/// Accuracy of `model` on `data`, computed in chunks.
pub fn accuracy(model: &Mlp, data: &Dataset) -> f64 {
    let mut acts = vec![Vec::new(); model.layers()];
    let mut correct = 0usize;
    let chunk = 1000;
    for start in (0..data.len()).step_by(chunk) {
        let rows = chunk.min(data.len() - start);
        let x = &data.images[start * data.features..(start + rows) * data.features];
        let pred = model.predict(x, rows, &mut acts);
        correct += pred.iter().zip(&data.labels[start..start + rows]).filter(|(p, l)| p == l).count();
    }
    correct as f64 / data.len() as f64
}

/// Mean softmax cross-entropy loss and accuracy of `model` on `data` (evaluation mode), on a pool of
/// `threads` threads flushing subnormals as training does (the same bits as the accuracy `train` reports).
pub fn evaluate(model: &Mlp, data: &Dataset, threads: usize) -> Result<(f64, f64), String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| weightinit_core::simd::set_flush_subnormals(true))
        .build()
        .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
    pool.install(|| {
        let classes = *model.widths.last().expect("widths");
        let mut acts = vec![Vec::new(); model.layers()];
        let mut loss = 0.0f64;
        for start in (0..data.len()).step_by(1000) {
            let rows = 1000.min(data.len() - start);
            model.forward(&data.images[start * data.features..(start + rows) * data.features], rows, &mut acts);
            for (z, &l) in acts[model.layers() - 1].chunks_exact(classes).zip(&data.labels[start..start + rows]) {
                let m = z.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
                let lse = m + z.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln();
                loss += lse - z[l as usize] as f64;
            }
        }
        Ok((loss / data.len() as f64, accuracy(model, data)))
    })
}

/// Std of each layer's output at `model`'s current parameters on the first (up to) 1000 examples (as in
/// training: batch norm with the batch's statistics).
pub fn activation_stds(model: &Mlp, data: &Dataset) -> Vec<f64> {
    let rows = data.len().min(1000);
    let mut acts = vec![Vec::new(); model.layers()];
    model.forward_training(&data.images[..rows * data.features], rows, &mut acts);
    acts.iter()
        .map(|a| {
            let m = weightinit_core::stats::moments(a.iter().map(|&v| v as f64));
            m.var.max(0.0).sqrt()
        })
        .collect()
}

/// Std of each layer's weight gradient at `model`'s current parameters on the first (up to) `batch`
/// examples.
pub fn gradient_stds(model: &Mlp, data: &Dataset, batch: usize) -> Result<Vec<f64>, String> {
    let idx: Vec<usize> = (0..data.len().min(batch)).collect();
    let mut grad = vec![0.0f32; model.params.len()];
    model.gradient(&data.images, &data.labels, &idx, &mut Trace::default(), &mut grad)?;
    Ok((0..model.layers())
        .map(|l| {
            let (wo, bo) = weight_range(model, l);
            weightinit_core::stats::moments(grad[wo..bo].iter().map(|&v| v as f64)).var.max(0.0).sqrt()
        })
        .collect())
}

fn weight_range(model: &Mlp, l: usize) -> (usize, usize) {
    let offset: usize = model.widths.windows(2).take(l).map(|w| w[0] * w[1] + w[1]).sum();
    (offset, offset + model.widths[l] * model.widths[l + 1])
}

/// Each layer's `||W - W0||_F / ||W0||_F` (infinite for a zero `W0` that moved, 0 if it did not).
pub fn weight_drift(model: &Mlp, initial: &[f32]) -> Vec<f64> {
    (0..model.layers())
        .map(|l| {
            let (wo, bo) = weight_range(model, l);
            let (mut d, mut n) = (0.0f64, 0.0f64);
            for (&w, &w0) in model.params[wo..bo].iter().zip(&initial[wo..bo]) {
                d += (w as f64 - w0 as f64).powi(2);
                n += (w0 as f64).powi(2);
            }
            if d == 0.0 { 0.0 } else { (d / n).sqrt() }
        })
        .collect()
}

/// A permutation of `0..n` for `epoch` (Fisher-Yates with uniforms from the stream `(seed, 2^32 + epoch)`).
fn permutation(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    let mut u = vec![0.0f64; n];
    Stream::new(seed, (1u64 << 32) + epoch as u64).fill_uniform(0, &mut u, 0.0, 1.0).expect("valid range");
    for i in (1..n).rev() {
        let j = ((i + 1) as f64 * u[i]) as usize;
        p.swap(i, j.min(i));
    }
    p
}

/// Trains from scratch. `test` is evaluated once at the end. Errors: bad configuration (message).
pub fn train(cfg: &TrainConfig, train: &Dataset, val: &Dataset, test: Option<&Dataset>) -> Result<TrainResult, String> {
    train_ranks(cfg, train, val, test, &SingleProcess)
}

/// [`train`] as one rank of a data-parallel job of `comm.size()` ranks: every rank calls it with the same
/// configuration and data; each step's gradient is computed chunk by chunk across the ranks
/// ([`Mlp::train_step_ranks`]), and every rank ends with the result and model of [`train`], bit for bit.
/// Evaluation (accuracies, statistics at initialization) runs whole on every rank.
pub fn train_ranks(
    cfg: &TrainConfig,
    train: &Dataset,
    val: &Dataset,
    test: Option<&Dataset>,
    comm: &dyn Collective,
) -> Result<TrainResult, String> {
    if cfg.layers.first() != Some(&train.features) {
        return Err(format!(
            "--layers starts with {} but the data has {} features per example",
            cfg.layers.first().map_or("nothing".to_string(), |w| w.to_string()),
            train.features
        ));
    }
    if cfg.batch == 0 || cfg.threads == 0 {
        return Err("batch size and thread count must be >= 1".into());
    }
    let (model, reports) = match &cfg.init_from {
        Some(m) if m.widths != cfg.layers || m.norm != cfg.norm || m.act != cfg.act => {
            return Err("the starting model's layers, normalization or activation differ from the run's".into());
        }
        Some(m) => ((**m).clone(), Vec::new()),
        None => {
            let (m, r) = Mlp::new(&cfg.layers, cfg.act, cfg.init, cfg.bias_init, cfg.seed)?;
            (m.with_norm(cfg.norm), r)
        }
    };
    let flush = cfg.flush_subnormals;
    // Every computation of the run happens on the pool's threads, each in the same floating-point mode.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .start_handler(move |_| weightinit_core::simd::set_flush_subnormals(flush))
        .build()
        .map_err(|e| format!("cannot start {} threads: {e}", cfg.threads))?;
    pool.install(|| run(cfg, model, reports, train, val, test, comm))
}

fn run(
    cfg: &TrainConfig,
    mut model: Mlp,
    reports: Vec<Explanation>,
    train: &Dataset,
    val: &Dataset,
    test: Option<&Dataset>,
    comm: &dyn Collective,
) -> Result<TrainResult, String> {
    let lsuv = match cfg.lsuv {
        None => None,
        Some(o) => {
            let idx: Vec<usize> = (0..train.len().min(cfg.batch)).collect();
            Some(model.lsuv(&train.images, &train.labels, &idx, o)?)
        }
    };
    let act_std = activation_stds(&model, train);
    let grad_std = gradient_stds(&model, train, cfg.batch)?;
    let val_at_init = accuracy(&model, val);
    let bar = progress_bar(cfg, train.len().div_ceil(cfg.batch) * cfg.epochs);
    let (epochs, divergence, train_time, trained, batch_losses) =
        run_epochs(cfg, train, val, &mut model, bar.as_ref(), comm)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let diverged = divergence.is_some();
    let test_accuracy = match (test, diverged) {
        (Some(t), false) => Some(accuracy(&model, t)),
        _ => None,
    };
    Ok(TrainResult {
        init: cfg.init_name.clone(),
        epochs,
        test_accuracy,
        samples_per_second: if train_time > 0.0 { trained as f64 / train_time } else { 0.0 },
        diverged,
        divergence,
        activation_std_at_init: act_std,
        gradient_std_at_init: grad_std,
        lsuv,
        val_accuracy_at_init: val_at_init,
        batch_losses,
        steps_per_epoch: train.len().div_ceil(cfg.batch),
        ranks: comm.size(),
        bytes_communicated_per_step: communicated(train.len(), cfg.batch, model.params.len(), comm.size(), cfg.norm),
        init_reports: reports,
        // A diverged run's parameters were left mid-update (pieces whose gradient passed its check were
        // updated): not a model to use.
        model: if diverged { None } else { Some(model) },
    })
}

type EpochsOutcome = (Vec<EpochStat>, Option<Divergence>, f64, usize, Vec<f64>);

fn run_epochs(
    cfg: &TrainConfig,
    train: &Dataset,
    val: &Dataset,
    model: &mut Mlp,
    bar: Option<&indicatif::ProgressBar>,
    comm: &dyn Collective,
) -> Result<EpochsOutcome, String> {
    let np = model.params.len();
    let mut work = StepWork::default();
    let mut rank_work = RankWork::default();
    let mut grad = vec![0.0f32; np];
    let [mut m1, mut m2] = cfg.optimizer.state(np);
    let mut epochs = Vec::new();
    let mut train_time = 0.0f64;
    let mut trained = 0usize;
    let mut adam_t = 0u32; // the optimizer step count (Adam's bias correction)
    let mut batch_losses = Vec::new();
    let steps_per_epoch = train.len().div_ceil(cfg.batch);
    let initial = model.params.clone();
    for epoch in 1..=cfg.epochs {
        let perm = permutation(train.len(), cfg.seed, epoch);
        let mut loss_sum = 0.0;
        for (step, batch_idx) in perm.chunks(cfg.batch).enumerate() {
            let t0 = Instant::now();
            let rows = batch_idx.len();
            // Learning rate of this step: constant, or cosine decay to 0 over all steps of the run.
            let lr = if cfg.cosine {
                let t = ((epoch - 1) * steps_per_epoch + step) as f64 / (cfg.epochs * steps_per_epoch) as f64;
                (cfg.lr as f64 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())) as f32
            } else {
                cfg.lr
            };
            adam_t += 1;
            let update = cfg.optimizer.piece_update(lr, adam_t);
            let state = [&mut m1[..], &mut m2[..]];
            let (images, labels) = (&train.images[..], &train.labels[..]);
            let outcome = if comm.size() > 1 {
                let (w, rw) = (&mut work, &mut rank_work);
                model.train_step_ranks(
                    comm,
                    images,
                    labels,
                    batch_idx,
                    w,
                    rw,
                    &mut grad,
                    state,
                    DIVERGENCE_LOSS,
                    &update,
                )?
            } else {
                model.train_step(images, labels, batch_idx, &mut work, &mut grad, state, DIVERGENCE_LOSS, &update)?
            };
            let batch_loss = match outcome {
                Step::Done { loss } => loss,
                Step::Diverged { loss } => {
                    batch_losses.push(loss);
                    return Ok((epochs, Some(Divergence { epoch, step, loss }), train_time, trained, batch_losses));
                }
            };
            batch_losses.push(batch_loss);
            loss_sum += batch_loss;
            train_time += t0.elapsed().as_secs_f64();
            trained += rows;
            if let Some(b) = bar {
                b.inc(1);
            }
        }
        if model.params.iter().any(|p| !p.is_finite()) {
            return Ok((
                epochs,
                Some(Divergence { epoch, step: steps_per_epoch - 1, loss: f64::NAN }),
                train_time,
                trained,
                batch_losses,
            ));
        }
        let stat = EpochStat {
            epoch,
            train_loss: loss_sum / steps_per_epoch as f64,
            val_accuracy: accuracy(model, val),
            weight_drift: weight_drift(model, &initial),
        };
        if let Some(b) = bar {
            b.set_message(format!("epoch {epoch}: loss {:.4} val {:.2}%", stat.train_loss, 100.0 * stat.val_accuracy));
        }
        epochs.push(stat);
    }
    Ok((epochs, None, train_time, trained, batch_losses))
}

/// Mean of [`bytes_per_step`] over an epoch of `n` examples in batches of `batch`.
fn communicated(n: usize, batch: usize, np: usize, ranks: usize, norm: Norm) -> f64 {
    let steps = n.div_ceil(batch);
    if steps == 0 {
        return 0.0;
    }
    let total: u64 = (0..steps).map(|s| bytes_per_step(batch.min(n - s * batch), np, ranks, norm)).sum();
    total as f64 / steps as f64
}

fn progress_bar(cfg: &TrainConfig, steps: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !cfg.progress || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(steps as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    b.set_prefix(cfg.init_name.clone());
    Some(b)
}
