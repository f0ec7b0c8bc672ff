//! JSON of the init report and of a training result (the CLI's `--json` output).

use crate::train::TrainResult;

/// The init report as JSON.
pub fn explanation_json(e: &weightinit_core::init::Explanation) -> serde_json::Value {
    use weightinit_core::init::Values;
    let values = match e.values {
        Values::Constant { value } => serde_json::json!({"kind": "constant", "value": value}),
        Values::Uniform { low, high } => {
            serde_json::json!({"kind": "uniform", "low": low, "high": high})
        }
        Values::Normal { mean, std } => {
            serde_json::json!({"kind": "normal", "mean": mean, "std": std})
        }
        Values::TruncatedNormal { mean, std, a, b } => {
            serde_json::json!({"kind": "truncated_normal", "mean": mean, "std": std, "a": a, "b": b})
        }
        Values::Orthogonal { gain } => serde_json::json!({"kind": "orthogonal", "gain": gain}),
        Values::Eye { gain } => serde_json::json!({"kind": "eye", "gain": gain}),
        Values::OrthogonalColumns { gain, column_axis } => {
            serde_json::json!({"kind": "orthogonal_columns", "gain": gain, "column_axis": column_axis})
        }
        Values::DeltaOrthogonal { gain, column_axis } => {
            serde_json::json!({"kind": "delta_orthogonal", "gain": gain, "column_axis": column_axis})
        }
        Values::Dirac { groups } => serde_json::json!({"kind": "dirac", "groups": groups}),
        Values::Sparse { std, zeros_per_column } => {
            serde_json::json!({"kind": "sparse", "std": std, "zeros_per_column": zeros_per_column})
        }
    };
    serde_json::json!({
        "scheme": e.scheme,
        "fan_in": e.fans.map(|f| f.fan_in),
        "fan_out": e.fans.map(|f| f.fan_out),
        "mode": e.mode.map(weightinit_core::init::scheme::mode_name),
        "fan": e.fan,
        "gain": e.gain,
        "distribution": values,
        "std": e.std,
        "bound": e.bound,
        "formula": e.formula,
    })
}

/// A training result as JSON, with its init reports.
pub fn result_json(r: &TrainResult) -> serde_json::Value {
    let mut v = serde_json::to_value(r).expect("json");
    v["init_report"] = r.init_reports.iter().map(explanation_json).collect();
    v["gradient_std"] = serde_json::json!(r.gradient_std_at_init);
    v["weight_drift"] = r.epochs.iter().map(|e| serde_json::json!(e.weight_drift)).collect();
    v
}
