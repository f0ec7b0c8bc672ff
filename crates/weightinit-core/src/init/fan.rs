//! Fans from a shape and a layout: how many inputs feed each output (`fan_in`) and how many outputs each
//! input feeds (`fan_out`).

use crate::error::{Error, Result};

/// How a weight tensor's axes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// PyTorch `[out, in, *kernel]`, with exactly PyTorch's formula (`torch.nn.init._calculate_fan_in_and_fan_out`):
    /// `fan_in = shape[1] * rf`, `fan_out = shape[0] * rf`, `rf = prod(shape[2..])`; rank >= 2.
    /// This is what `torch.nn.init` computes for every module, including grouped convolutions (where
    /// `shape[1] = in / groups`) and transposed convolutions (whose weight is `[in, out / groups, *k]`, so
    /// this formula's "fan_in" counts the transposed conv's output channels: use
    /// [`Layout::TorchConvTranspose`] for its true fans).
    Torch,
    /// A PyTorch convolution weight `[out, in / groups, *kernel]` with the true fans of a grouped
    /// convolution: `fan_in = shape[1] * rf` (as PyTorch), `fan_out = shape[0] / groups * rf` (each input
    /// feeds only its group's outputs; PyTorch ignores groups here). `groups` must divide `shape[0]`.
    TorchConv {
        /// Number of groups (>= 1).
        groups: usize,
    },
    /// A PyTorch transposed-convolution weight `[in, out / groups, *kernel]` with its true fans:
    /// `fan_in = shape[0] / groups * rf` (each output sees its group's inputs), `fan_out = shape[1] * rf`.
    /// (PyTorch's own formula, [`Layout::Torch`], swaps these: its fan_in is `shape[1] * rf`.)
    TorchConvTranspose {
        /// Number of groups (>= 1).
        groups: usize,
    },
    /// Keras / TensorFlow `[*kernel, in, out]` with Keras' `compute_fans`: rank 1 gives
    /// `fan_in = fan_out = shape[0]`, rank 2 `[in, out]`, higher ranks `fan_in = shape[-2] * rf`,
    /// `fan_out = shape[-1] * rf`, `rf = prod(shape[..-2])`. (Keras gives 1, 1 for rank 0; here rank 0 is
    /// an error.)
    Keras,
    /// The NumPy / seed convention for a dense weight `[in, out]` (`x @ W`): exactly rank 2.
    InOut,
    /// Explicit axes as JAX's `variance_scaling(in_axis, out_axis, batch_axis)`: `fan_in = shape[in_axis] * rf`,
    /// `fan_out = shape[out_axis] * rf`, where `rf` is the product of the axes that are neither in, out nor
    /// batch axes. Negative axes count from the end (JAX default: in -2, out -1). `batch_mask` has bit `k`
    /// set when (non-negative) axis `k` is a batch axis. Rank >= 2.
    Axes {
        /// The input axis.
        in_axis: isize,
        /// The output axis.
        out_axis: isize,
        /// Bit `k` set: axis `k` is a batch axis.
        batch_mask: u64,
    },
}

impl Layout {
    /// JAX's default axes (`in_axis=-2, out_axis=-1`, no batch axes).
    pub const JAX: Layout = Layout::Axes { in_axis: -2, out_axis: -1, batch_mask: 0 };
}

/// Which fan a scheme scales by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FanMode {
    /// `fan_in`: preserves the variance of activations in the forward pass.
    #[default]
    FanIn,
    /// `fan_out`: preserves the variance of gradients in the backward pass.
    FanOut,
    /// `(fan_in + fan_out) / 2` (Glorot & Bengio 2010).
    FanAvg,
    /// `sqrt(fan_in * fan_out)` (geometric mean).
    FanGeoAvg,
}

/// The fans of a weight tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fans {
    /// Inputs feeding each output.
    pub fan_in: usize,
    /// Outputs each input feeds.
    pub fan_out: usize,
}

impl Fans {
    /// The fan a mode selects, as `f64`.
    pub fn get(&self, mode: FanMode) -> f64 {
        let (i, o) = (self.fan_in as f64, self.fan_out as f64);
        match mode {
            FanMode::FanIn => i,
            FanMode::FanOut => o,
            FanMode::FanAvg => (i + o) / 2.0,
            FanMode::FanGeoAvg => libm::sqrt(i * o),
        }
    }
}

/// Number of elements of `shape`. Errors: a zero dimension, or a product overflowing `usize`.
/// A rank-0 shape has one element.
pub fn numel(shape: &[usize]) -> Result<usize> {
    let mut n: usize = 1;
    for (axis, &d) in shape.iter().enumerate() {
        if d == 0 {
            return Err(Error::ZeroDimension { axis });
        }
        n = n.checked_mul(d).ok_or(Error::SizeOverflow)?;
    }
    Ok(n)
}

fn product(mut dims: impl Iterator<Item = usize>) -> Result<usize> {
    dims.try_fold(1usize, |a, d| a.checked_mul(d)).ok_or(Error::SizeOverflow)
}

fn rank_at_least(shape: &[usize], min: usize) -> Result<()> {
    if shape.len() < min { Err(Error::RankTooSmall { rank: shape.len(), min }) } else { Ok(()) }
}

fn groups_divide(d: usize, groups: usize) -> Result<usize> {
    if groups == 0 {
        return Err(Error::InvalidShape { reason: "groups must be >= 1" });
    }
    if !d.is_multiple_of(groups) {
        return Err(Error::InvalidShape { reason: "groups must divide the channel dimension" });
    }
    Ok(d / groups)
}

fn axis(shape: &[usize], a: isize) -> Result<usize> {
    let r = shape.len() as isize;
    let k = if a < 0 { a + r } else { a };
    if k < 0 || k >= r {
        return Err(Error::InvalidShape { reason: "axis out of range for the shape's rank" });
    }
    Ok(k as usize)
}

/// The fans of a weight of `shape` laid out as `layout`. Errors: a rank the convention does not accept,
/// a zero dimension, a product overflowing `usize`, groups that do not divide, axes out of range.
///
/// ```
/// use weightinit_core::init::{fans, Layout, Fans};
/// // nn.Conv2d(32, 64, 3): weight [64, 32, 3, 3].
/// assert_eq!(fans(&[64, 32, 3, 3], Layout::Torch).unwrap(), Fans { fan_in: 288, fan_out: 576 });
/// // The same conv in Keras: kernel [3, 3, 32, 64].
/// assert_eq!(fans(&[3, 3, 32, 64], Layout::Keras).unwrap(), Fans { fan_in: 288, fan_out: 576 });
/// // The seed's NumPy dense weight [784, 100].
/// assert_eq!(fans(&[784, 100], Layout::InOut).unwrap(), Fans { fan_in: 784, fan_out: 100 });
/// ```
pub fn fans(shape: &[usize], layout: Layout) -> Result<Fans> {
    numel(shape)?;
    match layout {
        Layout::Torch | Layout::TorchConv { .. } | Layout::TorchConvTranspose { .. } => {
            rank_at_least(shape, 2)?;
            let rf = product(shape[2..].iter().copied())?;
            let (a, b) = (shape[0], shape[1]);
            let (fan_in, fan_out) = match layout {
                Layout::Torch => (b.checked_mul(rf), a.checked_mul(rf)),
                Layout::TorchConv { groups } => (b.checked_mul(rf), groups_divide(a, groups)?.checked_mul(rf)),
                _ => {
                    let Layout::TorchConvTranspose { groups } = layout else { unreachable!() };
                    (groups_divide(a, groups)?.checked_mul(rf), b.checked_mul(rf))
                }
            };
            Ok(Fans { fan_in: fan_in.ok_or(Error::SizeOverflow)?, fan_out: fan_out.ok_or(Error::SizeOverflow)? })
        }
        Layout::Keras => {
            rank_at_least(shape, 1)?;
            match shape.len() {
                1 => Ok(Fans { fan_in: shape[0], fan_out: shape[0] }),
                r => {
                    let rf = product(shape[..r - 2].iter().copied())?;
                    Ok(Fans {
                        fan_in: shape[r - 2].checked_mul(rf).ok_or(Error::SizeOverflow)?,
                        fan_out: shape[r - 1].checked_mul(rf).ok_or(Error::SizeOverflow)?,
                    })
                }
            }
        }
        Layout::InOut => {
            if shape.len() != 2 {
                return Err(Error::InvalidShape { reason: "the [in, out] layout needs exactly rank 2" });
            }
            Ok(Fans { fan_in: shape[0], fan_out: shape[1] })
        }
        Layout::Axes { in_axis, out_axis, batch_mask } => {
            rank_at_least(shape, 2)?;
            let (i, o) = (axis(shape, in_axis)?, axis(shape, out_axis)?);
            if i == o {
                return Err(Error::InvalidShape { reason: "in_axis and out_axis must differ" });
            }
            if (batch_mask >> i) & 1 == 1 || (batch_mask >> o) & 1 == 1 {
                return Err(Error::InvalidShape { reason: "a batch axis cannot be the in or out axis" });
            }
            if shape.len() < 64 && batch_mask >> shape.len() != 0 {
                return Err(Error::InvalidShape { reason: "batch axis out of range for the shape's rank" });
            }
            let rf = product(
                shape
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != i && k != o && (k >= 64 || (batch_mask >> k) & 1 == 0))
                    .map(|(_, &d)| d),
            )?;
            Ok(Fans {
                fan_in: shape[i].checked_mul(rf).ok_or(Error::SizeOverflow)?,
                fan_out: shape[o].checked_mul(rf).ok_or(Error::SizeOverflow)?,
            })
        }
    }
}
