//! The `weightinit` command: `train`, `compare`, `depth`, `eval`, `init`, `explain`. One file per command, the shared
//! argument types in `args`, JSON in `json`.
//!
//! Every wrong argument is a one-line error saying what is wrong and what is accepted, with exit code 2.

mod args;
mod compare;
mod depth;
mod eval;
mod explain;
mod init;
mod init_model;
mod json;
mod schemes;
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
    /// Train nets of several depths from each scheme: activation and gradient std per layer at init,
    /// accuracy, weight drift; a table, plots and JSON.
    Depth(depth::DepthArgs),
    /// Evaluate a saved model (ours or a PyTorch nn.Sequential state_dict) on a test set.
    Eval(eval::EvalArgs),
    /// Write an initialized tensor as a NumPy .npy file.
    Init(init::InitArgs),
    /// List every scheme and framework initializer (torch:..., keras:..., jax:..., flax:...) with its source.
    Schemes(schemes::SchemesArgs),
    /// Initialize every tensor of a model spec: this rank's boxes in DIR/rank-R.safetensors, DIR/index.json.
    InitModel(init_model::InitModelArgs),
    /// Print the init report (fans, gain, std or bound, formula) of a scheme for a shape.
    Explain(explain::ExplainArgs),
}

/// A usage error (exit 2), a failure (exit 1), or a closed standard output (exit 141, quietly).
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments: exit code 2.
    Usage(String),
    /// The work failed (I/O, divergence of `train`): exit code 1.
    Failed(String),
    /// Standard output was closed by its reader (`| head`): exit quietly with 141 (128 + SIGPIPE), as a
    /// Unix tool killed by SIGPIPE does.
    BrokenPipe,
}

impl CliError {
    /// The message as the one line `weightinit` prints to standard error (`weightinit: error: ...` for a
    /// usage error), with control characters of echoed arguments escaped (`\n`, `\u{7}`); empty for a
    /// closed pipe.
    pub fn line(&self) -> String {
        let escape = |m: &str| {
            m.chars()
                .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
                .collect::<String>()
        };
        match self {
            CliError::Usage(m) => format!("weightinit: error: {}", escape(m)),
            CliError::Failed(m) => format!("weightinit: {}", escape(m)),
            CliError::BrokenPipe => String::new(),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
            CliError::BrokenPipe => 141,
        }
    }
}

/// Writes `text` to standard output: a closed pipe is [`CliError::BrokenPipe`], any other failure (a full
/// disk) a one-line error; never a panic.
pub(crate) fn say(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => CliError::BrokenPipe,
        _ => CliError::Failed(format!("cannot write to standard output: {e}")),
    })
}

/// Writes an informational line to standard error, ignoring failures (it is not the command's output).
pub(crate) fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Most worker threads a command accepts: four per logical core (results do not depend on the count, and
/// threads beyond the cores only wait for each other).
pub fn max_threads() -> usize {
    4 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Errors (exit 2) when `bytes` of memory for `what` are more than the machine has available now
/// (`MemAvailable` of `/proc/meminfo`; where that cannot be read, only the address space limits it), so
/// a shape too large is a one-line error instead of an allocation abort.
pub(crate) fn check_memory(bytes: u128, what: &str) -> Result<(), CliError> {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        let line = t.lines().find(|l| l.starts_with("MemAvailable:"))?;
        line.split_whitespace().nth(1)?.parse::<u128>().ok().map(|kib| kib * 1024)
    });
    let limit = available.unwrap_or(isize::MAX as u128);
    if bytes > limit {
        let gib = |b: u128| b as f64 / (1u64 << 30) as f64;
        return Err(usage(format!("{what} needs {:.1} GiB of memory, {:.1} GiB is available", gib(bytes), gib(limit))));
    }
    Ok(())
}

/// Checks before any work that `path` can be written: its folder exists and takes a new file (created and
/// removed again). The error names the path and the flag.
pub(crate) fn check_writable(path: &std::path::Path, flag: &str) -> Result<(), CliError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let name = path.file_name().ok_or_else(|| usage(format!("invalid {flag} '{}': no file name", path.display())))?;
    if path.is_dir() {
        return Err(usage(format!("invalid {flag} '{}': is a folder", path.display())));
    }
    let probe = dir.join(format!(".{}.{}.probe", name.to_string_lossy(), std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(CliError::Failed(format!("{flag} {}: cannot write there: {e}", path.display()))),
    }
}

pub(crate) fn usage(s: impl Into<String>) -> CliError {
    CliError::Usage(s.into())
}

pub(crate) fn core_err(e: weightinit_core::Error) -> CliError {
    usage(e.to_string())
}

/// The arguments parsed, or the text of `--help` / `--version`.
enum Parsed {
    Cli(Box<Cli>),
    Info(String),
}

/// Parses `args` (including the program name): a wrong argument, or none, is a one-line usage error.
fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Parsed, CliError> {
    use clap::error::ErrorKind;
    let e = match Cli::try_parse_from(args) {
        Ok(c) => return Ok(Parsed::Cli(Box::new(c))),
        Err(e) => e,
    };
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return Ok(Parsed::Info(e.to_string()));
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // No command: the usage on standard error, exit 2.
        let mut cmd = <Cli as clap::CommandFactory>::command();
        return Err(usage(format!(
            "no command given; {} (see weightinit --help)",
            cmd.render_usage().to_string().trim()
        )));
    }
    // One line: clap's message without its usage and hint lines.
    let text = e.to_string();
    let line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect();
    Err(usage(line.join(" ").trim_start_matches("error: ").to_string()))
}

/// Parses `args` (including the program name) and runs the command.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<(), CliError> {
    let cli = match parse(args)? {
        Parsed::Info(text) => return say(&text),
        Parsed::Cli(cli) => cli,
    };
    match cli.cmd {
        Cmd::Train(a) => train::run(a),
        Cmd::Compare(a) => compare::run(a),
        Cmd::Depth(a) => depth::run(a),
        Cmd::Eval(a) => eval::run(a),
        Cmd::Schemes(a) => schemes::run(a),
        Cmd::InitModel(a) => init_model::run(a),
        Cmd::Init(a) => init::run(a),
        Cmd::Explain(a) => explain::run(a),
    }
}

/// `weightinit train` as one rank of a data-parallel job (the `train` command of `weightinit-mpi`):
/// `args` (program name first) must be `train` and its flags, exactly those of `weightinit train`. Every
/// rank trains with the same bits; rank 0 alone prints and writes files (see
/// [`crate::train::train_ranks`]).
pub fn run_train_ranks(
    args: impl IntoIterator<Item = std::ffi::OsString>,
    comm: &dyn crate::model::ranks::Collective,
) -> Result<(), CliError> {
    let cli = match parse(args)? {
        Parsed::Info(text) => return if comm.rank() == 0 { say(&text) } else { Ok(()) },
        Parsed::Cli(cli) => cli,
    };
    match cli.cmd {
        Cmd::Train(a) => train::run_ranks(a, comm),
        _ => Err(usage("this entry point runs the train command only")),
    }
}

/// What [`check`] produced for arguments it accepted.
#[derive(Debug, Default)]
pub struct Checked {
    /// `init` of at most [`CHECK_MAX_VALUES`] values: the `.npy` file it would write.
    pub npy: Option<Vec<u8>>,
    /// `explain`: the text it would print.
    pub report: Option<String>,
}

/// Largest tensor [`check`] fills (bigger ones are validated only).
pub const CHECK_MAX_VALUES: usize = 1 << 16;

/// Parses and validates `args` exactly as [`run`] does, without reading data, training, or touching the
/// file system (destinations are not probed): the entry point of the CLI fuzz target. `init` of a small
/// tensor is carried out in memory, `explain` renders its report.
pub fn check(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Checked, CliError> {
    let cli = match parse(args)? {
        Parsed::Info(_) => return Ok(Checked::default()),
        Parsed::Cli(cli) => cli,
    };
    match cli.cmd {
        Cmd::Train(a) => train::prepare(&a).map(|_| Checked::default()),
        Cmd::Compare(a) => compare::prepare(&a).map(|_| Checked::default()),
        Cmd::Depth(a) => depth::prepare(&a).map(|_| Checked::default()),
        Cmd::Eval(a) => eval::prepare(&a).map(|_| Checked::default()),
        Cmd::Schemes(_) => Ok(Checked::default()),
        Cmd::InitModel(a) => init_model::prepare(&a).map(|_| Checked::default()),
        Cmd::Init(a) => init::check(&a).map(|npy| Checked { npy, report: None }),
        Cmd::Explain(a) => explain::report(&a).map(|text| Checked { npy: None, report: Some(text) }),
    }
}
