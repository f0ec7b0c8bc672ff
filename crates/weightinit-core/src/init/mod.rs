//! Initializers, fans, layouts and gains.

pub mod explain;
pub mod fan;
pub mod framework;
pub mod gain;
pub mod lsuv;
pub mod orthogonal;
pub mod scheme;
pub mod shard;
pub mod table;

pub use explain::{Explanation, check_fits};
pub use fan::{FanMode, Fans, Layout, fans, numel};
pub use gain::{Nonlinearity, gain};
pub use lsuv::{LsuvLayer, LsuvNet, LsuvOptions, lsuv};
pub use scheme::{FLAX_DENSE, Init, KERAS_DENSE, LayerDefaults, Values, VsDistribution, torch_layer};
pub use shard::shard_len;
pub use table::{SCHEMES, Scheme, SchemeId, SchemeParams, TrainValue, scheme};
