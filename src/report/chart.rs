//! Inline SVG charts for the HTML report, drawn in Rust: no script, no
//! style attribute (classes only, styled by the report's hashed
//! stylesheet), every input string escaped.

use super::html::esc;
use crate::text::{fmt_value, rfc3339};
use std::fmt::Write as _;

/// One snapshot on the x axis.
#[derive(Debug, Clone, Default)]
pub struct XPoint {
    /// Snapshot name, for the tooltip.
    pub name: String,
    /// Collection time, nanoseconds since the epoch.
    pub nanos: Option<i64>,
}

const W: f64 = 640.0;
const H: f64 = 230.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 58.0;
/// Least distance between two snapshots on a time-proportional axis.
const MIN_GAP: f64 = 64.0;

/// A step of 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

/// A byte step: a power of two times 1, 2 or 5 … kept simple: 1/2/4/8 × 2^k.
fn nice_byte_step(raw: f64) -> f64 {
    if raw <= 1.0 || !raw.is_finite() {
        return 1.0;
    }
    let mut s = 1.0;
    while s < raw {
        s *= 2.0;
    }
    s
}

/// `HH:MM:SS` (UTC) of nanoseconds since the epoch.
fn clock(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

fn day(nanos: i64) -> String {
    rfc3339(nanos)[..10].to_string()
}

fn fmt_coord(v: f64) -> String {
    format!("{v:.1}")
}

/// A line chart of `values` over the snapshots `xs` (one each), the x axis
/// labelled with snapshot times, or snapshot numbers when a time is missing.
pub fn line_chart(values: &[i64], xs: &[XPoint], unit: &str, class: &str, label: &str) -> String {
    let n = values.len();
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let times: Option<Vec<i64>> = xs
        .iter()
        .take(n)
        .map(|x| x.nanos)
        .collect::<Option<Vec<_>>>()
        .filter(|t| t.len() == n && n > 0);
    // A time-proportional axis when the times are ordered and no two
    // snapshots would sit closer than a label's width; else evenly spaced
    // (still labelled with the times).
    let span = times.as_ref().and_then(|t| {
        let span = t[n - 1] - t[0];
        let ordered = t.windows(2).all(|w| w[1] >= w[0]);
        let min_gap = t
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / span.max(1) as f64 * plot_w)
            .fold(f64::INFINITY, f64::min);
        (span > 0 && ordered && min_gap >= MIN_GAP.min(plot_w / n as f64)).then_some(span)
    });
    let x_of = |i: usize| -> f64 {
        match (&times, span) {
            (Some(t), Some(span)) => LEFT + (t[i] - t[0]) as f64 / span as f64 * plot_w,
            _ if n <= 1 => LEFT + plot_w / 2.0,
            _ => LEFT + i as f64 / (n - 1) as f64 * plot_w,
        }
    };
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bytes = unit == "bytes";
    let step = if bytes {
        nice_byte_step(max / 4.0)
    } else {
        nice_step(max / 4.0).max(1.0)
    };
    let top = (max / step).ceil().max(1.0) * step;
    let y_of = |v: i64| TOP + plot_h - (v.max(0) as f64 / top * plot_h);

    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart {}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">",
        esc(class),
        esc(label)
    );
    let _ = write!(s, "<title>{}</title>", esc(label));
    // Grid and y labels.
    s.push_str("<g class=\"grid\">");
    let mut t = 0.0;
    while t <= top + step / 2.0 {
        let y = y_of(t as i64);
        let _ = write!(
            s,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            fmt_coord(LEFT),
            fmt_coord(y),
            fmt_coord(W - RIGHT),
            fmt_coord(y)
        );
        let _ = write!(
            s,
            "<text class=\"yl\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            fmt_coord(LEFT - 8.0),
            fmt_coord(y + 4.0),
            esc(&fmt_value(t as i64, unit))
        );
        t += step;
    }
    s.push_str("</g>");
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{l}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\"/>",
        l = fmt_coord(LEFT),
        r = fmt_coord(W - RIGHT),
        b = fmt_coord(TOP + plot_h)
    );
    if n > 0 {
        let pts: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{},{}", fmt_coord(x_of(i)), fmt_coord(y_of(v))))
            .collect();
        if n > 1 {
            let _ = write!(
                s,
                "<path class=\"area\" d=\"M{},{} L{} L{},{} Z\"/>",
                fmt_coord(x_of(0)),
                fmt_coord(TOP + plot_h),
                pts.join(" L"),
                fmt_coord(x_of(n - 1)),
                fmt_coord(TOP + plot_h)
            );
            let _ = write!(s, "<polyline class=\"line\" points=\"{}\"/>", pts.join(" "));
        }
        // Labels on the x axis: every snapshot when few, else about eight.
        let every = n.div_ceil(8).max(1);
        let first_day = times.as_ref().map(|t| day(t[0]));
        let many_days = times
            .as_ref()
            .is_some_and(|t| t.iter().any(|&x| Some(day(x)) != first_day));
        s.push_str("<g class=\"pts\">");
        for (i, &v) in values.iter().enumerate() {
            let (x, y) = (x_of(i), y_of(v));
            let name = xs.get(i).map(|p| p.name.as_str()).unwrap_or("");
            let when = times
                .as_ref()
                .map(|t| format!(" at {}", rfc3339(t[i])))
                .unwrap_or_default();
            let _ = write!(
                s,
                "<circle cx=\"{}\" cy=\"{}\" r=\"4.5\"><title>#{} {}{}: {}</title></circle>",
                fmt_coord(x),
                fmt_coord(y),
                i + 1,
                esc(name),
                esc(&when),
                esc(&fmt_value(v, unit))
            );
            if n <= 8 {
                let anchor = match i {
                    _ if n == 1 => "middle",
                    0 => "start",
                    i if i == n - 1 => "end",
                    _ => "middle",
                };
                let _ = write!(
                    s,
                    "<text class=\"val\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                    fmt_coord(x),
                    fmt_coord(y - 10.0),
                    esc(&fmt_value(v, unit))
                );
            }
        }
        s.push_str("</g><g class=\"xl\">");
        for i in 0..n {
            if i % every != 0 && i != n - 1 {
                continue;
            }
            let x = x_of(i);
            let (l1, l2) = match &times {
                Some(t) if many_days => (day(t[i])[5..].to_string(), clock(t[i])),
                Some(t) => (clock(t[i]), format!("#{}", i + 1)),
                None => (format!("#{}", i + 1), String::new()),
            };
            let anchor = if n > 1 && i == 0 && span.is_some() {
                "start"
            } else if n > 1 && i == n - 1 && span.is_some() {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                "<line x1=\"{x}\" y1=\"{b}\" x2=\"{x}\" y2=\"{b2}\"/>\
                 <text x=\"{x}\" y=\"{y1}\" text-anchor=\"{anchor}\">{}</text>",
                esc(&l1),
                x = fmt_coord(x),
                b = fmt_coord(TOP + plot_h),
                b2 = fmt_coord(TOP + plot_h + 5.0),
                y1 = fmt_coord(TOP + plot_h + 18.0),
            );
            if !l2.is_empty() {
                let _ = write!(
                    s,
                    "<text class=\"sub\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                    fmt_coord(x),
                    fmt_coord(TOP + plot_h + 31.0),
                    esc(&l2)
                );
            }
        }
        s.push_str("</g>");
    }
    let caption = match (&times, span) {
        (Some(t), _) if n > 0 => format!("snapshot time (UTC), {}", day(t[0])),
        _ => "snapshot (no recorded times)".to_string(),
    };
    let _ = write!(
        s,
        "<text class=\"cap\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        fmt_coord(LEFT + plot_w / 2.0),
        fmt_coord(H - 6.0),
        esc(&caption)
    );
    s.push_str("</svg>");
    s
}

/// A small sparkline for tables.
pub fn sparkline(values: &[i64], class: &str) -> String {
    let (w, h, pad) = (96.0, 24.0, 3.0);
    let n = values.len();
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let x_of = |i: usize| {
        if n <= 1 {
            w / 2.0
        } else {
            pad + i as f64 / (n - 1) as f64 * (w - 2.0 * pad)
        }
    };
    let y_of = |v: i64| h - pad - v.max(0) as f64 / max * (h - 2.0 * pad);
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| format!("{},{}", fmt_coord(x_of(i)), fmt_coord(y_of(v))))
        .collect();
    let mut s = format!(
        "<svg class=\"spark {}\" viewBox=\"0 0 {w} {h}\" aria-hidden=\"true\">",
        esc(class)
    );
    if n > 1 {
        let _ = write!(s, "<polyline points=\"{}\"/>", pts.join(" "));
    }
    if let Some(last) = pts.last() {
        let (x, y) = last.split_once(',').unwrap_or(("0", "0"));
        let _ = write!(s, "<circle cx=\"{x}\" cy=\"{y}\" r=\"2.5\"/>");
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(7.5), 10.0);
        assert_eq!(nice_step(2.5), 5.0);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_byte_step(70_000.0), 131_072.0);
    }

    #[test]
    fn chart_has_a_point_per_snapshot_and_time_labels() {
        let xs: Vec<XPoint> = (0..3)
            .map(|i| XPoint {
                name: format!("g-{i}<x>.pb.gz"),
                nanos: Some(1_700_000_000_000_000_000 + i * 30_000_000_000),
            })
            .collect();
        let svg = line_chart(&[10, 20, 30], &xs, "goroutines", "chart-goroutine", "a <b>");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("22:13:20") && svg.contains("22:14:20"));
        assert!(svg.contains("g-1&lt;x&gt;.pb.gz"));
        assert!(!svg.contains("<x>") && !svg.contains("<b>"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn crowded_times_fall_back_to_even_spacing() {
        let t0 = 1_700_000_000_000_000_000i64;
        let xs: Vec<XPoint> = [0, 1, 2, 600, 601]
            .iter()
            .map(|s| XPoint {
                name: String::new(),
                nanos: Some(t0 + s * 1_000_000_000),
            })
            .collect();
        let svg = line_chart(&[1, 2, 3, 4, 5], &xs, "goroutines", "c", "x");
        // Evenly spaced: the second point a quarter of the way along.
        let plot_w = W - LEFT - RIGHT;
        assert!(svg.contains(&format!("cx=\"{:.1}\"", LEFT + plot_w / 4.0)));
        assert!(svg.contains("22:13:21"), "still labelled with times");
    }

    #[test]
    fn chart_without_times_uses_snapshot_numbers() {
        let svg = line_chart(&[1, 5], &[], "bytes", "c", "x");
        assert!(svg.contains(">#1<") && svg.contains(">#2<"));
        assert!(svg.contains("no recorded times"));
        let one = line_chart(&[4], &[], "goroutines", "c", "x");
        assert_eq!(one.matches("<circle").count(), 1);
    }
}
