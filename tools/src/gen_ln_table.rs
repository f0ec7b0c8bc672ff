//! Writes `crates/weightinit-core/src/simd/ln_table.rs` (run from the workspace root).

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "crates/weightinit-core/src/simd/ln_table.rs".to_string());
    let text = weightinit_tools::render_ln_table();
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, text).expect("write temporary table file");
    std::fs::rename(&tmp, &path).expect("rename table file into place");
    eprintln!("wrote {path}");
}
