//! Statistics of an initialized tensor, as the CLI prints them.

use weightinit_core::stats::{Moments, moments};

/// Summary of a tensor's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub len: usize,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Moments.
    pub moments: Moments,
}

/// Summarizes `values`. Returns `None` for fewer than 2 values.
pub fn summarize(values: &[f32]) -> Option<Summary> {
    if values.len() < 2 {
        return None;
    }
    let it = values.iter().map(|&x| x as f64);
    let min = it.clone().fold(f64::INFINITY, f64::min);
    let max = it.clone().fold(f64::NEG_INFINITY, f64::max);
    Some(Summary { len: values.len(), min, max, moments: moments(it) })
}
