//! The committed header is exactly what the pinned cbindgen generates from the source.

use std::path::Path;

#[test]
fn committed_header_matches_cbindgen() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new().with_crate(dir).with_config(config).generate().expect("cbindgen runs");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).expect("utf-8 header");
    let path = dir.join("include/weightinit.h");
    if std::env::var_os("WEIGHTINIT_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write header");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/weightinit.h is stale: run WEIGHTINIT_BLESS=1 cargo test -p weightinit-ffi --test header"
    );
}
