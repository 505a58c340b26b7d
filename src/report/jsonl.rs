//! JSON Lines: one finding per line, for data tools (DuckDB, BigQuery,
//! Spark SQL) that read a directory of such files as one table. Each line
//! holds every field of the JSON report's finding plus `service` (null
//! outside `fleet`), `instances` (empty for one process) and the leak
//! sizes the fleet ranks by (`schema/finding.jsonl.schema.json`). `show`,
//! `catalog` and `diff` write one snapshot, entry or diff per line.

use super::{AnalysisReport, Exporter, FleetReport, ShowReport, SCHEMA_VERSION};
use crate::classify::catalog::Compiled;
use crate::classify::instances::{leaked_bytes, leaked_goroutines};
use crate::classify::Finding;
use crate::diff::ProfileDiff;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::{self, Write};

pub struct Jsonl;

fn line(w: &mut dyn Write, v: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *w, v).map_err(io::Error::other)?;
    writeln!(w)
}

/// One finding as a line's object.
pub fn finding_value(f: &Finding, service: Option<&str>) -> io::Result<Value> {
    let mut v = serde_json::to_value(f).map_err(io::Error::other)?;
    if let Value::Object(m) = &mut v {
        m.insert("schema_version".into(), json!(SCHEMA_VERSION));
        m.insert("service".into(), json!(service));
        m.entry("instances").or_insert_with(|| json!([]));
        m.entry("instances_total").or_insert_with(|| json!(1));
        m.insert("leaked_goroutines".into(), json!(leaked_goroutines(f)));
        m.insert("leaked_bytes".into(), json!(leaked_bytes(f)));
    }
    Ok(v)
}

impl Exporter for Jsonl {
    fn analysis(&self, r: &AnalysisReport, w: &mut dyn Write) -> io::Result<()> {
        for f in &r.findings {
            line(w, &finding_value(f, None)?)?;
        }
        Ok(())
    }

    fn fleet(&self, r: &FleetReport, w: &mut dyn Write) -> io::Result<()> {
        for f in &r.findings {
            line(w, &finding_value(&f.finding, Some(&f.service))?)?;
        }
        Ok(())
    }

    fn show(&self, r: &ShowReport, w: &mut dyn Write) -> io::Result<()> {
        for s in &r.snapshots {
            line(w, s)?;
        }
        Ok(())
    }

    fn catalog(&self, entries: &[&Compiled], w: &mut dyn Write) -> io::Result<()> {
        for e in entries {
            line(w, &e.entry)?;
        }
        Ok(())
    }

    fn profile_diff(&self, d: &ProfileDiff, w: &mut dyn Write) -> io::Result<()> {
        line(w, d)
    }
}
