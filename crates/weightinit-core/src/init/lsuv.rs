//! Layer-sequential unit-variance initialization (LSUV; Mishkin & Matas 2016, "All you need is a good
//! init", Algorithm 1), as a procedure over a caller's network.
//!
//! Start from orthogonal weights (any [`Init`](crate::init::Init) works); then, layer by layer from the
//! input, measure the variance `v` of the layer's output before its nonlinearity on one batch and scale
//! the layer's weight by `1 / sqrt(v)`, until `|v - 1| < tolerance` or `max_iterations` measurements.
//! Earlier layers are already calibrated when a layer is measured, so each one sees unit-variance inputs.
//!
//! The network is the caller's: it owns the weights and the batch and answers two questions through
//! [`LsuvNet`]. Nothing is allocated, so the procedure runs on firmware and behind the C ABI as well as in
//! the trainer.

use crate::error::{Error, Result};

/// What LSUV needs from a network.
pub trait LsuvNet {
    /// The number of layers to calibrate, in order from the input.
    fn layers(&self) -> usize;
    /// The variance of layer `layer`'s output before its nonlinearity (and before any normalization) on the
    /// calibration batch, with the current weights.
    fn output_variance(&mut self, layer: usize) -> f64;
    /// Multiplies every weight of layer `layer` by `factor` (biases are left alone).
    fn scale_weight(&mut self, layer: usize, factor: f64);
}

/// The procedure's two parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LsuvOptions {
    /// A layer is calibrated when `|variance - 1| < tolerance`; in (0, 1). The paper uses 0.1.
    pub tolerance: f64,
    /// Most variance measurements per layer (the paper: 10); >= 1.
    pub max_iterations: u32,
}

impl Default for LsuvOptions {
    /// The paper's values: tolerance 0.1, at most 10 iterations.
    fn default() -> Self {
        LsuvOptions { tolerance: 0.1, max_iterations: 10 }
    }
}

/// What LSUV did to one layer.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LsuvLayer {
    /// The product of the factors applied to the layer's weight.
    pub scale: f64,
    /// Variance measurements made.
    pub iterations: u32,
    /// The last variance measured.
    pub variance: f64,
    /// Whether `|variance - 1| < tolerance` was reached within `max_iterations`.
    pub converged: bool,
}

/// Runs LSUV on `net`, writing what it did to each layer into `report[..net.layers()]`.
///
/// Errors: `tolerance` not in (0, 1) or `max_iterations` 0 ([`Error::InvalidParameter`]); `report`
/// shorter than the layer count ([`Error::BufferTooSmall`]); a layer whose output variance is zero, NaN or
/// infinite ([`Error::InvalidParameter`] naming `variance`: a dead or exploded layer cannot be rescaled;
/// the layers before it are calibrated, the rest untouched).
///
/// ```
/// use weightinit_core::init::lsuv::{LsuvNet, LsuvOptions, LsuvLayer, lsuv};
/// // Two "layers" whose output variance is (product of scales so far)^2 * base.
/// struct Toy { scales: [f64; 2], base: [f64; 2] }
/// impl LsuvNet for Toy {
///     fn layers(&self) -> usize { 2 }
///     fn output_variance(&mut self, l: usize) -> f64 {
///         let s: f64 = self.scales[..=l].iter().product();
///         s * s * self.base[l]
///     }
///     fn scale_weight(&mut self, l: usize, f: f64) { self.scales[l] *= f; }
/// }
/// let mut net = Toy { scales: [1.0; 2], base: [4.0, 9.0] };
/// let mut report = [LsuvLayer::default(); 2];
/// lsuv(&mut net, LsuvOptions::default(), &mut report).unwrap();
/// assert!((net.output_variance(1) - 1.0).abs() < 0.1);
/// assert!((report[0].scale - 0.5).abs() < 1e-12 && report[0].converged);
/// ```
pub fn lsuv<N: LsuvNet + ?Sized>(net: &mut N, opts: LsuvOptions, report: &mut [LsuvLayer]) -> Result<()> {
    if !(opts.tolerance > 0.0 && opts.tolerance < 1.0) {
        return Err(Error::InvalidParameter { name: "tolerance", reason: "must be in (0, 1)" });
    }
    if opts.max_iterations == 0 {
        return Err(Error::InvalidParameter { name: "max_iterations", reason: "must be >= 1" });
    }
    let layers = net.layers();
    if report.len() < layers {
        return Err(Error::BufferTooSmall { needed: layers, actual: report.len() });
    }
    for (l, r) in report[..layers].iter_mut().enumerate() {
        *r = LsuvLayer { scale: 1.0, iterations: 0, variance: f64::NAN, converged: false };
        loop {
            let v = net.output_variance(l);
            r.iterations += 1;
            r.variance = v;
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::InvalidParameter {
                    name: "variance",
                    reason: "a layer's output variance is zero, NaN or infinite: it cannot be rescaled to 1",
                });
            }
            if (v - 1.0).abs() < opts.tolerance {
                r.converged = true;
                break;
            }
            if r.iterations >= opts.max_iterations {
                break;
            }
            let f = 1.0 / libm::sqrt(v);
            net.scale_weight(l, f);
            r.scale *= f;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A linear toy whose variance responds to scaling like a ReLU layer with a small nonlinear drift.
    struct Net {
        scale: [f64; 3],
        base: [f64; 3],
        calls: u32,
    }

    impl LsuvNet for Net {
        fn layers(&self) -> usize {
            3
        }
        fn output_variance(&mut self, l: usize) -> f64 {
            self.calls += 1;
            let s: f64 = self.scale[..=l].iter().product();
            // Not exactly quadratic in the scale, so more than one iteration is needed.
            s * s * self.base[l] * (1.0 + 0.3 * (s - 1.0).abs().min(1.0))
        }
        fn scale_weight(&mut self, l: usize, f: f64) {
            self.scale[l] *= f;
        }
    }

    #[test]
    fn calibrates_every_layer_within_the_tolerance() {
        let mut n = Net { scale: [1.0; 3], base: [5.0, 0.2, 30.0], calls: 0 };
        let mut rep = [LsuvLayer::default(); 3];
        let o = LsuvOptions { tolerance: 0.01, max_iterations: 10 };
        lsuv(&mut n, o, &mut rep).unwrap();
        for (l, r) in rep.iter().enumerate() {
            assert!(r.converged, "layer {l}: {r:?}");
            assert!((n.output_variance(l) - 1.0).abs() < 0.01, "layer {l}");
            assert!((r.scale - n.scale[l]).abs() < 1e-12);
        }
        assert!(rep.iter().any(|r| r.iterations > 2), "the drift needs iterations: {rep:?}");
    }

    #[test]
    fn stops_at_max_iterations_and_refuses_bad_input() {
        let mut n = Net { scale: [1.0; 3], base: [5.0, 0.2, 30.0], calls: 0 };
        let mut rep = [LsuvLayer::default(); 3];
        lsuv(&mut n, LsuvOptions { tolerance: 1e-9, max_iterations: 2 }, &mut rep).unwrap();
        assert!(rep.iter().all(|r| r.iterations == 2 && !r.converged));
        assert_eq!(n.calls, 6);
        for (tol, it) in [(0.0, 10), (1.0, 10), (f64::NAN, 10), (0.1, 0)] {
            let o = LsuvOptions { tolerance: tol, max_iterations: it };
            assert!(matches!(lsuv(&mut n, o, &mut rep), Err(Error::InvalidParameter { .. })));
        }
        let short = &mut [LsuvLayer::default(); 2];
        assert_eq!(lsuv(&mut n, LsuvOptions::default(), short), Err(Error::BufferTooSmall { needed: 3, actual: 2 }));
        let mut dead = Net { scale: [1.0; 3], base: [1.0, 0.0, 1.0], calls: 0 };
        let e = lsuv(&mut dead, LsuvOptions::default(), &mut rep).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { name: "variance", .. }));
        assert!(rep[0].converged && rep[1].iterations == 1);
    }
}
