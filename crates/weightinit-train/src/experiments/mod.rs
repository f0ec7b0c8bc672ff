//! The experiments of the seed: each a function from options to results (the CLI prints, plots and saves).

mod compare;

pub use compare::compare;
