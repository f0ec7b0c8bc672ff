//! Synthetic MNIST-shaped data (for throughput benchmarks): uniform pixels, labels cycling 0..9.

use weightinit_core::Stream;

use super::Dataset;

/// `n` examples of `features` uniform values in [0, 1) from the stream (seed, 0), labels `i % 10`.
pub fn uniform(n: usize, features: usize, seed: u64) -> Dataset {
    let mut images = vec![0.0f32; n * features];
    Stream::new(seed, 0).fill_uniform(0, &mut images, 0.0, 1.0).expect("valid range");
    Dataset { images, labels: (0..n).map(|i| (i % 10) as u8).collect(), features }
}
