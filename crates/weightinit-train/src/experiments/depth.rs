//! The depth experiment: every (depth, scheme) pair trained from the same seed and data, where the
//! initialization schemes' differences become decisive (He et al. 2015, Fig. 3; Glorot & Bengio 2010).

use crate::data::Dataset;
use crate::train::{TrainConfig, TrainResult, train};

/// One run of the depth experiment.
#[derive(Debug, Clone)]
pub struct DepthRun {
    /// Hidden layers.
    pub depth: usize,
    /// The run.
    pub result: TrainResult,
}

/// Trains every configuration of `runs` (each with its number of hidden layers), in order, on the same
/// data. Errors: the first configuration the trainer rejects.
pub fn depth(
    runs: &[(usize, TrainConfig)],
    train_set: &Dataset,
    val: &Dataset,
    test: Option<&Dataset>,
) -> Result<Vec<DepthRun>, String> {
    runs.iter().map(|(d, cfg)| Ok(DepthRun { depth: *d, result: train(cfg, train_set, val, test)? })).collect()
}
