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
    chart_svg(title, x_label, y_label, series, true)
}

/// A line chart with a linear y axis from 0 (or the smallest value) to the largest; non-finite values are
/// skipped.
pub fn linear_chart_svg(title: &str, x_label: &str, y_label: &str, series: &[(String, Vec<(f64, f64)>)]) -> String {
    chart_svg(title, x_label, y_label, series, false)
}

/// Charts stacked vertically in one SVG (each a whole chart of [`line_chart_svg`]'s size).
pub fn stack_svg(charts: &[String]) -> String {
    let (w, h) = (720.0, 440.0);
    let mut s = format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{}">"#, h * charts.len() as f64);
    s.push('\n');
    for (i, c) in charts.iter().enumerate() {
        // Each chart is its own <svg> element, placed by its y attribute.
        let inner = c.replacen("<svg ", &format!(r#"<svg y="{}" "#, h * i as f64), 1);
        s.push_str(&inner);
    }
    s.push_str("</svg>\n");
    s
}

fn chart_svg(title: &str, x_label: &str, y_label: &str, series: &[(String, Vec<(f64, f64)>)], log: bool) -> String {
    let f = Frame::fit(series, log);
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
    /// Log-scale y (y0, y1 are decades), else linear.
    log: bool,
}

impl Frame {
    /// Whether a point is drawn.
    fn shows(&self, y: f64) -> bool {
        y.is_finite() && (!self.log || y > 0.0)
    }

    /// The y coordinate of a value (its log10 on a log scale).
    fn ty(&self, y: f64) -> f64 {
        if self.log { y.log10() } else { y }
    }

    /// The frame holding every drawable point of `series`.
    fn fit(series: &[(String, Vec<(f64, f64)>)], log: bool) -> Frame {
        let probe =
            Frame { w: 0.0, h: 0.0, ml: 0.0, mr: 0.0, mt: 0.0, mb: 0.0, x0: 0.0, x1: 0.0, y0: 0.0, y1: 0.0, log };
        let pts = series.iter().flat_map(|(_, p)| p.iter()).filter(|(_, y)| probe.shows(*y));
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(probe.ty(y));
            y1 = y1.max(probe.ty(y));
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if x1 - x0 < 1e-9 {
            x1 = x0 + 1.0;
        }
        let (y0, y1) = if log {
            (y0.floor(), y1.ceil().max(y0.floor() + 1.0))
        } else {
            let lo = y0.min(0.0);
            (lo, if y1 > lo { y1 } else { lo + 1.0 })
        };
        Frame { w: 720.0, h: 440.0, ml: 80.0, mr: 190.0, mt: 40.0, mb: 50.0, x0, x1, y0, y1, log }
    }

    fn px(&self, x: f64) -> f64 {
        self.ml + (x - self.x0) / (self.x1 - self.x0) * (self.w - self.ml - self.mr)
    }

    fn py(&self, ly: f64) -> f64 {
        self.mt + (1.0 - (ly - self.y0) / (self.y1 - self.y0)) * (self.h - self.mt - self.mb)
    }

    /// The SVG header, title, decade grid lines, x ticks, plot border and axis labels.
    fn axes(&self, s: &mut String, title: &str, x_label: &str, y_label: &str) {
        let Frame { w, h, ml, mr, mt, mb, x0, x1, y0, y1, log } = *self;
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
        let ticks: Vec<(f64, String)> = if log {
            ((y0 as i32)..=(y1 as i32)).map(|e| (e as f64, format!("1e{e}"))).collect()
        } else {
            (0..=5).map(|i| y0 + (y1 - y0) * i as f64 / 5.0).map(|v| (v, format!("{v:.3}"))).collect()
        };
        for (v, label) in ticks {
            let y = self.py(v);
            let _ = writeln!(
                s,
                r##"<line x1="{ml}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{label}</text>"##,
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
            .filter(|(_, y)| self.shows(*y))
            .map(|&(x, y)| format!("{:.1},{:.1}", self.px(x), self.py(self.ty(y))))
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

/// Points `(1, v[0]), (2, v[1]), ...`.
pub fn per_layer(v: &[f64]) -> Vec<(f64, f64)> {
    v.iter().enumerate().map(|(l, &v)| ((l + 1) as f64, v)).collect()
}

/// Std of each layer's output at initialization, and below it the std of each layer's weight gradient.
pub fn activation_svg(results: &[TrainResult]) -> String {
    let acts: Vec<(String, Vec<(f64, f64)>)> =
        results.iter().map(|r| (r.init.clone(), per_layer(&r.activation_std_at_init))).collect();
    let grads: Vec<(String, Vec<(f64, f64)>)> =
        results.iter().map(|r| (r.init.clone(), per_layer(&r.gradient_std_at_init))).collect();
    stack_svg(&[
        line_chart_svg("Activation std at initialization", "layer", "std of layer output (log scale)", &acts),
        line_chart_svg("Gradient std at initialization", "layer", "std of weight gradient (log scale)", &grads),
    ])
}
