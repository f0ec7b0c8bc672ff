//! Gains: the factor that restores unit variance after a nonlinearity, as PyTorch's `calculate_gain`.

use crate::error::{Error, Result};

/// A nonlinearity, for [`gain`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Nonlinearity {
    /// Identity / linear layer: 1.
    Linear,
    /// `conv1d`: 1.
    Conv1d,
    /// `conv2d`: 1.
    Conv2d,
    /// `conv3d`: 1.
    Conv3d,
    /// `conv_transpose1d`: 1.
    ConvTranspose1d,
    /// `conv_transpose2d`: 1.
    ConvTranspose2d,
    /// `conv_transpose3d`: 1.
    ConvTranspose3d,
    /// Logistic sigmoid: 1.
    Sigmoid,
    /// tanh: 5/3.
    Tanh,
    /// ReLU: sqrt(2).
    Relu,
    /// Leaky ReLU with this negative slope `a`: sqrt(2 / (1 + a^2)). PyTorch's default slope is 0.01
    /// ([`Nonlinearity::LEAKY_RELU_DEFAULT`]).
    LeakyRelu(f64),
    /// SELU: 3/4 (PyTorch's choice, for self-normalizing networks initialized with `kaiming_normal_`
    /// and `nonlinearity='linear'` prefer gain 1; 3/4 is what `calculate_gain('selu')` returns).
    Selu,
}

impl Nonlinearity {
    /// Leaky ReLU with PyTorch's default negative slope, 0.01.
    pub const LEAKY_RELU_DEFAULT: Nonlinearity = Nonlinearity::LeakyRelu(0.01);

    /// Every name [`Nonlinearity::parse`] accepts, kebab case (for help and error texts).
    pub const NAMES: &'static str = "linear, conv1d, conv2d, conv3d, conv-transpose1d, conv-transpose2d, conv-transpose3d, sigmoid, tanh, relu, leaky-relu, selu";

    /// Name as PyTorch spells it (`"leaky_relu"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Nonlinearity::Linear => "linear",
            Nonlinearity::Conv1d => "conv1d",
            Nonlinearity::Conv2d => "conv2d",
            Nonlinearity::Conv3d => "conv3d",
            Nonlinearity::ConvTranspose1d => "conv_transpose1d",
            Nonlinearity::ConvTranspose2d => "conv_transpose2d",
            Nonlinearity::ConvTranspose3d => "conv_transpose3d",
            Nonlinearity::Sigmoid => "sigmoid",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::Relu => "relu",
            Nonlinearity::LeakyRelu(_) => "leaky_relu",
            Nonlinearity::Selu => "selu",
        }
    }

    /// Parses a name, PyTorch spelling or kebab case (`leaky_relu`, `leaky-relu`); leaky ReLU takes
    /// `param` as its negative slope (None: 0.01). Returns None for an unknown name.
    pub fn parse(name: &str, param: Option<f64>) -> Option<Nonlinearity> {
        let mut buf = [0u8; 24];
        let bytes = name.as_bytes();
        if bytes.len() > buf.len() {
            return None;
        }
        for (b, &c) in buf.iter_mut().zip(bytes) {
            *b = if c == b'-' { b'_' } else { c.to_ascii_lowercase() };
        }
        let n = core::str::from_utf8(&buf[..bytes.len()]).ok()?;
        Some(match n {
            "linear" | "identity" => Nonlinearity::Linear,
            "conv1d" => Nonlinearity::Conv1d,
            "conv2d" => Nonlinearity::Conv2d,
            "conv3d" => Nonlinearity::Conv3d,
            "conv_transpose1d" => Nonlinearity::ConvTranspose1d,
            "conv_transpose2d" => Nonlinearity::ConvTranspose2d,
            "conv_transpose3d" => Nonlinearity::ConvTranspose3d,
            "sigmoid" => Nonlinearity::Sigmoid,
            "tanh" => Nonlinearity::Tanh,
            "relu" => Nonlinearity::Relu,
            "leaky_relu" => Nonlinearity::LeakyRelu(param.unwrap_or(0.01)),
            "selu" => Nonlinearity::Selu,
            _ => return None,
        })
    }
}

/// The recommended gain for `nonlinearity`, exactly as PyTorch's `torch.nn.init.calculate_gain`.
/// Errors: a leaky ReLU slope that is NaN or infinite.
///
/// ```
/// use weightinit_core::init::{gain, Nonlinearity};
/// assert_eq!(gain(Nonlinearity::Relu).unwrap(), 2f64.sqrt());
/// assert_eq!(gain(Nonlinearity::Tanh).unwrap(), 5.0 / 3.0);
/// assert_eq!(gain(Nonlinearity::LeakyRelu(0.2)).unwrap(), (2.0f64 / 1.04).sqrt());
/// ```
pub fn gain(nonlinearity: Nonlinearity) -> Result<f64> {
    Ok(match nonlinearity {
        Nonlinearity::Linear
        | Nonlinearity::Conv1d
        | Nonlinearity::Conv2d
        | Nonlinearity::Conv3d
        | Nonlinearity::ConvTranspose1d
        | Nonlinearity::ConvTranspose2d
        | Nonlinearity::ConvTranspose3d
        | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => libm::sqrt(2.0),
        Nonlinearity::LeakyRelu(a) => {
            if !a.is_finite() {
                return Err(Error::InvalidParameter { name: "negative_slope", reason: "must be finite" });
            }
            libm::sqrt(2.0 / (1.0 + a * a))
        }
        Nonlinearity::Selu => 3.0 / 4.0,
    })
}
