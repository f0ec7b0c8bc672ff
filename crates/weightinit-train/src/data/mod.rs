//! Data sets: MNIST-style IDX files, the embedded MNIST subset, and synthetic MNIST-shaped data.

pub mod embedded;
pub mod idx;
pub mod synthetic;

use std::path::{Path, PathBuf};

use idx::{IdxError, read};

/// Images as `f32` in `[0, 1]` (pixel / 255), row-major `len x features`, with labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Pixels, `len * features` values.
    pub images: Vec<f32>,
    /// Labels, `len` values.
    pub labels: Vec<u8>,
    /// Values per image (784 for MNIST).
    pub features: usize,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Builds from parsed image (`[n, rows, cols]`) and label (`[n]`) arrays; `what` names them in errors.
    pub fn from_idx(
        images: idx::IdxArray,
        labels: idx::IdxArray,
        images_path: &Path,
        labels_path: &Path,
    ) -> Result<Dataset, IdxError> {
        let bad = |path: &Path, problem: String| IdxError::Invalid { path: path.to_path_buf(), problem };
        if images.dims.len() != 3 {
            return Err(bad(images_path, format!("images have {} dimensions, expected 3", images.dims.len())));
        }
        let (n, features) = (images.dims[0], images.dims[1] * images.dims[2]);
        if labels.dims != [n] {
            let shape: Vec<String> = labels.dims.iter().map(|d| d.to_string()).collect();
            return Err(bad(
                labels_path,
                format!("labels of shape [{}], the images file holds {n} images", shape.join(", ")),
            ));
        }
        if let Some(&l) = labels.data.iter().find(|&&l| l > 9) {
            return Err(bad(labels_path, format!("label {l} is not a digit class 0..9")));
        }
        if n == 0 {
            return Err(bad(images_path, "no examples".into()));
        }
        let images = images.data.iter().map(|&p| p as f32 / 255.0).collect();
        Ok(Dataset { images, labels: labels.data, features })
    }

    /// Examples `range` as a new data set.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Dataset {
        let f = self.features;
        Dataset {
            images: self.images[range.start * f..range.end * f].to_vec(),
            labels: self.labels[range].to_vec(),
            features: f,
        }
    }
}

/// Finds `<prefix>-images-idx3-ubyte[.gz]` and the matching labels in `dir`, trying each prefix in turn.
pub fn find_pair(dir: &Path, prefixes: &[&str]) -> Option<(PathBuf, PathBuf)> {
    for p in prefixes {
        for ext in ["", ".gz"] {
            let img = dir.join(format!("{p}-images-idx3-ubyte{ext}"));
            let lab = dir.join(format!("{p}-labels-idx1-ubyte{ext}"));
            if img.is_file() && lab.is_file() {
                return Some((img, lab));
            }
        }
    }
    None
}

/// Loads the pair of IDX files `prefix` from `dir` (`train` or `t10k`/`test`).
pub fn load_dir(dir: &Path, prefixes: &[&str]) -> Result<Dataset, String> {
    let (img, lab) = find_pair(dir, prefixes).ok_or_else(|| {
        format!("{}: no {}-images-idx3-ubyte[.gz] with matching labels found", dir.display(), prefixes.join("|"))
    })?;
    let images = read(&img, 3).map_err(|e| e.to_string())?;
    let labels = read(&lab, 1).map_err(|e| e.to_string())?;
    Dataset::from_idx(images, labels, &img, &lab).map_err(|e| e.to_string())
}
