//! The leak catalog: signatures kept as data in `catalog/*.toml`, embedded in
//! the binary, extended or overridden with `--catalog FILE`.

use crate::error::Error;
use crate::model::BlockingOp;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn down(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            _ => Severity::Info,
        }
    }

    pub fn up(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of snapshot an entry classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Goroutine,
    Heap,
    /// Shows in goroutine dumps (ops, frames) and in heap profiles
    /// (alloc_frames), e.g. an unstopped ticker or an uncancelled context.
    Both,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Goroutine => "goroutine",
            EntryKind::Heap => "heap",
            EntryKind::Both => "both",
        }
    }
}

/// Structural rules computed in code (named in an entry's `signature.rules`).
pub const RULES: [&str; 5] = [
    "siblings_from_one_parent",
    "never_wakes",
    "grows_with_pair",
    "needs_source",
    "frames_or_ops",
];

/// The stack signature of an entry, as written in the TOML file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    #[serde(default)]
    pub ops: Vec<String>,
    #[serde(default)]
    pub frames: Vec<String>,
    #[serde(default)]
    pub not_frames: Vec<String>,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub alloc_frames: Vec<String>,
    #[serde(default)]
    pub priority: u8,
}

/// One leak signature with its explanation and fix.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub kind: EntryKind,
    pub severity: Severity,
    pub shows: String,
    pub why: String,
    pub fix: String,
    pub snippet: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub alternatives: Vec<String>,
    #[serde(default)]
    pub decide: String,
    #[serde(default)]
    pub signature: Signature,
}

/// An entry with its signature compiled.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub entry: Entry,
    pub ops: Vec<BlockingOp>,
    pub frames: Vec<Regex>,
    pub not_frames: Vec<Regex>,
    pub created_by: Option<Regex>,
    pub alloc_frames: Vec<Regex>,
}

impl Compiled {
    pub fn has_rule(&self, rule: &str) -> bool {
        self.entry.signature.rules.iter().any(|r| r == rule)
    }
}

/// The whole catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub entries: Vec<Compiled>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Many {
    entry: Vec<Entry>,
}

fn compile(entry: Entry, origin: &str) -> Result<Compiled, String> {
    let re = |s: &str| {
        Regex::new(s).map_err(|e| format!("{origin}: entry {}: bad regex {s:?}: {e}", entry.id))
    };
    let sig = &entry.signature;
    let mut ops = Vec::new();
    for o in &sig.ops {
        ops.push(BlockingOp::parse(o).ok_or_else(|| {
            format!(
                "{origin}: entry {}: unknown blocking operation {o:?}",
                entry.id
            )
        })?);
    }
    for r in &sig.rules {
        if !RULES.contains(&r.as_str()) {
            return Err(format!(
                "{origin}: entry {}: unknown rule {r:?} (known: {})",
                entry.id,
                RULES.join(", ")
            ));
        }
    }
    if entry.id.is_empty()
        || !entry
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "{origin}: entry id {:?} must be lowercase letters, digits and dashes",
            entry.id
        ));
    }
    let frames = sig.frames.iter().map(|s| re(s)).collect::<Result<_, _>>()?;
    let not_frames = sig
        .not_frames
        .iter()
        .map(|s| re(s))
        .collect::<Result<_, _>>()?;
    let alloc_frames = sig
        .alloc_frames
        .iter()
        .map(|s| re(s))
        .collect::<Result<_, _>>()?;
    let created_by = if sig.created_by.is_empty() {
        None
    } else {
        Some(re(&sig.created_by)?)
    };
    Ok(Compiled {
        entry,
        ops,
        frames,
        not_frames,
        created_by,
        alloc_frames,
    })
}

/// Parses a TOML document holding one entry, or several as `[[entry]]`.
pub fn parse_entries(text: &str, origin: &str) -> Result<Vec<Entry>, String> {
    if let Ok(many) = toml::from_str::<Many>(text) {
        return Ok(many.entry);
    }
    toml::from_str::<Entry>(text)
        .map(|e| vec![e])
        .map_err(|e| format!("{origin}: {}", e.to_string().trim().replace('\n', " ")))
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn builtin() -> Catalog {
        let mut c = Catalog::default();
        for (name, text) in embedded::FILES {
            let entries =
                parse_entries(text, &format!("catalog/{name}")).expect("embedded catalog parses");
            for e in entries {
                c.insert(compile(e, name).expect("embedded catalog compiles"));
            }
        }
        c
    }

    /// Adds or overrides entries from a user's catalog file.
    pub fn extend_from_file(&mut self, path: &str) -> Result<(), Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::input(path, crate::text::io_message(&e)))?;
        let entries = parse_entries(&text, path).map_err(Error::Usage)?;
        for e in entries {
            self.insert(compile(e, path).map_err(Error::Usage)?);
        }
        Ok(())
    }

    fn insert(&mut self, c: Compiled) {
        match self.entries.iter_mut().find(|e| e.entry.id == c.entry.id) {
            Some(slot) => *slot = c,
            None => self.entries.push(c),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Compiled> {
        self.entries.iter().find(|e| e.entry.id == id)
    }
}

/// Every embedded file name (for tests).
pub fn builtin_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    embedded::FILES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 24] = [
        "chan-send-blocked",
        "chan-receive-blocked",
        "premature-return",
        "timeout-leak",
        "ncast",
        "range-unclosed-channel",
        "double-send",
        "select-no-exit",
        "select-no-cases",
        "nil-channel",
        "ticker-not-stopped",
        "context-not-cancelled",
        "time-after-in-loop",
        "sleep-loop",
        "waitgroup-never-done",
        "mutex-never-unlocked",
        "cond-never-signalled",
        "http-body-not-closed",
        "sql-not-closed",
        "grpc-conn-not-closed",
        "heap-growth",
        "heap-map-growth",
        "slice-retention",
        "unclosed-file",
    ];

    #[test]
    fn builtin_catalog_has_every_required_entry() {
        let c = Catalog::builtin();
        for id in REQUIRED {
            let e = c
                .get(id)
                .unwrap_or_else(|| panic!("missing catalog entry {id}"));
            assert!(
                !e.entry.title.is_empty() && !e.entry.why.is_empty() && !e.entry.fix.is_empty()
            );
            assert!(!e.entry.snippet.trim().is_empty(), "{id} has no snippet");
            assert!(!e.entry.references.is_empty(), "{id} has no references");
        }
    }

    /// Issue 20: the patterns of the Go leak literature that had no entry.
    const ISSUE_20: [&str; 7] = [
        "busy-loop",
        "goroutine-retains-data",
        "interface-boxing",
        "global-slice-growth",
        "defer-in-loop",
        "finalizer-cycle",
        "cyclic-references",
    ];

    #[test]
    fn issue_20_entries_explain_fix_and_cite() {
        let c = Catalog::builtin();
        for id in ISSUE_20 {
            let e = &c.get(id).unwrap_or_else(|| panic!("missing {id}")).entry;
            assert!(
                !e.why.is_empty() && !e.fix.is_empty() && !e.shows.is_empty(),
                "{id}"
            );
            assert!(
                e.snippet.contains("// before") && e.snippet.contains("// after"),
                "{id}: before/after snippet"
            );
            assert!(!e.references.is_empty() && e.references.len() <= 4, "{id}");
        }
        // Informational: explains, never matches.
        assert_eq!(
            c.get("cyclic-references").unwrap().entry.severity,
            Severity::Info
        );
    }

    #[test]
    fn file_names_match_ids_and_alternatives_exist() {
        let c = Catalog::builtin();
        for (name, text) in builtin_files() {
            for e in parse_entries(text, name).unwrap() {
                assert_eq!(format!("{}.toml", e.id), name);
                for alt in &e.alternatives {
                    assert!(
                        c.get(alt).is_some(),
                        "{name}: alternative {alt} is not in the catalog"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_entries_are_rejected_with_the_file_name() {
        let text = r#"
id = "x"
title = "t"
kind = "goroutine"
severity = "high"
shows = "s"
why = "w"
fix = "f"
snippet = "s"
[signature]
ops = ["chan sned"]
"#;
        let e = parse_entries(text, "my.toml").unwrap();
        let err = compile(e.into_iter().next().unwrap(), "my.toml").unwrap_err();
        assert!(
            err.contains("my.toml") && err.contains("chan sned"),
            "{err}"
        );
        assert!(parse_entries("id = 1", "bad.toml")
            .unwrap_err()
            .starts_with("bad.toml"));
    }
}
