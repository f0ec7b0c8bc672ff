//! The 10,000 real MNIST digits shipped in the binary (see `data/README.md`): digits 0..9000 train,
//! 9000..10000 validate.

use std::path::Path;

use super::Dataset;
use super::idx::parse;

const IMAGES: &[u8] = include_bytes!("../../../../data/mnist-subset-images-idx3-ubyte.gz");
const LABELS: &[u8] = include_bytes!("../../../../data/mnist-subset-labels-idx1-ubyte.gz");

/// Number of embedded digits used for training (the rest validate).
pub const TRAIN_LEN: usize = 9000;

/// All 10,000 embedded digits.
pub fn all() -> Dataset {
    let img = parse(IMAGES, Path::new("<embedded images>"), 3).expect("embedded images are valid IDX");
    let lab = parse(LABELS, Path::new("<embedded labels>"), 1).expect("embedded labels are valid IDX");
    Dataset::from_idx(img, lab, Path::new("<embedded images>"), Path::new("<embedded labels>"))
        .expect("embedded data set is consistent")
}

/// (training set, validation set): digits 0..9000 and 9000..10000.
pub fn split() -> (Dataset, Dataset) {
    let d = all();
    (d.slice(0..TRAIN_LEN), d.slice(TRAIN_LEN..d.len()))
}
