//! The CLI's parsers (shapes and layer specs, scheme specs, activations, nonlinearities) and the init
//! report on arbitrary text: a value or an error message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weightinit_core::init::{Layout, Nonlinearity};
use weightinit_train::cli::{parse_dims, parse_train_scheme};
use weightinit_train::model::Activation;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (a, b) = s.split_once('|').unwrap_or((s, ""));
    let dims = parse_dims(a, "--shape");
    let act = Activation::parse(b);
    let _ = Nonlinearity::parse(b, None);
    if let Ok(init) = parse_train_scheme(b, act.unwrap_or(Activation::Relu)) {
        if let Ok(d) = &dims {
            for layout in [Layout::Torch, Layout::Keras, Layout::InOut, Layout::JAX, Layout::TorchConv { groups: 2 }] {
                if let Ok(e) = init.explain(d, layout) {
                    assert!(e.std.is_finite() || e.std.is_nan());
                    let _ = e.to_string();
                }
            }
        }
    }
});
