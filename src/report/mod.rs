//! Reporting: one [`Exporter`] per output format behind one trait, over the
//! report models the commands build. Every string that came from an
//! input is untrusted and escaped for the format it is written in.

pub mod chart;
pub mod flame;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod table;

use crate::classify::catalog::Compiled;
use crate::classify::Finding;
use crate::diff::flame::FlameGraph;
use crate::diff::ProfileDiff;
use crate::group::Group;
use crate::model::{BlockingOp, FrameRef, Snapshot};
use crate::text::rfc3339;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Version of the JSON report schema (`schema/report.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// One input snapshot as reported.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotInfo {
    pub path: String,
    /// Position among the snapshots found in the same file (0-based).
    pub index_in_file: usize,
    pub format: &'static str,
    pub gzipped: bool,
    pub profile: &'static str,
    /// RFC 3339 UTC, when the profile records it.
    pub time: Option<String>,
    /// The same time in nanoseconds since the epoch (for charts; not in JSON).
    #[serde(skip)]
    pub time_nanos: Option<i64>,
    /// Goroutines in the snapshot (goroutine profiles only).
    pub goroutines: Option<u64>,
    pub samples: usize,
}

impl SnapshotInfo {
    pub fn of(s: &Snapshot) -> Self {
        SnapshotInfo {
            path: s.source.clone(),
            index_in_file: s.index_in_source,
            format: s.format.as_str(),
            gzipped: s.gzipped,
            profile: s.kind.as_str(),
            time: s.time_nanos.map(rfc3339),
            time_nanos: s.time_nanos,
            goroutines: s.kind.is_goroutine().then(|| s.goroutine_count()),
            samples: s.samples.len(),
        }
    }

    /// Display name: path, with `#N` for the Nth dump of a file.
    pub fn name(&self) -> String {
        if self.index_in_file == 0 {
            self.path.clone()
        } else {
            format!("{}#{}", self.path, self.index_in_file + 1)
        }
    }
}

/// The result of `analyze`.
#[derive(Debug, Clone, Default)]
pub struct AnalysisReport {
    pub snapshots: Vec<SnapshotInfo>,
    pub findings: Vec<Finding>,
    /// Warnings and notes (ordering, truncation, single snapshot …).
    pub notes: Vec<String>,
    /// First-versus-last flame graphs per profile kind, filled in only when
    /// an output needs them (HTML, `--flamegraph`); not part of the JSON.
    pub flames: Vec<FlameGraph>,
    /// The `--source` directories, which SARIF paths are relative to; not
    /// part of the JSON.
    pub source_roots: Vec<std::path::PathBuf>,
}

/// One group of one snapshot, for `show`.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub value: i64,
    pub wait: BlockingOp,
    pub wait_minutes: Option<(u32, u32)>,
    pub states: BTreeMap<String, u64>,
    pub leaked: u64,
    pub labels: BTreeMap<String, Vec<String>>,
    pub created_by: Option<FrameRef>,
    pub parents: usize,
    pub frames: Vec<FrameRef>,
}

impl GroupView {
    /// Wait minutes as `3` or `1-5`; empty where the input has none.
    pub fn minutes_text(&self) -> String {
        match self.wait_minutes {
            Some((a, b)) if a == b => a.to_string(),
            Some((a, b)) => format!("{a}-{b}"),
            None => String::new(),
        }
    }

    /// The first frame outside the runtime, else the leaf.
    pub fn site(&self) -> Option<&FrameRef> {
        self.frames
            .iter()
            .find(|f| !crate::model::normalize::is_runtime_function(&f.function))
            .or(self.frames.first())
    }

    pub fn of(g: Group, index: usize) -> Self {
        GroupView {
            value: g.value(index),
            wait: g.op,
            wait_minutes: g.wait_min.zip(g.wait_max),
            states: g.states,
            leaked: g.leaked,
            labels: g
                .labels
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
            created_by: g.created_by,
            parents: g.parents.len(),
            frames: g
                .frames
                .into_iter()
                .filter(|f| f.function != "runtime.goexit")
                .collect(),
        }
    }
}

/// One snapshot's groups, for `show`.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotView {
    #[serde(flatten)]
    pub info: SnapshotInfo,
    pub value_type: String,
    pub unit: String,
    pub groups: Vec<GroupView>,
    pub warnings: Vec<String>,
}

/// The result of `show`.
#[derive(Debug, Clone, Default)]
pub struct ShowReport {
    pub snapshots: Vec<SnapshotView>,
    /// As in [`AnalysisReport::flames`].
    pub flames: Vec<FlameGraph>,
}

/// Options every exporter honours.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// ANSI colors (only on a terminal, never with NO_COLOR).
    pub color: bool,
    /// Terminal width for tables, if known.
    pub width: Option<u16>,
}

/// One output format.
pub trait Exporter {
    fn analysis(&self, r: &AnalysisReport, w: &mut dyn Write) -> io::Result<()>;
    fn show(&self, r: &ShowReport, w: &mut dyn Write) -> io::Result<()>;
    fn catalog(&self, entries: &[&Compiled], w: &mut dyn Write) -> io::Result<()>;
    fn profile_diff(&self, d: &ProfileDiff, w: &mut dyn Write) -> io::Result<()>;
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Markdown,
    /// One self-contained HTML page (charts, flame graphs, strict CSP).
    Html,
    /// SARIF 2.1.0 for code scanning (analyze only).
    Sarif,
}

pub fn exporter(format: OutputFormat, style: Style) -> Box<dyn Exporter> {
    match format {
        OutputFormat::Table => Box::new(table::Table { style }),
        OutputFormat::Json => Box::new(json::Json),
        OutputFormat::Markdown => Box::new(markdown::Markdown),
        OutputFormat::Html => Box::new(html::Html),
        OutputFormat::Sarif => Box::new(sarif::Sarif),
    }
}

/// A sparkline of values, scaled from their minimum to their maximum.
pub fn sparkline(values: &[i64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let min = values.iter().copied().min().unwrap_or(0).min(0);
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if max == min {
                BARS[0]
            } else {
                let i = ((v - min) as f64 / (max - min) as f64 * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

/// `function (file:line)` for a frame.
pub fn frame_site(f: &FrameRef) -> String {
    if f.file.is_empty() {
        f.function.clone()
    } else {
        format!("{} ({}:{})", f.function, f.file, f.line)
    }
}

/// Severities from the worst down, as reports list them.
pub const SEVERITIES: [crate::classify::Severity; 5] = [
    crate::classify::Severity::Critical,
    crate::classify::Severity::High,
    crate::classify::Severity::Medium,
    crate::classify::Severity::Low,
    crate::classify::Severity::Info,
];

/// `1 critical, 2 medium`: how many findings of each severity there are.
pub fn severity_summary(findings: &[Finding]) -> String {
    let mut by = Vec::new();
    for s in SEVERITIES {
        let n = findings.iter().filter(|f| f.severity == s).count();
        if n > 0 {
            by.push(format!("{n} {s}"));
        }
    }
    by.join(", ")
}

/// The `--fail-on-growth` verdict of a diff as plain text (each exporter
/// escapes it for its format): a heading, then one line per crossing.
pub fn gate_text(d: &ProfileDiff) -> Option<(String, Vec<String>)> {
    let g = d.gate.as_ref()?;
    let head = if g.failed {
        format!(
            "Gate {}: FAILED, {} grew past it",
            g.describe(&d.unit),
            g.crossings.len()
        )
    } else {
        format!("Gate {}: passed, nothing grew past it", g.describe(&d.unit))
    };
    let lines = g
        .crossings
        .iter()
        .map(|c| {
            format!(
                "{}: {} → {} (+{}, {})",
                c.name(),
                crate::text::fmt_value(c.base, &d.unit),
                crate::text::fmt_value(c.new, &d.unit),
                crate::text::fmt_value(c.delta, &d.unit),
                fmt_relative(c.relative)
            )
        })
        .collect();
    Some((head, lines))
}

/// `+12.5%`, or `new` for a site absent from the base.
pub fn fmt_relative(r: Option<f64>) -> String {
    match r {
        Some(r) => format!("{:+.1}%", r * 100.0),
        None => "new".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines() {
        assert_eq!(sparkline(&[0, 10, 20, 30]), "▁▃▆█");
        assert_eq!(sparkline(&[5, 5]), "██", "scaled from zero");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
    }
}
