//! JSON: a documented, versioned contract (`schema/report.schema.json`).
//! serde_json escapes every string, so the output is always valid JSON.

use super::{AnalysisReport, Exporter, FleetReport, ShowReport, SCHEMA_VERSION};
use crate::classify::catalog::Compiled;
use crate::classify::Severity;
use crate::diff::ProfileDiff;
use serde_json::{json, Value};
use std::io::{self, Write};

pub struct Json;

fn tool() -> Value {
    json!({"name": "leakdiff", "version": env!("CARGO_PKG_VERSION")})
}

fn write_value(w: &mut dyn Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, v).map_err(io::Error::other)?;
    writeln!(w)
}

impl Exporter for Json {
    fn analysis(&self, r: &AnalysisReport, w: &mut dyn Write) -> io::Result<()> {
        let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": tool(),
            "command": "analyze",
            "snapshots": r.snapshots,
            "summary": {
                "findings": r.findings.len(),
                "critical": count(Severity::Critical),
                "high": count(Severity::High),
                "medium": count(Severity::Medium),
                "low": count(Severity::Low),
                "info": count(Severity::Info),
            },
            "findings": r.findings,
            "notes": r.notes,
        });
        write_value(w, &v)
    }

    fn fleet(&self, r: &FleetReport, w: &mut dyn Write) -> io::Result<()> {
        let count = |s: Severity| {
            r.findings
                .iter()
                .filter(|f| f.finding.severity == s)
                .count()
        };
        let findings = r
            .findings
            .iter()
            .map(|f| super::jsonl::finding_value(&f.finding, Some(&f.service)))
            .collect::<io::Result<Vec<Value>>>()?;
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": tool(),
            "command": "fleet",
            "services": r.services,
            "summary": {
                "services": r.services.len(),
                "skipped": r.services.iter().filter(|s| s.error.is_some()).count(),
                "findings": r.findings.len(),
                "critical": count(Severity::Critical),
                "high": count(Severity::High),
                "medium": count(Severity::Medium),
                "low": count(Severity::Low),
                "info": count(Severity::Info),
            },
            "findings": findings,
            "notes": r.notes,
        });
        write_value(w, &v)
    }

    fn show(&self, r: &ShowReport, w: &mut dyn Write) -> io::Result<()> {
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": tool(),
            "command": "show",
            "snapshots": r.snapshots,
        });
        write_value(w, &v)
    }

    fn profile_diff(&self, d: &ProfileDiff, w: &mut dyn Write) -> io::Result<()> {
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": tool(),
            "command": "diff",
            "diff": d,
        });
        write_value(w, &v)
    }

    fn catalog(&self, entries: &[&Compiled], w: &mut dyn Write) -> io::Result<()> {
        let list: Vec<_> = entries.iter().map(|e| &e.entry).collect();
        let v = json!({
            "schema_version": SCHEMA_VERSION,
            "tool": tool(),
            "command": "catalog",
            "entries": list,
        });
        write_value(w, &v)
    }
}
