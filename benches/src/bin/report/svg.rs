//! The SVG chart of the ratios, written by hand (a log-scale bar chart is
//! little code; no plotting dependency needed).

use super::{Row, GOAL};
use std::fmt::Write as _;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A chart series: legend, colour, value of a row.
type Series = (&'static str, &'static str, fn(&Row) -> Option<f64>);

/// A horizontal bar chart of the two ratios per workload, on a log scale,
/// with bars drawn from 1.0 (left of it: this runtime is faster).
pub(super) fn svg(rows: &[Row]) -> String {
    let series: [Series; 2] = [
        ("this runtime ÷ Tokio", "#3b6fb6", Row::ratio_tokio),
        (
            "this runtime ÷ faster of Tokio, async-executor",
            "#e08a1e",
            Row::ratio_fastest,
        ),
    ];
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|r| series.iter().filter_map(move |s| (s.2)(r)))
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let lo = values.iter().copied().fold(0.5_f64, f64::min);
    let hi = values.iter().copied().fold(2.0_f64, f64::max);
    let (mut lo_exp, mut hi_exp) = (lo.log2().floor() as i32, hi.log2().ceil() as i32);
    // Leave room for the value labels at the ends of the longest bars.
    if lo / 2f64.powi(lo_exp) < 1.3 {
        lo_exp -= 1;
    }
    if 2f64.powi(hi_exp) / hi < 1.3 {
        hi_exp += 1;
    }
    let (lo, hi) = (2f64.powi(lo_exp), 2f64.powi(hi_exp));

    let (left, plot_w, right) = (300.0, 520.0, 60.0);
    let (top, row_h, bar_h) = (70.0, 36.0, 13.0);
    let width = left + plot_w + right;
    let height = top + row_h * rows.len() as f64 + 50.0;
    let x = |v: f64| left + (v.log2() - lo.log2()) / (hi.log2() - lo.log2()) * plot_w;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" font-size="15" font-weight="bold" text-anchor="middle">Time of this runtime relative to its peers (log scale; &lt; 1 is faster)</text>"#,
        width / 2.0
    );
    // Legend.
    for (i, (name, color, _)) in series.iter().enumerate() {
        let lx = left + i as f64 * 250.0;
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="32" width="12" height="12" fill="{color}"/><text x="{}" y="42">{}</text>"#,
            lx + 16.0,
            xml_escape(name)
        );
    }
    let plot_bottom = top + row_h * rows.len() as f64;
    // Grid: powers of two, plus the goal line.
    for e in lo_exp..=hi_exp {
        let v = 2f64.powi(e);
        let gx = x(v);
        let _ = writeln!(
            s,
            r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{plot_bottom}" stroke="#ddd"/><text x="{gx:.1}" y="{}" text-anchor="middle" fill="#555">{}</text>"##,
            top - 6.0,
            plot_bottom + 16.0,
            if v >= 1.0 {
                format!("{v}")
            } else {
                format!("1/{}", 1.0 / v)
            }
        );
    }
    let gx = x(GOAL);
    let _ = writeln!(
        s,
        r##"<line x1="{gx:.1}" y1="{}" x2="{gx:.1}" y2="{plot_bottom}" stroke="#2a9d2a" stroke-dasharray="5,4"/><text x="{gx:.1}" y="{}" text-anchor="end" fill="#2a9d2a">goal 0.8 </text>"##,
        top - 6.0,
        plot_bottom + 32.0
    );
    let one = x(1.0);
    let _ = writeln!(
        s,
        r##"<line x1="{one:.1}" y1="{}" x2="{one:.1}" y2="{plot_bottom}" stroke="#000"/><text x="{one:.1}" y="{}" text-anchor="start" fill="#000"> 1.0 (floor vs Tokio)</text>"##,
        top - 6.0,
        plot_bottom + 32.0
    );
    for (i, r) in rows.iter().enumerate() {
        let y0 = top + i as f64 * row_h;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            left - 8.0,
            y0 + row_h / 2.0 + 4.0,
            xml_escape(&r.group)
        );
        for (j, (_, color, f)) in series.iter().enumerate() {
            let Some(v) = f(r).filter(|v| v.is_finite() && *v > 0.0) else {
                continue;
            };
            let by = y0 + 4.0 + j as f64 * (bar_h + 2.0);
            let vx = x(v.clamp(lo, hi));
            let (bx, bw) = if vx < one {
                (vx, one - vx)
            } else {
                (one, vx - one)
            };
            let _ = writeln!(
                s,
                r#"<rect x="{bx:.1}" y="{by:.1}" width="{:.1}" height="{bar_h}" fill="{color}"><title>{}: {v:.3}</title></rect>"#,
                bw.max(1.0),
                xml_escape(&r.group)
            );
            let (tx, anchor) = if vx < one {
                (vx - 3.0, "end")
            } else {
                (vx + 3.0, "start")
            };
            let _ = writeln!(
                s,
                r##"<text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="10" fill="#333">{v:.2}</text>"##,
                by + bar_h - 2.0
            );
        }
    }
    let _ = writeln!(s, "</svg>");
    s
}
