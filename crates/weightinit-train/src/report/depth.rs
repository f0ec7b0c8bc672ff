//! Reports of the depth experiment: its table, plots and JSON.

use std::fmt::Write;

use super::svg::{line_chart_svg, linear_chart_svg, per_layer};
use crate::experiments::DepthRun;
use crate::model::Activation;
use crate::model::Norm;

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
}

/// The table, one row per run: accuracies, loss, the activation std of the last hidden layer over the
/// first's at initialization, the first layer's weight-gradient std at initialization, the final mean weight
/// drift, speed and divergence.
pub fn table(runs: &[DepthRun]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5}  {:<16} {:>8} {:>9} {:>10} {:>12} {:>12} {:>8} {:>10}  diverged",
        "depth", "scheme", "val acc", "test acc", "final loss", "act L/L1", "grad L1", "drift", "samples/s"
    );
    for r in runs {
        let t = &r.result;
        let last = t.epochs.last();
        let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.2}%", 100.0 * v));
        let a = &t.activation_std_at_init;
        let g = &t.gradient_std_at_init;
        // Hidden layers only: the last entry is the logits.
        let ratio = |v: &[f64]| {
            let h = &v[..v.len().saturating_sub(1).max(1)];
            let r = h[h.len() - 1] / h[0];
            if r.is_finite() { format!("{r:.2e}") } else { "-".into() }
        };
        let _ = writeln!(
            s,
            "{:>5}  {:<16} {:>8} {:>9} {:>10} {:>12} {:>12} {:>8} {:>10.0}  {}",
            r.depth,
            t.init,
            pct(last.map(|e| e.val_accuracy)),
            pct(t.test_accuracy),
            last.map_or("-".into(), |e| format!("{:.4}", e.train_loss)),
            ratio(a),
            g.first().map_or("-".into(), |g| format!("{g:.2e}")),
            last.map_or("-".into(), |e| format!("{:.3}", mean(&e.weight_drift))),
            t.samples_per_second,
            if t.diverged { "yes" } else { "no" }
        );
    }
    s
}

/// The plots, as (file name, SVG): activation and gradient std per layer at initialization and validation
/// accuracy per epoch at the deepest depth, final validation accuracy against depth, and the mean weight
/// drift per epoch at the deepest depth.
pub fn plots(runs: &[DepthRun]) -> Vec<(&'static str, String)> {
    let deepest = runs.iter().map(|r| r.depth).max().unwrap_or(0);
    let deep: Vec<&DepthRun> = runs.iter().filter(|r| r.depth == deepest).collect();
    let name =
        |r: &DepthRun| if r.result.diverged { format!("{} (diverged)", r.result.init) } else { r.result.init.clone() };
    let series = |f: &dyn Fn(&DepthRun) -> Vec<(f64, f64)>| deep.iter().map(|r| (name(r), f(r))).collect::<Vec<_>>();
    let acts = series(&|r| per_layer(&r.result.activation_std_at_init));
    let grads = series(&|r| per_layer(&r.result.gradient_std_at_init));
    let val = series(&|r| r.result.epochs.iter().map(|e| (e.epoch as f64, e.val_accuracy)).collect());
    let drift = series(&|r| r.result.epochs.iter().map(|e| (e.epoch as f64, mean(&e.weight_drift))).collect());
    let mut schemes: Vec<&str> = Vec::new();
    for r in runs {
        if !schemes.contains(&r.result.init.as_str()) {
            schemes.push(&r.result.init);
        }
    }
    let by_depth: Vec<(String, Vec<(f64, f64)>)> = schemes
        .iter()
        .map(|&s| {
            let pts = runs
                .iter()
                .filter(|r| r.result.init == s)
                .map(|r| (r.depth as f64, r.result.epochs.last().map_or(f64::NAN, |e| e.val_accuracy)))
                .collect();
            (s.to_string(), pts)
        })
        .collect();
    let at = format!("{deepest} hidden layers");
    vec![
        (
            "activation-std.svg",
            line_chart_svg(
                &format!("Activation std at initialization, {at}"),
                "layer",
                "std of layer output (log scale)",
                &acts,
            ),
        ),
        (
            "gradient-std.svg",
            line_chart_svg(
                &format!("Weight-gradient std at initialization, {at}"),
                "layer",
                "std of weight gradient (log scale)",
                &grads,
            ),
        ),
        (
            "val-accuracy.svg",
            linear_chart_svg(&format!("Validation accuracy, {at}"), "epoch", "validation accuracy", &val),
        ),
        (
            "accuracy-by-depth.svg",
            linear_chart_svg("Final validation accuracy by depth", "hidden layers", "validation accuracy", &by_depth),
        ),
        (
            "weight-drift.svg",
            line_chart_svg(
                &format!("Weight drift ||W - W0|| / ||W0||, mean over layers, {at}"),
                "epoch",
                "relative drift (log scale)",
                &drift,
            ),
        ),
    ]
}

/// The JSON of one run (the keys `weightinit depth --json` promises).
pub fn run_json(r: &DepthRun, norm: Norm, act: Activation) -> serde_json::Value {
    let t = &r.result;
    serde_json::json!({
        "depth": r.depth,
        "scheme": t.init,
        "norm": norm.name(),
        "activation": act.name(),
        "activation_std": t.activation_std_at_init,
        "gradient_std": t.gradient_std_at_init,
        "val_accuracy": t.epochs.iter().map(|e| e.val_accuracy).collect::<Vec<_>>(),
        "test_accuracy": t.test_accuracy,
        "final_loss": t.epochs.last().map(|e| e.train_loss),
        "diverged": t.diverged,
        "samples_per_second": t.samples_per_second,
        "weight_drift": t.epochs.iter().map(|e| e.weight_drift.clone()).collect::<Vec<_>>(),
        "lsuv": t.lsuv,
    })
}
