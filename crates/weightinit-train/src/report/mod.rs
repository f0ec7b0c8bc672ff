//! Reports of training runs: the comparison table (here), SVG plots ([`svg`]), JSON ([`json`]) and
//! tensor statistics ([`summary`]).

pub mod depth;
pub mod json;
pub mod summary;
pub mod svg;

pub use svg::{activation_svg, line_chart_svg, linear_chart_svg, loss_svg, stack_svg};

use std::fmt::Write;

use crate::train::TrainResult;

/// The comparison table, one row per scheme.
pub fn table(results: &[TrainResult]) -> String {
    let layers = results.iter().map(|r| r.activation_std_at_init.len()).max().unwrap_or(0);
    let mut s = String::new();
    let _ = write!(s, "{:<18} {:>11} {:>8} {:>9}  ", "scheme", "final loss", "val acc", "test acc");
    for l in 0..layers {
        let _ = write!(s, "{:>10}", format!("std L{}", l + 1));
    }
    let _ = writeln!(s, "  diverged");
    for r in results {
        let loss = r.epochs.last().map(|e| format!("{:.4}", e.train_loss)).unwrap_or_else(|| "-".into());
        let val = r.epochs.last().map(|e| format!("{:.2}%", 100.0 * e.val_accuracy)).unwrap_or_else(|| "-".into());
        let test = r.test_accuracy.map(|t| format!("{:.2}%", 100.0 * t)).unwrap_or_else(|| "-".into());
        let _ = write!(s, "{:<18} {:>11} {:>8} {:>9}  ", r.init, loss, val, test);
        for l in 0..layers {
            let v = r.activation_std_at_init.get(l).map(|v| format!("{v:.3e}")).unwrap_or_default();
            let _ = write!(s, "{v:>10}");
        }
        let div = match &r.divergence {
            Some(d) => format!("yes (epoch {}, step {})", d.epoch, d.step),
            None => "no".into(),
        };
        let _ = writeln!(s, "  {div}");
    }
    s
}
