//! weightinit-train: the std half of weightinit — MNIST data (IDX files and an embedded subset), an MLP
//! trainer built on weightinit-core's kernels and initializers, reports and plots, and the `weightinit`
//! command.

#![forbid(unsafe_code)]

pub mod cli;
pub mod data;
pub mod experiments;
pub mod io;
pub mod model;
pub mod optim;
pub mod par;
pub mod report;
pub mod spec;
pub mod train;
