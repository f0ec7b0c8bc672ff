//! The optimizers of the trainer: their state and their element-wise update of one piece of the
//! parameters (the core's `sgd_momentum` and `adam` kernels), applied by the thread that computed the
//! piece's gradient.

use weightinit_core::kernels::{adam, sgd_momentum};

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// SGD with momentum (PyTorch convention: `v = mu v + g; w -= lr v`).
    Sgd {
        /// Momentum `mu`.
        momentum: f32,
    },
    /// Adam with PyTorch's default betas (0.9, 0.999) and eps 1e-8.
    Adam,
}

impl Optimizer {
    /// The two state buffers for `np` parameters: SGD's velocity (and an empty second buffer), Adam's first
    /// and second moments.
    pub fn state(self, np: usize) -> [Vec<f32>; 2] {
        match self {
            Optimizer::Sgd { .. } => [vec![0.0; np], Vec::new()],
            Optimizer::Adam => [vec![0.0; np], vec![0.0; np]],
        }
    }

    /// The update of one piece `(params, grad, state_1, state_2)` at learning rate `lr` and step `t >= 1`
    /// (Adam's bias correction; SGD ignores it). The pieces' lengths match by construction.
    pub fn piece_update(self, lr: f32, t: u32) -> impl Fn(&mut [f32], &[f32], &mut [f32], &mut [f32]) + Sync {
        move |w, g, s1, s2| {
            let r = match self {
                Optimizer::Sgd { momentum } => sgd_momentum(w, g, s1, lr, momentum),
                Optimizer::Adam => adam(w, g, s1, s2, t, lr, (0.9, 0.999), 1e-8),
            };
            r.expect("matching pieces");
        }
    }
}
