//! The layer-by-layer forward and backward pass: every layer over the whole batch, one after the other.
//! It handles what the fused step of `step.rs` cannot (normalization layers, whose batch statistics couple
//! the rows), measures the gradient at initialization, and drives LSUV.
//!
//! Products are [`par_gemm`] (bit-identical for any thread count); statistics and element-wise work run on
//! one thread in a fixed order. So this path, too, gives the same bits for any `--threads`.

use weightinit_core::kernels::{Epilogue, MatRef, col_sums, softmax_cross_entropy_rows};

use super::norm::{self, Mode, Norm, NormParams, NormTrace};
use super::{Activation, Mlp};
use crate::par::par_gemm;

/// The buffers of a layer-by-layer pass, reused from call to call.
#[derive(Debug, Default)]
pub struct Trace {
    /// The batch's inputs, gathered.
    x: Vec<f32>,
    labels: Vec<u8>,
    /// Each layer's output: hidden activations, then the logits.
    pub(super) h: Vec<Vec<f32>>,
    /// Each hidden layer's normalization statistics.
    pub(super) norm: Vec<NormTrace>,
    /// The linear output (before normalization and activation) of the layer a pass stopped at.
    pub(super) z: Vec<f32>,
    /// The gradient flowing down, and its next value.
    g: Vec<f32>,
    dh: Vec<f32>,
    losses: Vec<f64>,
}

impl Mlp {
    /// Gathers rows `idx` of `images` into the trace.
    pub(super) fn gather(&self, images: &[f32], labels: &[u8], idx: &[usize], tr: &mut Trace) {
        let f = self.widths[0];
        tr.x.clear();
        tr.labels.clear();
        for &i in idx {
            tr.x.extend_from_slice(&images[i * f..(i + 1) * f]);
            tr.labels.push(labels[i]);
        }
    }

    /// Forward pass of the gathered batch (or of `x` when given) through layers `0..=last`. For `last`
    /// below the output layer, `tr.z` holds layer `last`'s linear output and the pass stops there.
    pub(super) fn forward_layers(&self, x: Option<&[f32]>, rows: usize, mode: Mode, last: usize, tr: &mut Trace) {
        let layers = self.layers();
        tr.h.resize_with(layers, Vec::new);
        tr.norm.resize_with(layers - 1, NormTrace::default);
        let Trace { x: gathered, h, norm: nt, z, .. } = tr;
        let x = x.unwrap_or(gathered);
        for l in 0..=last.min(layers - 1) {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let (w, b) = self.layer(l);
            let (before, rest) = h.split_at_mut(l);
            let input: &[f32] = if l == 0 { x } else { &before[l - 1] };
            let hidden = l + 1 < layers;
            let stop = l == last && hidden;
            let out = if stop { &mut *z } else { &mut rest[0] };
            out.resize(rows * dout, 0.0);
            let fused = hidden && !stop && self.norm == Norm::None && self.act == Activation::Relu;
            let ep = if fused { Epilogue::BiasRelu(b) } else { Epilogue::Bias(b) };
            let a = MatRef::row_major(input, rows, din, din).expect("input shape");
            let wv = MatRef::row_major(w, din, dout, dout).expect("weight shape");
            par_gemm(a, wv, out, ep);
            if stop {
                return;
            }
            if hidden {
                let ((gamma, beta), (running_mean, running_var)) = (self.norm_params(l), self.running(l));
                let p = NormParams { gamma, beta, running_mean, running_var };
                norm::forward((self.norm, mode), out, rows, dout, p, &mut nt[l]);
                if !fused {
                    self.act.apply(out);
                }
            }
        }
    }

    /// The mean softmax cross-entropy loss of the gathered batch (batch statistics for normalization) and
    /// its gradient with respect to every parameter, into `grad` (the layout of [`Mlp::params`]).
    pub(super) fn loss_and_gradient(&self, tr: &mut Trace, grad: &mut [f32]) -> f64 {
        let rows = tr.labels.len();
        let layers = self.layers();
        self.forward_layers(None, rows, Mode::Train, layers - 1, tr);
        let classes = self.widths[layers];
        tr.g.resize(rows * classes, 0.0);
        tr.losses.resize(rows, 0.0);
        let scale = (1.0 / rows as f64) as f32;
        softmax_cross_entropy_rows(&tr.h[layers - 1], rows, classes, &tr.labels, scale, &mut tr.g, &mut tr.losses)
            .expect("labels checked");
        let sum = tr.losses.iter().fold(0.0f64, |s, &l| s + l);
        let loss = ((sum * (1.0 / rows as f64)) as f32) as f64;
        let offs = super::offsets(&self.widths);
        for l in (0..layers).rev() {
            let (din, dout) = (self.widths[l], self.widths[l + 1]);
            let (wo, bo) = offs[l];
            let input: &[f32] = if l == 0 { &tr.x } else { &tr.h[l - 1] };
            // dW = H^T G, db = column sums of G.
            let a = MatRef::row_major(input, rows, din, din).expect("input shape").t();
            let gm = MatRef::row_major(&tr.g, rows, dout, dout).expect("gradient shape");
            par_gemm(a, gm, &mut grad[wo..bo], Epilogue::None);
            col_sums(&tr.g, rows, dout, &mut grad[bo..bo + dout]).expect("bias shape");
            if l == 0 {
                break;
            }
            // dH = G W^T, through the activation and the normalization below.
            let (w, _) = self.layer(l);
            tr.dh.resize(rows * din, 0.0);
            let wt = MatRef::row_major(w, din, dout, dout).expect("weight shape").t();
            par_gemm(gm, wt, &mut tr.dh, Epilogue::None);
            self.act.backward(&tr.h[l - 1], &mut tr.dh);
            if self.norm != Norm::None {
                let (go, _) = self.norm_offsets()[l - 1];
                let (dg, db) = grad[go..go + 2 * din].split_at_mut(din);
                norm::backward(self.norm, &mut tr.dh, rows, din, self.norm_params(l - 1).0, &tr.norm[l - 1], (dg, db));
            }
            std::mem::swap(&mut tr.g, &mut tr.dh);
        }
        loss
    }
}

impl Mlp {
    /// [`Mlp::train_step`] of a network with normalization layers, its batch checked and gathered into
    /// `tr`: the whole gradient, then (if the loss and every gradient value pass their checks) batch norm's
    /// running estimates and the optimizer's update, on the whole parameter vector.
    pub(super) fn general_step(
        &mut self,
        tr: &mut Trace,
        grad: &mut [f32],
        [s1, s2]: [&mut [f32]; 2],
        max_loss: f64,
        update: &super::PieceUpdate<'_>,
    ) -> super::Step {
        let loss = self.loss_and_gradient(tr, grad);
        if !loss.is_finite() || loss > max_loss || !weightinit_core::kernels::all_within(grad, super::GRAD_LIMIT) {
            return super::Step::Diverged { loss };
        }
        if self.norm == Norm::Batch {
            for l in 0..self.layers() - 1 {
                let (m, v) = self.running_mut(l);
                norm::update_running((m, v), &tr.norm[l], tr.labels.len());
            }
            self.batches_tracked += 1;
        }
        update(&mut self.params, grad, s1, s2);
        super::Step::Done { loss }
    }
}
