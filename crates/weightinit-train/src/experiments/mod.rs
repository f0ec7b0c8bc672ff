//! The experiments of the seed: each a function from options to results (the CLI prints, plots and saves).

mod compare;
mod depth;

pub use compare::compare;
pub use depth::{DepthRun, depth};
