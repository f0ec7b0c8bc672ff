//! LSUV for an [`Mlp`]: the core's procedure ([`weightinit_core::init::lsuv()`]) driven by the network's
//! layer-by-layer forward pass on one calibration batch.

use serde::Serialize;
use weightinit_core::init::{LsuvLayer, LsuvNet, LsuvOptions, lsuv};

use super::norm::Mode;
use super::{Mlp, Trace};

/// What LSUV did to one layer, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LsuvStat {
    /// 1-based layer.
    pub layer: usize,
    /// The factor the layer's weight was multiplied by.
    pub scale: f64,
    /// Variance measurements.
    pub iterations: u32,
    /// The last variance measured of the layer's output before its normalization and activation.
    pub variance: f64,
    /// Whether the variance came within the tolerance of 1.
    pub converged: bool,
}

struct Calibration<'a> {
    mlp: &'a mut Mlp,
    rows: usize,
    tr: Trace,
}

impl LsuvNet for Calibration<'_> {
    fn layers(&self) -> usize {
        self.mlp.layers()
    }

    fn output_variance(&mut self, layer: usize) -> f64 {
        self.mlp.forward_layers(None, self.rows, Mode::Train, layer, &mut self.tr);
        let z = if layer + 1 < self.mlp.layers() { &self.tr.z } else { &self.tr.h[layer] };
        weightinit_core::stats::moments(z.iter().map(|&v| v as f64)).var
    }

    fn scale_weight(&mut self, layer: usize, factor: f64) {
        let (wo, bo) = super::offsets(&self.mlp.widths)[layer];
        self.mlp.params[wo..bo].iter_mut().for_each(|w| *w = (*w as f64 * factor) as f32);
    }
}

impl Mlp {
    /// Rescales every layer's weight by LSUV on the examples `idx` of `images` (Mishkin & Matas 2016): each
    /// layer's output before normalization and activation gets variance 1 within `opts.tolerance`.
    /// Errors: a batch of fewer than 2 examples, bad options, or a layer whose output variance is zero or
    /// not finite (the core's message, naming the layer).
    pub fn lsuv(
        &mut self,
        images: &[f32],
        labels: &[u8],
        idx: &[usize],
        opts: LsuvOptions,
    ) -> Result<Vec<LsuvStat>, String> {
        if idx.len() < 2 {
            return Err(format!("lsuv needs a batch of at least 2 examples to measure a variance, got {}", idx.len()));
        }
        self.check_batch(images, labels, idx, self.params.len(), &[&mut [], &mut []])?;
        let mut tr = Trace::default();
        self.gather(images, labels, idx, &mut tr);
        let layers = self.layers();
        let mut report = vec![LsuvLayer::default(); layers];
        let mut net = Calibration { mlp: self, rows: idx.len(), tr };
        let r = lsuv(&mut net, opts, &mut report);
        if let Err(e) = r {
            let l = report.iter().position(|r| !r.converged && r.iterations > 0).map_or(0, |l| l + 1);
            return Err(format!("lsuv: layer {l}: {e}"));
        }
        Ok(report
            .iter()
            .enumerate()
            .map(|(l, r)| LsuvStat {
                layer: l + 1,
                scale: r.scale,
                iterations: r.iterations,
                variance: r.variance,
                converged: r.converged,
            })
            .collect())
    }
}
