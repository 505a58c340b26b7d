//! SARIF 2.1.0 for code scanning (`analyze --format sarif`), built with the
//! `serde-sarif` types rather than by hand: one run, one rule per pattern
//! (the catalog's title, explanation and fix), one result per finding with
//! its level from the severity, located at the blocking line and, as a
//! related location, the `go` statement. With `--source`, paths are relative
//! to the source root they were found under (`uriBaseId` `%SRCROOT%`, then
//! `%SRCROOT2%` … for further roots), so a code-scanning upload from the
//! repository root places them on the right lines.

use super::{AnalysisReport, Exporter, ShowReport};
use crate::classify::catalog::Compiled;
use crate::classify::source::SourceSnippet;
use crate::classify::{Finding, FindingKind, Severity};
use crate::diff::ProfileDiff;
use crate::model::FrameRef;
use crate::text::fmt_value;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif as SarifLog, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// The `$schema` of the log (the schema GitHub code scanning documents).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Key of the finding's stable id in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "leakdiffFindingId/v1";

pub struct Sarif;

impl Exporter for Sarif {
    fn analysis(&self, r: &AnalysisReport, w: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, &log(r)).map_err(io::Error::other)?;
        writeln!(w)
    }

    fn show(&self, _: &ShowReport, _: &mut dyn Write) -> io::Result<()> {
        Err(only_analyze())
    }

    fn catalog(&self, _: &[&Compiled], _: &mut dyn Write) -> io::Result<()> {
        Err(only_analyze())
    }

    fn profile_diff(&self, _: &ProfileDiff, _: &mut dyn Write) -> io::Result<()> {
        Err(only_analyze())
    }
}

fn only_analyze() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "SARIF output is written by analyze only",
    )
}

/// The SARIF level of a severity: critical and high are errors, medium a
/// warning, low and info notes.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// The whole log of an analysis.
pub fn log(r: &AnalysisReport) -> SarifLog {
    let roots = Roots::new(&r.source_roots);
    let mut rules: Vec<ReportingDescriptor> = Vec::new();
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut results = Vec::with_capacity(r.findings.len());
    for f in &r.findings {
        let index = *rule_index.entry(f.pattern.as_str()).or_insert_with(|| {
            rules.push(rule(f));
            rules.len() - 1
        });
        results.push(result(f, index, &roots));
    }
    let driver = ToolComponent::builder()
        .name("leakdiff")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let notifications: Vec<Notification> = r
        .notes
        .iter()
        .map(|n| {
            Notification::builder()
                .message(text(n))
                .level(json!("note"))
                .build()
        })
        .collect();
    let invocation = if notifications.is_empty() {
        Invocation::builder().execution_successful(true).build()
    } else {
        Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(notifications)
            .build()
    };
    let base_ids = roots.base_ids();
    let run = if base_ids.is_empty() {
        Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .invocations(vec![invocation])
            .results(results)
            .build()
    } else {
        Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .invocations(vec![invocation])
            .original_uri_base_ids(base_ids)
            .results(results)
            .build()
    };
    SarifLog::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn text(s: &str) -> Message {
    Message::builder().text(s).build()
}

/// `timeout-leak` → `TimeoutLeak`.
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The rule of a pattern, from the catalog text its findings carry.
fn rule(f: &Finding) -> ReportingDescriptor {
    let help_text = format!("{}\n\nFix: {}", f.explanation, f.fix);
    let mut help_md = format!("{}\n\n**Fix.** {}", f.explanation, f.fix);
    if !f.snippet.is_empty() {
        help_md.push_str(&format!("\n\n```go\n{}\n```", f.snippet));
    }
    if !f.references.is_empty() {
        help_md.push_str("\n\nReferences:\n");
        for r in &f.references {
            help_md.push_str(&format!("\n- <{r}>"));
        }
    }
    let kind = match f.kind {
        FindingKind::Goroutine => "goroutine-leak",
        FindingKind::Heap => "memory-leak",
    };
    let mut props = BTreeMap::new();
    props.insert("fix".to_string(), json!(f.fix));
    let props = PropertyBag::builder()
        .tags(vec!["leak".to_string(), kind.to_string()])
        .additional_properties(props)
        .build();
    let d = ReportingDescriptor::builder()
        .id(f.pattern.clone())
        .name(pascal(&f.pattern))
        .short_description(MultiformatMessageString::builder().text(&f.title).build())
        .full_description(
            MultiformatMessageString::builder()
                .text(&f.explanation)
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_md)
                .build(),
        )
        .properties(props);
    match f.references.iter().find(|r| r.starts_with("https://")) {
        Some(uri) => d.help_uri(uri.clone()).build(),
        None => d.build(),
    }
}

/// The counts of a finding as `10 → 20 → 30 goroutines`.
fn counts(f: &Finding) -> String {
    let unit = if f.unit == "bytes" { "bytes" } else { "" };
    let values: Vec<String> = f.counts.iter().map(|&v| fmt_value(v, unit)).collect();
    match f.kind {
        FindingKind::Goroutine => format!("{} goroutines", values.join(" → ")),
        FindingKind::Heap if unit == "bytes" => values.join(" → "),
        FindingKind::Heap => format!("{} {}", values.join(" → "), f.unit),
    }
}

fn result(f: &Finding, rule_index: usize, roots: &Roots) -> SarifResult {
    let site = f.site.as_ref().or(f.frames.first());
    let go_stmt = go_location(f, roots);
    let mut msg = format!("{}: {} ({})", f.title, counts(f), f.trend.as_str());
    match f.kind {
        FindingKind::Goroutine => {
            msg.push_str(&format!(", blocked in {}", f.wait.as_str()));
            if let Some(s) = site {
                msg.push_str(&format!(" in {}", s.function));
            }
            if let Some(c) = &f.created_by {
                if go_stmt.is_some() {
                    msg.push_str(&format!(
                        "; started by the [go statement](1) in {}",
                        c.function
                    ));
                } else {
                    msg.push_str(&format!("; started in {}", c.function));
                }
            }
        }
        FindingKind::Heap => {
            if let Some(s) = site {
                msg.push_str(&format!(", allocated in {}", s.function));
            }
        }
    }
    msg.push_str(&format!(
        ". Severity {}, confidence {:.0}%.",
        f.severity,
        f.confidence * 100.0
    ));
    if let Some(e) = f.evidence.first() {
        msg.push_str(&format!(" {e}."));
    }
    let primary = site_location(f, site, roots);
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.id.clone());
    let mut props = BTreeMap::new();
    props.insert("findingId".to_string(), json!(f.id));
    props.insert("severity".to_string(), json!(f.severity));
    props.insert("confidence".to_string(), json!(f.confidence));
    props.insert("profile".to_string(), json!(f.profile.as_str()));
    props.insert("counts".to_string(), json!(f.counts));
    props.insert("unit".to_string(), json!(f.unit));
    props.insert("trend".to_string(), json!(f.trend));
    props.insert("alternatives".to_string(), json!(f.alternatives));
    props.insert("evidence".to_string(), json!(f.evidence));
    if !f.decide.is_empty() {
        props.insert("decide".to_string(), json!(f.decide));
    }
    let b = SarifResult::builder()
        .rule_id(f.pattern.clone())
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(text(&msg))
        .locations(primary.into_iter().collect::<Vec<_>>())
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build());
    match go_stmt {
        Some(g) => b.related_locations(vec![g]).build(),
        None => b.build(),
    }
}

/// The blocking line (goroutines) or allocation site (heap): the source
/// line when `--source` found it, else the frame as the profile names it.
fn site_location(f: &Finding, site: Option<&FrameRef>, roots: &Roots) -> Option<Location> {
    let what = match f.kind {
        FindingKind::Goroutine => "blocking line",
        FindingKind::Heap => "allocation site",
    };
    let snippet = f.source.as_ref().and_then(|s| s.site.as_ref());
    let mut loc = location(snippet, site, what, roots)?;
    if let Some(s) = site {
        loc.logical_locations = Some(vec![LogicalLocation::builder()
            .fully_qualified_name(s.function.clone())
            .kind("function")
            .build()]);
    }
    Some(loc)
}

/// The `go` statement that started the goroutines, as related location 1.
fn go_location(f: &Finding, roots: &Roots) -> Option<Location> {
    if f.kind != FindingKind::Goroutine {
        return None;
    }
    let snippet = f.source.as_ref().and_then(|s| s.go_statement.as_ref());
    let mut loc = location(snippet, f.created_by.as_ref(), "go statement", roots)?;
    loc.id = Some(1);
    Some(loc)
}

fn location(
    snippet: Option<&SourceSnippet>,
    frame: Option<&FrameRef>,
    what: &str,
    roots: &Roots,
) -> Option<Location> {
    let (artifact, line) = match (snippet, frame) {
        (Some(s), _) => (roots.artifact(&s.path), s.line),
        (None, Some(fr)) if !fr.file.is_empty() => (
            ArtifactLocation::builder().uri(encode(&fr.file)).build(),
            fr.line,
        ),
        _ => return None,
    };
    let physical = if line > 0 {
        PhysicalLocation::builder()
            .artifact_location(artifact)
            .region(Region::builder().start_line(i64::from(line)).build())
            .build()
    } else {
        PhysicalLocation::builder()
            .artifact_location(artifact)
            .build()
    };
    Some(
        Location::builder()
            .physical_location(physical)
            .message(text(what))
            .build(),
    )
}

/// The `--source` roots and the base ids their files are relative to.
struct Roots {
    roots: Vec<(PathBuf, Option<PathBuf>)>,
}

impl Roots {
    fn new(roots: &[PathBuf]) -> Roots {
        Roots {
            roots: roots
                .iter()
                .map(|r| (r.clone(), r.canonicalize().ok()))
                .collect(),
        }
    }

    fn base_id(i: usize) -> String {
        if i == 0 {
            "%SRCROOT%".to_string()
        } else {
            format!("%SRCROOT{}%", i + 1)
        }
    }

    /// `originalUriBaseIds`: each root as an absolute `file:` URI ending
    /// in `/`, as SARIF requires.
    fn base_ids(&self) -> BTreeMap<String, ArtifactLocation> {
        self.roots
            .iter()
            .enumerate()
            .filter_map(|(i, (_, canon))| {
                let c = canon.as_ref()?;
                let mut uri = file_uri(c);
                if !uri.ends_with('/') {
                    uri.push('/');
                }
                Some((
                    Self::base_id(i),
                    ArtifactLocation::builder().uri(uri).build(),
                ))
            })
            .collect()
    }

    /// A local file found under a root: its path relative to the root, with
    /// the root's base id; a file outside every root: its `file:` URI.
    fn artifact(&self, path: &str) -> ArtifactLocation {
        let p = Path::new(path);
        for (i, (root, canon)) in self.roots.iter().enumerate() {
            let rest = p
                .strip_prefix(root)
                .ok()
                .map(Path::to_path_buf)
                .or_else(|| {
                    let c = canon.as_ref()?;
                    p.canonicalize()
                        .ok()?
                        .strip_prefix(c)
                        .ok()
                        .map(Path::to_path_buf)
                });
            if let Some(rest) = rest {
                return ArtifactLocation::builder()
                    .uri(relative_uri(&rest))
                    .uri_base_id(Self::base_id(i))
                    .build();
            }
        }
        let uri = if p.is_absolute() {
            file_uri(p)
        } else {
            relative_uri(p)
        };
        ArtifactLocation::builder().uri(uri).build()
    }
}

/// Path components joined by `/`, each percent-encoded.
fn relative_uri(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(encode(&s.to_string_lossy())),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn file_uri(p: &Path) -> String {
    let rel = relative_uri(p);
    match p.components().next() {
        // Windows: file:///C:/dir/…
        Some(Component::Prefix(pre)) => {
            let drive = pre.as_os_str().to_string_lossy().replace('\\', "/");
            format!("file:///{}/{rel}", drive.trim_end_matches('/'))
        }
        _ => format!("file:///{rel}"),
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_severity() {
        let l = |s| serde_json::to_value(level(s)).unwrap();
        assert_eq!(l(Severity::Critical), "error");
        assert_eq!(l(Severity::High), "error");
        assert_eq!(l(Severity::Medium), "warning");
        assert_eq!(l(Severity::Low), "note");
        assert_eq!(l(Severity::Info), "note");
    }

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("timeout-leak"), "TimeoutLeak");
        assert_eq!(pascal("ncast"), "Ncast");
        assert_eq!(encode("a b/ü#.go"), "a%20b/%C3%BC%23.go");
        let roots = Roots::new(&[PathBuf::from("testdata/go")]);
        let a = roots.artifact("testdata/go/timeout-leak/main.go");
        assert_eq!(a.uri.as_deref(), Some("timeout-leak/main.go"));
        assert_eq!(a.uri_base_id.as_deref(), Some("%SRCROOT%"));
        let a = roots.artifact("/elsewhere/x y.go");
        assert_eq!(a.uri.as_deref(), Some("file:///elsewhere/x%20y.go"));
        assert_eq!(a.uri_base_id, None);
    }
}
