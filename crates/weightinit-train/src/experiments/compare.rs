//! The classic comparison: one network per initialization scheme, same seed, same data.

use crate::data::Dataset;
use crate::train::{TrainConfig, TrainResult, train};

/// Trains one network per configuration (typically the same options with different schemes), in order,
/// on the same data. Errors: the first configuration the trainer rejects.
pub fn compare(
    cfgs: &[TrainConfig],
    train_set: &Dataset,
    val: &Dataset,
    test: Option<&Dataset>,
) -> Result<Vec<TrainResult>, String> {
    cfgs.iter().map(|cfg| train(cfg, train_set, val, test)).collect()
}
