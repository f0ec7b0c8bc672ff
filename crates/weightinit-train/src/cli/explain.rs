//! `weightinit explain`: the init report of a scheme for a shape, as text or JSON.

use clap::Args;

use super::args::SchemeArgs;
use super::{CliError, core_err};
use crate::report::json::explanation_json;

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    pub(super) scheme: SchemeArgs,
    /// Print JSON.
    #[arg(long)]
    pub(super) json: bool,
}

pub(super) fn run(a: ExplainArgs) -> Result<(), CliError> {
    let shape = a.scheme.shape()?;
    let e = a.scheme.init()?.explain(&shape, a.scheme.layout()).map_err(core_err)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&explanation_json(&e)).expect("json"));
    } else {
        println!("shape        {shape:?}");
        println!("{e}");
    }
    Ok(())
}
