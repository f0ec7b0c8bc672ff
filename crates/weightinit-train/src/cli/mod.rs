//! The `weightinit` command: `train`, `compare`, `init`, `explain`. One file per command, the shared
//! argument types in `args`, JSON in `json`.
//!
//! Every wrong argument is a one-line error saying what is wrong and what is accepted, with exit code 2.

mod args;
mod compare;
mod explain;
mod init;
mod json;
mod train;

use clap::{Parser, Subcommand};

pub use args::{parse_dims, parse_train_scheme, scheme_names};

#[derive(Parser, Debug)]
#[command(
    name = "weightinit",
    version,
    about = "Weight initialization that is correct, fast and reproducible; trains MNIST MLPs to compare schemes."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Train one MLP and report loss and accuracy.
    Train(train::TrainArgs),
    /// Train one MLP per scheme from the same seed; print a table and write plots.
    Compare(compare::CompareArgs),
    /// Write an initialized tensor as a NumPy .npy file.
    Init(init::InitArgs),
    /// Print the init report (fans, gain, std or bound, formula) of a scheme for a shape.
    Explain(explain::ExplainArgs),
}

/// A usage error (exit 2) or a failure (exit 1).
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments: exit code 2.
    Usage(String),
    /// The work failed (I/O, divergence of `train`): exit code 1.
    Failed(String),
}

pub(crate) fn usage(s: impl Into<String>) -> CliError {
    CliError::Usage(s.into())
}

pub(crate) fn core_err(e: weightinit_core::Error) -> CliError {
    usage(e.to_string())
}

/// Parses `args` (including the program name) and runs the command.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<(), CliError> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return Ok(());
            }
            // One line: clap's message without its usage and hint lines.
            let text = e.to_string();
            let line: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
                .collect();
            return Err(usage(line.join(" ").trim_start_matches("error: ").to_string()));
        }
    };
    match cli.cmd {
        Cmd::Train(a) => train::run(a),
        Cmd::Compare(a) => compare::run(a),
        Cmd::Init(a) => init::run(a),
        Cmd::Explain(a) => explain::run(a),
    }
}
