//! Markdown for incident tickets. Untrusted strings are put in code spans or
//! fenced blocks whose fence is longer than any backtick run inside, with
//! pipes escaped, so a crafted name can neither break a table nor inject
//! links, images or HTML.

use super::{fmt_relative, frame_site, sparkline, AnalysisReport, Exporter, ShowReport};
use crate::classify::catalog::{Compiled, EntryKind};
use crate::classify::{Finding, FindingKind};
use crate::diff::ProfileDiff;
use crate::model::FrameRef;
use crate::text::{fmt_counts, fmt_value, sanitize_terminal};
use std::io::{self, Write};

pub struct Markdown;

fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for c in s.chars() {
        if c == '`' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// Untrusted text as an inline code span, safe inside a table cell.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let s = sanitize_terminal(s)
        .replace(['\n', '\r'], " ")
        .replace('|', "\\|");
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Escapes Markdown punctuation in untrusted prose, and breaks the
/// autolinks GitHub makes of bare `http://…`, `www.…` and e-mail addresses
/// (an escaped `:`, `.` or `@` renders the same, but links nothing).
pub fn escape(s: &str) -> String {
    let s = sanitize_terminal(s);
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '@' => {
                out.push('\\');
                out.push(c);
            }
            ':' if s[i..].starts_with("://") => out.push_str("\\:"),
            '.' if i >= 3 && s.as_bytes()[i - 3..i].eq_ignore_ascii_case(b"www") => {
                out.push_str("\\.")
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Untrusted text inside raw HTML (where Markdown escapes do not apply).
pub fn html(s: &str) -> String {
    let s = sanitize_terminal(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A fenced block that no line of `body` can close.
pub fn fenced(lang: &str, body: &str) -> String {
    let body: Vec<String> = body
        .trim_matches('\n')
        .lines()
        .map(sanitize_terminal)
        .collect();
    let body = body.join("\n");
    let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
    format!("{fence}{lang}\n{body}\n{fence}\n")
}

fn frame_code(f: &FrameRef) -> String {
    code(&frame_site(f))
}

fn stack_text(frames: &[FrameRef]) -> String {
    let mut s = String::new();
    for f in frames {
        s.push_str(&f.function);
        s.push('\n');
        if !f.file.is_empty() {
            s.push_str(&format!("\t{}:{}\n", f.file, f.line));
        }
    }
    s
}

fn finding_section(f: &Finding, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "## {}. [{}] {} — {}",
        f.rank,
        f.severity,
        f.pattern,
        escape(&f.title)
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "- **Counts:** {} {} {} ({})",
        sparkline(&f.counts),
        fmt_counts(&f.counts, f.unit),
        f.unit,
        f.trend.as_str()
    )?;
    if f.kind == FindingKind::Goroutine {
        let mut wait = f.wait.as_str().to_string();
        if let Some(m) = f.max_wait_minutes.filter(|&m| m > 0) {
            wait.push_str(&format!(", up to {m} minutes"));
        }
        writeln!(w, "- **Blocked in:** {wait}")?;
    }
    if let Some(s) = &f.site {
        writeln!(w, "- **Leaking site:** {}", frame_code(s))?;
    }
    for r in &f.related {
        if let Some(s) = &r.site {
            writeln!(
                w,
                "- **With:** {} ({}, {})",
                frame_code(s),
                fmt_counts(&r.counts, f.unit),
                r.wait.as_str()
            )?;
        }
    }
    if let Some(c) = &f.created_by {
        writeln!(w, "- **Created by:** {}", frame_code(c))?;
    }
    if !f.labels.is_empty() {
        let l: Vec<String> = f
            .labels
            .iter()
            .map(|(k, v)| code(&format!("{k}={}", v.join("|"))))
            .collect();
        writeln!(w, "- **Labels:** {}", l.join(", "))?;
    }
    writeln!(
        w,
        "- **Confidence:** {:.2} (score {:.1}, id `{}`)",
        f.confidence, f.score, f.id
    )?;
    if !f.alternatives.is_empty() {
        writeln!(
            w,
            "- **Could also be:** {}",
            f.alternatives
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    if let Some(n) = f.instances_total {
        let list: Vec<String> = f
            .instances
            .iter()
            .map(|i| {
                let mut s = format!(
                    "{} ({}, {}, {}",
                    code(&i.name),
                    i.severity,
                    i.trend.as_str(),
                    fmt_counts(&i.counts, f.unit)
                );
                if let Some(p) = i.survivors {
                    s.push_str(&format!(", {p} surviving ids"));
                }
                s.push(')');
                s
            })
            .collect();
        writeln!(
            w,
            "- **Instances:** {} of {n}: {}",
            f.instances.len(),
            list.join("; ")
        )?;
    }
    writeln!(w, "\n**Evidence**\n")?;
    for e in &f.evidence {
        writeln!(w, "- {}", escape(e))?;
    }
    if !f.decide.is_empty() {
        writeln!(
            w,
            "\n**What would decide between the candidates:** {}",
            escape(&f.decide)
        )?;
    }
    if let Some(src) = &f.source {
        for (title, snip) in [
            ("Leaking line", &src.site),
            ("go statement", &src.go_statement),
        ] {
            if let Some(sn) = snip {
                writeln!(w, "\n**{title}** ({}:{})\n", code(&sn.path), sn.line)?;
                let body: Vec<String> = sn
                    .context
                    .iter()
                    .map(|(n, t)| format!("{}{n:>5}  {t}", if *n == sn.line { ">" } else { " " }))
                    .collect();
                write!(w, "{}", fenced("go", &body.join("\n")))?;
            }
        }
    }
    writeln!(w, "\n**Stack** (leaf first)\n")?;
    let mut stack = stack_text(&f.frames);
    if let Some(c) = &f.created_by {
        stack.push_str(&format!(
            "created by {}\n\t{}:{}\n",
            c.function, c.file, c.line
        ));
    }
    write!(w, "{}", fenced("text", &stack))?;
    writeln!(w, "\n**Why it leaks.** {}\n", f.explanation.trim())?;
    writeln!(w, "**Fix.** {}\n", f.fix.trim())?;
    write!(w, "{}", fenced("go", &f.snippet))?;
    if !f.references.is_empty() {
        writeln!(
            w,
            "\n**References:** {}",
            f.references
                .iter()
                .map(|r| format!("<{r}>"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    writeln!(w)
}

impl Exporter for Markdown {
    fn analysis(&self, r: &AnalysisReport, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "# leakdiff report\n")?;
        if r.findings.is_empty() {
            writeln!(w, "No leaks found in {} snapshots.\n", r.snapshots.len())?;
        } else {
            let summary = super::severity_summary(&r.findings);
            writeln!(
                w,
                "**{} finding{}** ({}) across {} snapshots.\n",
                r.findings.len(),
                if r.findings.len() == 1 { "" } else { "s" },
                summary,
                r.snapshots.len()
            )?;
            writeln!(
                w,
                "| # | Severity | Pattern | Counts | Blocked in | Leaking site |"
            )?;
            writeln!(w, "|---|---|---|---|---|---|")?;
            for f in &r.findings {
                let wait = if f.kind == FindingKind::Heap {
                    "heap".to_string()
                } else {
                    f.wait.to_string()
                };
                writeln!(
                    w,
                    "| {} | {} | `{}` | {} {} | {} | {} |",
                    f.rank,
                    f.severity,
                    f.pattern,
                    sparkline(&f.counts),
                    fmt_counts(&f.counts, f.unit),
                    wait,
                    f.site.as_ref().map(frame_code).unwrap_or_default()
                )?;
            }
            writeln!(w)?;
            for f in &r.findings {
                finding_section(f, w)?;
            }
        }
        writeln!(w, "## Snapshots\n")?;
        writeln!(w, "| # | File | Format | Profile | Time | Goroutines |")?;
        writeln!(w, "|---|---|---|---|---|---|")?;
        for (i, s) in r.snapshots.iter().enumerate() {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} |",
                i + 1,
                code(&s.name()),
                s.format,
                s.profile,
                s.time.clone().unwrap_or_default(),
                s.goroutines.map(|g| g.to_string()).unwrap_or_default()
            )?;
        }
        if !r.notes.is_empty() {
            writeln!(w, "\n**Notes**\n")?;
            for n in &r.notes {
                writeln!(w, "- {}", escape(n))?;
            }
        }
        Ok(())
    }

    fn show(&self, r: &ShowReport, w: &mut dyn Write) -> io::Result<()> {
        for s in &r.snapshots {
            writeln!(w, "## {}\n", code(&s.info.name()))?;
            let mut meta = format!("{} profile, {} format", s.info.profile, s.info.format);
            if let Some(g) = s.info.goroutines {
                meta.push_str(&format!(", {g} goroutines"));
            }
            if let Some(t) = &s.info.time {
                meta.push_str(&format!(", {t}"));
            }
            writeln!(w, "{meta}, {} groups.\n", s.groups.len())?;
            writeln!(
                w,
                "| Count | Blocked in | Minutes | Leaf site | Created by | Labels |"
            )?;
            writeln!(w, "|---|---|---|---|---|---|")?;
            for g in &s.groups {
                let site = g.site();
                let minutes = g.minutes_text();
                let labels: Vec<String> = g
                    .labels
                    .iter()
                    .map(|(k, v)| code(&format!("{k}={}", v.join("|"))))
                    .collect();
                writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} |",
                    fmt_value(g.value, &s.unit),
                    if s.info.goroutines.is_some() {
                        g.wait.as_str()
                    } else {
                        ""
                    },
                    minutes,
                    site.map(frame_code).unwrap_or_default(),
                    g.created_by.as_ref().map(frame_code).unwrap_or_default(),
                    labels.join(" ")
                )?;
            }
            writeln!(w)?;
            for (i, g) in s.groups.iter().enumerate() {
                writeln!(
                    w,
                    "<details><summary>Group {} ({} {})</summary>\n",
                    i + 1,
                    fmt_value(g.value, &s.unit),
                    html(&s.unit)
                )?;
                write!(w, "{}", fenced("text", &stack_text(&g.frames)))?;
                writeln!(w, "\n</details>\n")?;
            }
            for warn in &s.warnings {
                writeln!(w, "> warning: {}\n", escape(warn))?;
            }
        }
        Ok(())
    }

    fn profile_diff(&self, d: &ProfileDiff, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "# leakdiff diff: {} profile, {}\n",
            d.profile,
            escape(&d.sample_type)
        )?;
        writeln!(
            w,
            "{} → {}: {} → {}\n",
            code(&d.base),
            code(&d.new),
            fmt_value(d.base_total, &d.unit),
            fmt_value(d.new_total, &d.unit)
        )?;
        writeln!(w, "| Delta | Relative | Base | New | Site |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for r in &d.rows {
            writeln!(
                w,
                "| {}{} | {} | {} | {} | {} |",
                if r.delta > 0 { "+" } else { "" },
                fmt_value(r.delta, &d.unit),
                fmt_relative(r.relative),
                fmt_value(r.base, &d.unit),
                fmt_value(r.new, &d.unit),
                frame_code(&r.site)
            )?;
        }
        if let Some(g) = &d.gate {
            let verdict = if g.failed {
                format!("**FAILED**, {} grew past it", g.crossings.len())
            } else {
                "passed, nothing grew past it".to_string()
            };
            writeln!(w, "\n**Gate** {}: {verdict}\n", code(&g.describe(&d.unit)))?;
            for c in &g.crossings {
                writeln!(
                    w,
                    "- {}: {} → {} (+{}, {})",
                    match &c.site {
                        Some(f) => frame_code(f),
                        None => "total".to_string(),
                    },
                    fmt_value(c.base, &d.unit),
                    fmt_value(c.new, &d.unit),
                    fmt_value(c.delta, &d.unit),
                    fmt_relative(c.relative)
                )?;
            }
        }
        Ok(())
    }

    fn catalog(&self, entries: &[&Compiled], w: &mut dyn Write) -> io::Result<()> {
        for c in entries {
            let e = &c.entry;
            let kind = if e.kind == EntryKind::Heap {
                "heap"
            } else {
                "goroutine"
            };
            writeln!(w, "## `{}` — {}\n", e.id, e.title)?;
            writeln!(w, "*{kind}, severity {}*\n", e.severity)?;
            writeln!(w, "**How it shows.** {}\n", e.shows.trim())?;
            writeln!(w, "**Why it leaks.** {}\n", e.why.trim())?;
            writeln!(w, "**Fix.** {}\n", e.fix.trim())?;
            write!(w, "{}", fenced("go", &e.snippet))?;
            if !e.alternatives.is_empty() {
                writeln!(
                    w,
                    "\n**Often confused with:** {}",
                    e.alternatives
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
            if !e.decide.is_empty() {
                writeln!(w, "\n**What decides:** {}", e.decide.trim())?;
            }
            if !e.references.is_empty() {
                writeln!(
                    w,
                    "\n**References:** {}",
                    e.references
                        .iter()
                        .map(|r| format!("<{r}>"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            }
            writeln!(w)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_crafted_names() {
        assert_eq!(code("main.f"), "`main.f`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x"), "`` `x ``");
        assert!(!code("evil\n| injected | row |").contains('\n'));
    }

    #[test]
    fn prose_is_escaped() {
        assert_eq!(escape("[click](http://x)"), "\\[click\\](http\\://x)");
        assert_eq!(escape("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(
            escape("see https://evil.example and WWW.evil.example, bob@evil.example"),
            "see https\\://evil.example and WWW\\.evil.example, bob\\@evil.example"
        );
        assert_eq!(escape("&#x5b;x&#x5d;"), "\\&#x5b;x\\&#x5d;");
        assert_eq!(escape("main.f:12"), "main.f:12");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html("<script>\"x\"&'</script>"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn fences_cannot_be_closed_from_inside() {
        let f = fenced("text", "a\n```\nb");
        assert!(f.starts_with("````text\n"));
    }
}
