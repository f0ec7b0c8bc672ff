//! # weightinit
//!
//! Correct, fast and reproducible neural-network weight initialization. This facade re-exports the
//! `no_std` core ([`weightinit_core`]: streams, samplers, initializers, kernels) and the std trainer
//! ([`train`]).
//!
//! ```
//! use weightinit::Stream;
//! let mut w = vec![0.0f32; 1000];
//! Stream::new(1, 2).fill_uniform(0, &mut w, -0.1, 0.1).unwrap();
//! assert!(w.iter().all(|x| (-0.1..0.1).contains(x)));
//! ```

#![forbid(unsafe_code)]

pub use weightinit_core::*;
pub use weightinit_train as train;

/// The README's code blocks, compiled and run as doc tests so the README stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
