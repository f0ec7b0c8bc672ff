//! The `weightinit` command (see `weightinit --help`).

#![forbid(unsafe_code)]

use weightinit_train::cli::{CliError, run};

fn main() {
    match run(std::env::args_os()) {
        Ok(()) => {}
        Err(CliError::Usage(msg)) => {
            eprintln!("weightinit: error: {msg}");
            std::process::exit(2);
        }
        Err(CliError::Failed(msg)) => {
            eprintln!("weightinit: {msg}");
            std::process::exit(1);
        }
    }
}
