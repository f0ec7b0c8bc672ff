//! SVG line charts of training runs (no dependencies: the charts are simple enough to write directly).

use std::fmt::Write;

use crate::train::TrainResult;

const COLORS: [&str; 8] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A line chart with a log-scale y axis: `series` are (name, points (x, y)); non-positive or non-finite
/// y values are skipped.
pub fn line_chart_svg(title: &str, x_label: &str, y_label: &str, series: &[(String, Vec<(f64, f64)>)]) -> String {
    let f = Frame::fit(series);
    let mut s = String::new();
    f.axes(&mut s, title, x_label, y_label);
    for (i, (name, p)) in series.iter().enumerate() {
        f.series(&mut s, i, name, p);
    }
    s.push_str("</svg>\n");
    s
}

/// The chart's geometry: size, margins, and the data range (x linear, y as log10, widened to whole
/// decades).
#[derive(Clone, Copy)]
struct Frame {
    w: f64,
    h: f64,
    ml: f64,
    mr: f64,
    mt: f64,
    mb: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    /// The frame holding every finite, positive point of `series`.
    fn fit(series: &[(String, Vec<(f64, f64)>)]) -> Frame {
        let pts = series.iter().flat_map(|(_, p)| p.iter()).filter(|(_, y)| y.is_finite() && *y > 0.0);
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y.log10());
            y1 = y1.max(y.log10());
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if x1 - x0 < 1e-9 {
            x1 = x0 + 1.0;
        }
        let (y0, y1) = (y0.floor(), y1.ceil().max(y0.floor() + 1.0));
        Frame { w: 720.0, h: 440.0, ml: 80.0, mr: 190.0, mt: 40.0, mb: 50.0, x0, x1, y0, y1 }
    }

    fn px(&self, x: f64) -> f64 {
        self.ml + (x - self.x0) / (self.x1 - self.x0) * (self.w - self.ml - self.mr)
    }

    fn py(&self, ly: f64) -> f64 {
        self.mt + (1.0 - (ly - self.y0) / (self.y1 - self.y0)) * (self.h - self.mt - self.mb)
    }

    /// The SVG header, title, decade grid lines, x ticks, plot border and axis labels.
    fn axes(&self, s: &mut String, title: &str, x_label: &str, y_label: &str) {
        let Frame { w, h, ml, mr, mt, mb, x0, x1, y0, y1 } = *self;
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
            (w - mr + ml) / 2.0,
            esc(title)
        );
        for e in (y0 as i32)..=(y1 as i32) {
            let y = self.py(e as f64);
            let _ = writeln!(
                s,
                r##"<line x1="{ml}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">1e{e}</text>"##,
                w - mr,
                ml - 6.0,
                y + 4.0
            );
        }
        let step = ((x1 - x0) / 8.0).ceil().max(1.0);
        let mut x = x0.ceil();
        while x <= x1 + 1e-9 {
            let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#, self.px(x), h - mb + 18.0, x);
            x += step;
        }
        let _ = writeln!(
            s,
            r#"<rect x="{ml}" y="{mt}" width="{}" height="{}" fill="none" stroke="black"/>"#,
            w - ml - mr,
            h - mt - mb
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            (w - mr + ml) / 2.0,
            h - 10.0,
            esc(x_label)
        );
        let _ = writeln!(
            s,
            r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">{}</text>"#,
            (h - mb + mt) / 2.0,
            (h - mb + mt) / 2.0,
            esc(y_label)
        );
    }

    /// Series `i`: its line (and points, for at most 50), and its legend entry.
    fn series(&self, s: &mut String, i: usize, name: &str, p: &[(f64, f64)]) {
        let c = COLORS[i % COLORS.len()];
        let d: Vec<String> = p
            .iter()
            .filter(|(_, y)| y.is_finite() && *y > 0.0)
            .map(|&(x, y)| format!("{:.1},{:.1}", self.px(x), self.py(y.log10())))
            .collect();
        if !d.is_empty() {
            let _ = writeln!(s, r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/>"#, d.join(" "));
            for xy in d.iter().filter(|_| d.len() <= 50) {
                let (x, y) = xy.split_once(',').expect("x,y");
                let _ = writeln!(s, r#"<circle cx="{x}" cy="{y}" r="3" fill="{c}"/>"#);
            }
        }
        let (w, mr) = (self.w, self.mr);
        let ly = self.mt + 10.0 + 20.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" x2="{}" y1="{ly}" y2="{ly}" stroke="{c}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
            w - mr + 12.0,
            w - mr + 36.0,
            w - mr + 42.0,
            ly + 4.0,
            esc(name)
        );
    }
}

/// Loss curves (every batch's training loss, x in epochs) of every scheme; a diverged run ends at the
/// batch where it diverged.
pub fn loss_svg(results: &[TrainResult]) -> String {
    let series: Vec<(String, Vec<(f64, f64)>)> = results
        .iter()
        .map(|r| {
            let name = if r.diverged { format!("{} (diverged)", r.init) } else { r.init.clone() };
            let per_epoch = r.steps_per_epoch.max(1) as f64;
            let pts = r.batch_losses.iter().enumerate().map(|(i, &l)| ((i + 1) as f64 / per_epoch, l)).collect();
            (name, pts)
        })
        .collect();
    line_chart_svg("Training loss by initialization", "epoch", "training loss per batch (log scale)", &series)
}

/// Std of each layer's output at initialization.
pub fn activation_svg(results: &[TrainResult]) -> String {
    let series: Vec<(String, Vec<(f64, f64)>)> = results
        .iter()
        .map(|r| {
            (r.init.clone(), r.activation_std_at_init.iter().enumerate().map(|(l, &v)| ((l + 1) as f64, v)).collect())
        })
        .collect();
    line_chart_svg("Activation std at initialization", "layer", "std of layer output (log scale)", &series)
}
