//! `weightinit explain`: the init report of a scheme for a shape, as text or JSON.

use clap::Args;

use weightinit_core::init::check_fits;

use super::args::{DtypeArg, SchemeArgs};
use super::{CliError, core_err, say};
use crate::report::json::explanation_json;

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    pub(super) scheme: SchemeArgs,
    /// Print JSON.
    #[arg(long)]
    pub(super) json: bool,
    /// Element type the values must fit (as `init --dtype`).
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub(super) dtype: DtypeArg,
}

pub(super) fn run(a: ExplainArgs) -> Result<(), CliError> {
    say(&report(&a)?)
}

/// The text `explain` prints (the report, or its JSON), every argument checked.
pub(super) fn report(a: &ExplainArgs) -> Result<String, CliError> {
    let shape = a.scheme.shape()?;
    let (init, layout) = a.scheme.resolve()?;
    let mut e = init.explain(&shape, layout).map_err(core_err)?;
    if let Some(f) = weightinit_core::init::framework::framework_init(&a.scheme.scheme) {
        // The framework's name; the core scheme it resolves to is in the formula.
        e.scheme = f.name;
    }
    // The same refusal as `init`: values that do not fit the element type.
    match a.dtype {
        DtypeArg::F32 => check_fits::<f32>(&e),
        DtypeArg::F64 => check_fits::<f64>(&e),
    }
    .map_err(core_err)?;
    Ok(if a.json {
        serde_json::to_string_pretty(&explanation_json(&e)).expect("json") + "\n"
    } else {
        format!("shape        {shape:?}\n{e}\n")
    })
}
