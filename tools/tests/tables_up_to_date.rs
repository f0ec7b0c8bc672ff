//! The committed ziggurat tables are exactly what the generator produces.

#[test]
fn committed_ziggurat_tables_match_generator() {
    let committed = include_str!("../../crates/weightinit-core/src/sample/ziggurat_tables.rs");
    let fresh = weightinit_tools::render_ziggurat_tables();
    assert!(committed == fresh, "ziggurat_tables.rs is stale: run `cargo run -p weightinit-tools --bin gen-ziggurat`");
}

#[test]
fn committed_ln_table_matches_generator() {
    let committed = include_str!("../../crates/weightinit-core/src/simd/ln_table.rs");
    let fresh = weightinit_tools::render_ln_table();
    assert!(committed == fresh, "ln_table.rs is stale: run `cargo run -p weightinit-tools --bin gen-ln-table`");
}
