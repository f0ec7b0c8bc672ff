//! weightinit-train: the std half of weightinit (data, models, training, reports, the CLI).

#![forbid(unsafe_code)]

pub mod summary;
