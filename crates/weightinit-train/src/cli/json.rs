//! Writing JSON files (the values come from [`crate::report::json`]).

use std::path::Path;

use super::CliError;
use crate::io::write_atomic;

pub(super) fn write_json(path: &Path, v: &serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(v).expect("json") + "\n";
    write_atomic(path, text.as_bytes()).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))
}
