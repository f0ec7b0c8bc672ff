//! The core's modules depend on each other in one direction only (DESIGN.md, "The house"):
//!
//! ```text
//! float, error, stats, par  <-  simd  <-  stream  <-  sample  <-  init
//!                               simd  <-  kernels  <-  init (orthogonal's Householder product)
//! ```
//!
//! Checked from the source: every `crate::<module>` path outside comments, per file, must name the file's
//! own module or one below it. Run with `cargo test -p weightinit-core --test layers`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The modules each top-level module may use (besides itself).
fn allowed(layer: &str) -> &'static [&'static str] {
    match layer {
        "float" | "error" | "par" => &[],
        "stats" => &["float", "error"],
        "simd" => &["float", "error"],
        "stream" => &["simd", "float", "error"],
        "sample" => &["stream", "simd", "float", "error", "stats", "par"],
        "kernels" => &["simd", "float", "error", "par"],
        "init" => &["sample", "stream", "kernels", "simd", "float", "error", "stats"],
        _ => panic!("unknown top-level module `{layer}`: add it to tests/layers.rs"),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::name` paths in `src`, outside `//` comments (doc comments included).
fn crate_paths(src: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in src.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let name: String = tail.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            found.insert(name);
            rest = tail;
        }
    }
    found
}

#[test]
#[cfg_attr(miri, ignore = "reads the source tree (Miri isolates the file system)")]
fn modules_depend_downward_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut violations = Vec::new();
    let mut checked = 0;
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let layer = rel.iter().next().and_then(|c| c.to_str()).expect("path").trim_end_matches(".rs");
        if layer == "lib" {
            continue; // the crate root re-exports every layer
        }
        let text = std::fs::read_to_string(file).expect("read a source file");
        for name in crate_paths(&text) {
            checked += 1;
            if name != layer && !allowed(layer).contains(&name.as_str()) {
                violations.push(format!("{}: uses crate::{name}", rel.display()));
            }
        }
    }
    assert!(checked > 50, "found only {checked} crate paths: is the scan broken?");
    assert!(violations.is_empty(), "imports against the layer order:\n{}", violations.join("\n"));
}

#[test]
fn the_scan_sees_paths_and_skips_comments() {
    let found =
        crate_paths("use crate::simd::Isa; // crate::init\n/// [`crate::sample`]\nlet x = crate::stream::BLOCK_LEN;");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["simd", "stream"]);
}
