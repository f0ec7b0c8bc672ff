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
                let Ok(e) = init.explain(d, layout) else { continue };
                // An accepted report is finite, and so is every value of a fill it accepts.
                assert!(e.std.is_finite() && e.std >= 0.0, "{init:?} {d:?}: std {}", e.std);
                assert!(e.bound.is_none_or(|b| b.is_finite()), "{init:?} {d:?}: bound {:?}", e.bound);
                let _ = e.to_string();
                let n = d.iter().try_fold(1usize, |a, &x| a.checked_mul(x)).unwrap_or(usize::MAX);
                if n <= 4096 && weightinit_core::init::check_fits::<f32>(&e).is_ok() {
                    let mut ws = vec![0.0; init.workspace_len(d).unwrap_or(0)];
                    let mut out = vec![0.0f32; n];
                    if init.fill(&weightinit_core::Stream::new(1, 0), d, layout, &mut out, &mut ws).is_ok() {
                        assert!(out.iter().all(|x| x.is_finite()), "{init:?} {d:?}: a non-finite value");
                    }
                }
            }
        }
    }
});
