//! The `weightinit` command (see `weightinit --help`).

#![forbid(unsafe_code)]

use weightinit_train::cli::{CliError, run};

fn main() {
    use std::io::Write;
    let Err(e) = run(std::env::args_os()) else { return };
    // One line on standard error (ignored if that fails too), then the exit code.
    let mut err = std::io::stderr().lock();
    let _ = match &e {
        CliError::Usage(msg) => writeln!(err, "weightinit: error: {msg}"),
        CliError::Failed(msg) => writeln!(err, "weightinit: {msg}"),
        CliError::BrokenPipe => Ok(()),
    };
    std::process::exit(e.exit_code());
}
