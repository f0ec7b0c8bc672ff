//! The `weightinit` command (see `weightinit --help`).

#![forbid(unsafe_code)]

use weightinit_train::cli::{CliError, run};

fn main() {
    use std::io::Write;
    let Err(e) = run(std::env::args_os()) else { return };
    // One line on standard error (ignored if that fails too), then the exit code.
    if !matches!(e, CliError::BrokenPipe) {
        let _ = writeln!(std::io::stderr().lock(), "{}", e.line());
    }
    std::process::exit(e.exit_code());
}
