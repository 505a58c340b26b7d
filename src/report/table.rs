//! Terminal tables (comfy-table). Input strings pass through
//! [`sanitize_terminal`]; colors only when [`Style::color`] says so.

use super::{
    fmt_relative, frame_site, sparkline, AnalysisReport, Exporter, FleetReport, ShowReport, Style,
};
use crate::classify::catalog::Compiled;
use crate::classify::Severity;
use crate::diff::ProfileDiff;
use crate::text::{fmt_counts, fmt_value, sanitize_terminal};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table as CTable};
use std::io::{self, Write};

pub struct Table {
    pub style: Style,
}

/// Frames shown per stack before the rest is summarized.
const MAX_FRAMES: usize = 12;

impl Table {
    /// The `--fail-on-growth` verdict under the diff table.
    fn gate(&self, d: &ProfileDiff, w: &mut dyn Write) -> io::Result<()> {
        let Some((head, lines)) = super::gate_text(d) else {
            return Ok(());
        };
        let failed = d.gate.as_ref().is_some_and(|g| g.failed);
        let head = clean(&head);
        match (self.style.color, failed) {
            (true, true) => writeln!(w, "\n\x1b[1;31m{head}\x1b[0m")?,
            (true, false) => writeln!(w, "\n\x1b[32m{head}\x1b[0m")?,
            _ => writeln!(w, "\n{head}")?,
        }
        for l in lines {
            writeln!(w, "  {}", clean(&l))?;
        }
        Ok(())
    }

    fn new_table(&self, header: &[&str]) -> CTable {
        let mut t = CTable::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_content_arrangement(ContentArrangement::Dynamic);
        t.set_width(self.style.width.unwrap_or(160));
        if self.style.color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(header.iter().map(|h| self.bold(h)));
        t
    }

    fn bold(&self, s: &str) -> Cell {
        let c = Cell::new(s);
        if self.style.color {
            c.add_attribute(Attribute::Bold)
        } else {
            c
        }
    }

    fn severity(&self, s: Severity) -> Cell {
        let c = Cell::new(s.as_str());
        if !self.style.color {
            return c;
        }
        match s {
            Severity::Critical => c.fg(Color::Red).add_attribute(Attribute::Bold),
            Severity::High => c.fg(Color::Red),
            Severity::Medium => c.fg(Color::Yellow),
            Severity::Low => c.fg(Color::Cyan),
            Severity::Info => c,
        }
    }
}

/// Characters of one untrusted string shown in a table; the full text is in
/// the JSON and Markdown reports. (Wrapping a 64 KiB name into a cell takes
/// the table layout minutes.)
const MAX_SHOWN: usize = 512;

fn clean(s: &str) -> String {
    let s = sanitize_terminal(s);
    match s.char_indices().nth(MAX_SHOWN) {
        None => s,
        Some((i, _)) => {
            let more = s[i..].chars().count();
            format!("{}… ({more} more characters)", &s[..i])
        }
    }
}

/// A frame, with the source line under it when `--source` found it.
fn with_source(site: String, line: Option<&crate::classify::source::SourceSnippet>) -> String {
    match line {
        Some(l) => format!("{}\n  {}: {}", clean(&site), l.line, clean(&l.text)),
        None => clean(&site),
    }
}

/// A site cell with the other groups the finding reports (a connection's
/// other loop, groups of one population), at most two, then how many more.
fn with_related(mut site: String, f: &crate::classify::Finding) -> String {
    const SHOWN: usize = 2;
    let sites: Vec<&crate::model::FrameRef> =
        f.related.iter().filter_map(|r| r.site.as_ref()).collect();
    for s in sites.iter().take(SHOWN) {
        site.push_str(&format!("\n+ {}", clean(&frame_site(s))));
    }
    if sites.len() > SHOWN {
        site.push_str(&format!("\n+ {} more groups", sites.len() - SHOWN));
    }
    site
}

/// `3/4` and the instances' names (at most a few).
fn instances_cell(f: &crate::classify::Finding) -> String {
    let Some(n) = f.instances_total else {
        return String::new();
    };
    const SHOWN: usize = 4;
    let mut names: Vec<String> = f
        .instances
        .iter()
        .take(SHOWN)
        .map(|i| clean(&i.name))
        .collect();
    if f.instances.len() > SHOWN {
        names.push(format!("… {} more", f.instances.len() - SHOWN));
    }
    format!("{}/{n}\n{}", f.instances.len(), names.join("\n"))
}

impl Exporter for Table {
    fn analysis(&self, r: &AnalysisReport, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "Snapshots:")?;
        for (i, s) in r.snapshots.iter().enumerate() {
            let mut line = format!(
                "  {}. {} ({}, {}",
                i + 1,
                clean(&s.name()),
                s.profile,
                s.format
            );
            if let Some(g) = s.goroutines {
                line.push_str(&format!(", {g} goroutines"));
            }
            if let Some(t) = &s.time {
                line.push_str(&format!(", {t}"));
            }
            line.push(')');
            writeln!(w, "{line}")?;
        }
        writeln!(w)?;
        if r.findings.is_empty() {
            writeln!(w, "No leaks found.")?;
        } else {
            let instances = r.findings.iter().any(|f| f.instances_total.is_some());
            let mut header = vec!["#", "Severity", "Pattern"];
            if instances {
                header.push("Instances");
            }
            header.extend(["Counts", "Wait", "Leaking site", "Created by"]);
            let mut t = self.new_table(&header);
            for f in &r.findings {
                let mut wait = f.wait.as_str().to_string();
                if f.kind == crate::classify::FindingKind::Heap {
                    wait = "heap".into();
                }
                if let Some(m) = f.max_wait_minutes.filter(|&m| m > 0) {
                    wait.push_str(&format!(", {m} min"));
                }
                let mut pattern = f.pattern.clone();
                if !f.alternatives.is_empty() {
                    pattern.push_str(&format!("\n(or {})", f.alternatives.join(", ")));
                }
                let mut row = vec![
                    Cell::new(f.rank),
                    self.severity(f.severity),
                    Cell::new(pattern),
                ];
                if instances {
                    row.push(Cell::new(instances_cell(f)));
                }
                row.extend([
                    Cell::new(format!(
                        "{} {}",
                        sparkline(&f.counts),
                        fmt_counts(&f.counts, f.unit)
                    )),
                    Cell::new(wait),
                    Cell::new(with_related(
                        with_source(
                            f.site.as_ref().map(frame_site).unwrap_or_default(),
                            f.source.as_ref().and_then(|s| s.site.as_ref()),
                        ),
                        f,
                    )),
                    Cell::new(with_source(
                        f.created_by.as_ref().map(frame_site).unwrap_or_default(),
                        f.source.as_ref().and_then(|s| s.go_statement.as_ref()),
                    )),
                ]);
                t.add_row(row);
            }
            writeln!(w, "{t}")?;
            let summary = super::severity_summary(&r.findings);
            writeln!(
                w,
                "{} finding{}: {}. Explanations and fixes: --format markdown; catalog: leakdiff catalog ID.",
                r.findings.len(),
                if r.findings.len() == 1 { "" } else { "s" },
                summary
            )?;
        }
        for n in &r.notes {
            writeln!(w, "note: {}", clean(n))?;
        }
        Ok(())
    }

    fn fleet(&self, r: &FleetReport, w: &mut dyn Write) -> io::Result<()> {
        use crate::classify::instances::{leaked_bytes, leaked_goroutines};
        let instances: usize = r.services.iter().map(|s| s.instances.len()).sum();
        writeln!(
            w,
            "Fleet: {} services, {} instances.\n",
            r.services.len(),
            instances
        )?;
        let leaks: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.finding.severity >= Severity::Medium)
            .collect();
        if leaks.is_empty() {
            writeln!(w, "No leaks at medium or above.")?;
        } else {
            let mut t = self.new_table(&[
                "#",
                "Service",
                "Severity",
                "Pattern",
                "Instances",
                "Leaked",
                "Leaking site",
            ]);
            for f in &leaks {
                let g = leaked_goroutines(&f.finding);
                let b = leaked_bytes(&f.finding);
                let mut leaked = Vec::new();
                if g > 0 || b == 0 {
                    leaked.push(format!("{g} goroutines"));
                }
                if b > 0 {
                    leaked.push(fmt_value(b, "bytes"));
                }
                t.add_row(vec![
                    Cell::new(f.finding.rank),
                    Cell::new(clean(&f.service)),
                    self.severity(f.finding.severity),
                    Cell::new(&f.finding.pattern),
                    Cell::new(instances_cell(&f.finding)),
                    Cell::new(leaked.join("\n")),
                    Cell::new(clean(
                        &f.finding.site.as_ref().map(frame_site).unwrap_or_default(),
                    )),
                ]);
            }
            writeln!(w, "{t}")?;
        }
        let below = r.findings.len() - leaks.len();
        if below > 0 {
            writeln!(
                w,
                "{below} finding{} below medium not shown (--format jsonl lists every finding).",
                if below == 1 { "" } else { "s" }
            )?;
        }
        for s in r.services.iter().filter(|s| s.error.is_some()) {
            writeln!(
                w,
                "skipped: {}: {}",
                clean(&s.name),
                clean(s.error.as_deref().unwrap_or_default())
            )?;
        }
        for n in &r.notes {
            writeln!(w, "note: {}", clean(n))?;
        }
        Ok(())
    }

    fn show(&self, r: &ShowReport, w: &mut dyn Write) -> io::Result<()> {
        for (i, s) in r.snapshots.iter().enumerate() {
            if i > 0 {
                writeln!(w)?;
            }
            let mut head = format!(
                "{} ({}, {}",
                clean(&s.info.name()),
                s.info.profile,
                s.info.format
            );
            if let Some(g) = s.info.goroutines {
                head.push_str(&format!(", {g} goroutines"));
            }
            head.push_str(&format!(", {} groups", s.groups.len()));
            if let Some(t) = &s.info.time {
                head.push_str(&format!(", {t}"));
            }
            head.push(')');
            writeln!(w, "{head}")?;
            let value_header = if s.info.goroutines.is_some() {
                "Count".to_string()
            } else {
                clean(&s.value_type)
            };
            let mut t = self.new_table(&[
                &value_header,
                "Wait",
                "Minutes",
                "Stack (leaf first)",
                "Created by",
                "Labels",
            ]);
            for g in &s.groups {
                let mut stack: Vec<String> = g
                    .frames
                    .iter()
                    .take(MAX_FRAMES)
                    .map(|f| clean(&frame_site(f)))
                    .collect();
                if g.frames.len() > MAX_FRAMES {
                    stack.push(format!("… {} more frames", g.frames.len() - MAX_FRAMES));
                }
                let minutes = g.minutes_text();
                let labels: Vec<String> = g
                    .labels
                    .iter()
                    .map(|(k, v)| clean(&format!("{k}={}", v.join("|"))))
                    .collect();
                let mut wait = if s.info.goroutines.is_some() {
                    g.wait.as_str().to_string()
                } else {
                    String::new()
                };
                if g.leaked > 0 {
                    wait.push_str(&format!("\n({} leaked)", g.leaked));
                }
                let mut created = g
                    .created_by
                    .as_ref()
                    .map(|c| clean(&frame_site(c)))
                    .unwrap_or_default();
                if g.parents > 1 {
                    created.push_str(&format!("\nfrom {} parent goroutines", g.parents));
                }
                t.add_row(vec![
                    Cell::new(fmt_value(g.value, &s.unit)),
                    Cell::new(wait),
                    Cell::new(minutes),
                    Cell::new(stack.join("\n")),
                    Cell::new(created),
                    Cell::new(labels.join("\n")),
                ]);
            }
            writeln!(w, "{t}")?;
            for warn in &s.warnings {
                writeln!(w, "warning: {}", clean(warn))?;
            }
        }
        Ok(())
    }

    fn profile_diff(&self, d: &ProfileDiff, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "{} profile, {} ({}): {} → {} ({})",
            d.profile,
            clean(&d.sample_type),
            clean(&d.unit),
            fmt_value(d.base_total, &d.unit),
            fmt_value(d.new_total, &d.unit),
            clean(&format!("{} → {}", d.base, d.new))
        )?;
        if d.rows.is_empty() {
            writeln!(w, "No site changed.")?;
            return self.gate(d, w);
        }
        let mut t = self.new_table(&["Delta", "Relative", "Base", "New", "Site"]);
        for r in &d.rows {
            let delta = Cell::new(format!(
                "{}{}",
                if r.delta > 0 { "+" } else { "" },
                fmt_value(r.delta, &d.unit)
            ));
            let delta = match (self.style.color, r.delta > 0) {
                (true, true) => delta.fg(Color::Red),
                (true, false) => delta.fg(Color::Green),
                _ => delta,
            };
            t.add_row(vec![
                delta,
                Cell::new(fmt_relative(r.relative)),
                Cell::new(fmt_value(r.base, &d.unit)),
                Cell::new(fmt_value(r.new, &d.unit)),
                Cell::new(clean(&frame_site(&r.site))),
            ]);
        }
        writeln!(w, "{t}")?;
        self.gate(d, w)
    }

    fn catalog(&self, entries: &[&Compiled], w: &mut dyn Write) -> io::Result<()> {
        if entries.len() == 1 {
            let e = &entries[0].entry;
            writeln!(w, "{} — {}", e.id, e.title)?;
            writeln!(w, "kind: {}   severity: {}", e.kind.as_str(), e.severity)?;
            for (h, body) in [
                ("How it shows", &e.shows),
                ("Why it leaks", &e.why),
                ("Fix", &e.fix),
            ] {
                writeln!(w, "\n{h}:\n{}", body.trim())?;
            }
            writeln!(w, "\n{}", e.snippet.trim_matches('\n'))?;
            if !e.alternatives.is_empty() {
                writeln!(w, "\nOften confused with: {}", e.alternatives.join(", "))?;
            }
            if !e.decide.is_empty() {
                writeln!(w, "What decides: {}", e.decide.trim())?;
            }
            if !e.references.is_empty() {
                writeln!(w, "\nReferences:")?;
                for r in &e.references {
                    writeln!(w, "  {r}")?;
                }
            }
            return Ok(());
        }
        let mut t = self.new_table(&["Id", "Kind", "Severity", "Title"]);
        for c in entries {
            let e = &c.entry;
            t.add_row(vec![
                Cell::new(&e.id),
                Cell::new(if e.kind == crate::classify::catalog::EntryKind::Heap {
                    "heap"
                } else {
                    "goroutine"
                }),
                self.severity(e.severity),
                Cell::new(&e.title),
            ]);
        }
        writeln!(w, "{t}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_cut() {
        assert_eq!(clean("main.f"), "main.f");
        let long = format!("main.{}", "é".repeat(600));
        let c = clean(&long);
        assert!(c.ends_with("… (93 more characters)"), "{c}");
        assert_eq!(
            c.chars().count(),
            512 + "… (93 more characters)".chars().count()
        );
    }
}
