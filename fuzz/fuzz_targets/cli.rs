//! The `weightinit` command on arbitrary argument vectors (NUL-separated), through its real parsing and
//! validation of every subcommand (`cli::check`: no data read, no training, no file touched): never a
//! panic; an error prints as one non-empty line; an accepted `init` gives a `.npy` that parses, with the shape's
//! element count and only finite values; an accepted `explain` gives a report (valid JSON with a finite
//! std under `--json`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use weightinit_train::cli::{CliError, check};

/// `(descr, shape, data)` of a `.npy` file (format 1.0 or 2.0), or panics.
fn parse_npy(b: &[u8]) -> (String, Vec<usize>, &[u8]) {
    assert_eq!(&b[..6], b"\x93NUMPY", "magic");
    let (hl, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 => (u32::from_le_bytes(b[8..12].try_into().unwrap()) as usize, 12),
        v => panic!("npy version {v}"),
    };
    assert_eq!((start + hl) % 64, 0, "header padding");
    let h = std::str::from_utf8(&b[start..start + hl]).expect("ASCII header");
    assert!(h.ends_with('\n'));
    let descr = h.split("'descr': '").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let dims = h.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape = dims.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    (descr, shape, &b[start + hl..])
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let args: Vec<std::ffi::OsString> = std::iter::once("weightinit").chain(s.split('\0')).map(Into::into).collect();
    match check(args) {
        Ok(c) => {
            if let Some(npy) = c.npy {
                let (descr, shape, values) = parse_npy(&npy);
                let n: usize = shape.iter().product();
                match descr.as_str() {
                    "<f4" => {
                        assert_eq!(values.len(), 4 * n);
                        assert!(values.chunks_exact(4).all(|v| f32::from_le_bytes(v.try_into().unwrap()).is_finite()));
                    }
                    "<f8" => {
                        assert_eq!(values.len(), 8 * n);
                        assert!(values.chunks_exact(8).all(|v| f64::from_le_bytes(v.try_into().unwrap()).is_finite()));
                    }
                    d => panic!("descr {d}"),
                }
            }
            if let Some(text) = c.report {
                assert!(!text.trim().is_empty());
                if text.starts_with('{') {
                    let v: serde_json::Value = serde_json::from_str(&text).expect("explain --json is JSON");
                    assert!(v["std"].as_f64().is_some_and(f64::is_finite), "std {}", v["std"]);
                }
            }
        }
        Err(CliError::BrokenPipe) => panic!("check writes nothing"),
        Err(e) => {
            // What the user sees: one line, saying something.
            let line = e.line();
            assert!(!line.contains('\n') && !line.contains('\r'), "not one line: {line:?}");
            assert!(line.len() > "weightinit: error: ".len(), "empty message: {e:?}");
        }
    }
});
