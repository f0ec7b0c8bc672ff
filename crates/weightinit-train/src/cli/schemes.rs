//! `weightinit schemes`: every scheme of the core's table and every framework initializer, with the
//! function each one follows and its parameters.

use clap::Args;

use super::{CliError, say};

#[derive(Args, Debug)]
pub(super) struct SchemesArgs {
    /// Print JSON (an array of objects) instead of the table.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(a: SchemesArgs) -> Result<(), CliError> {
    use weightinit_core::init::SCHEMES;
    use weightinit_core::init::framework::FRAMEWORK_INITS;
    if a.json {
        let mut v: Vec<serde_json::Value> = SCHEMES
            .iter()
            .map(
                |s| serde_json::json!({"name": s.name, "kind": "scheme", "parameters": s.params, "summary": s.summary}),
            )
            .collect();
        v.extend(FRAMEWORK_INITS.iter().map(|f| {
            serde_json::json!({"name": f.name, "kind": "framework", "also": f.also, "source": f.source,
                "arguments": f.accepts})
        }));
        return say(&(serde_json::to_string_pretty(&v).expect("json") + "\n"));
    }
    let mut s = String::from("weightinit's schemes (--scheme NAME, flags as parameters, --layout for fans):\n");
    for r in SCHEMES {
        s.push_str(&format!(
            "  {:<20} {}{}\n",
            r.name,
            r.summary,
            if r.params.is_empty() { String::new() } else { format!("; {}", r.params) }
        ));
    }
    s.push_str(
        "\nFramework initializers (--scheme NAME, arguments by the framework's names as flags, its own layout):\n",
    );
    for f in FRAMEWORK_INITS {
        let also = if f.also.is_empty() { String::new() } else { format!(" (also {})", f.also.join(", ")) };
        s.push_str(&format!("  {:<24} {}{also}\n", f.name, f.source));
    }
    say(&s)
}
