//! The debug=2 loader against real dumps other people pasted, read from
//! `../shared/real-dumps` beside the checkout (skipped when absent; the files
//! are reference data from elsewhere and are not copied into the repository).
//!
//! For every file whose MANIFEST kind is `debug2`, `log-with-dump` or `other`
//! with a goroutine count, loading must succeed and find exactly that many
//! goroutines. Files marked 0 whose note says `N headers appear unanchored`
//! (headers behind timestamps or indentation) must yield those N.

use leakdiff::load::{self, LoadOptions};
use std::io::BufReader;
use std::path::{Path, PathBuf};

fn dumps_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("real-dumps");
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        println!(
            "skipped: {} not found (real dumps are not part of the repository)",
            dir.display()
        );
        None
    }
}

struct Entry {
    file: String,
    kind: String,
    expected: Option<u64>,
}

/// `MANIFEST.tsv`: file, kind, source, go_version, goroutines, notes.
fn manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 5 {
            continue;
        }
        let notes = cols.get(5).copied().unwrap_or("");
        let expected = match cols[4].trim().parse::<u64>() {
            Ok(0) => unanchored_headers(notes),
            Ok(n) => Some(n),
            Err(_) => None,
        };
        out.push(Entry {
            file: cols[0].to_string(),
            kind: cols[1].to_string(),
            expected,
        });
    }
    out
}

/// `… but 8 headers appear unanchored …` → 8.
fn unanchored_headers(notes: &str) -> Option<u64> {
    let i = notes.find(" headers appear unanchored")?;
    let head = &notes[..i];
    let start = head
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |j| j + 1);
    head[start..].parse().ok().filter(|&n| n > 0)
}

#[test]
fn real_debug2_dumps_load_with_manifest_counts() {
    let Some(dir) = dumps_dir() else { return };
    let opts = LoadOptions::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    for e in manifest(&dir) {
        if !matches!(e.kind.as_str(), "debug2" | "log-with-dump" | "other") {
            continue;
        }
        let Some(expected) = e.expected else { continue };
        let path = dir.join(&e.file);
        let snaps = match load::load_path(path.to_str().unwrap(), &opts) {
            Ok(s) => s,
            Err(err) => {
                failures.push(format!("{}: load failed: {err}", e.file));
                continue;
            }
        };
        checked += 1;
        let got: u64 = snaps.iter().map(|s| s.goroutine_count()).sum();
        let per_snapshot: Vec<usize> = snaps.iter().map(|s| s.samples.len()).collect();
        let warnings: Vec<&String> = snaps.iter().flat_map(|s| &s.warnings).collect();
        println!(
            "{}: {got} goroutines (manifest {expected}), snapshots {per_snapshot:?}, warnings {warnings:?}",
            e.file
        );
        if got != expected {
            failures.push(format!(
                "{}: {got} goroutines, manifest says {expected}",
                e.file
            ));
        }
        for s in &snaps {
            assert_eq!(s.format, leakdiff::model::Format::Debug2, "{}", e.file);
            for sample in &s.samples {
                let g = sample.goroutine.as_deref().expect("goroutine info");
                if sample.stack.is_empty() && !g.stack_unavailable {
                    failures.push(format!("{}: goroutine {} has an empty stack", e.file, g.id));
                }
                assert_eq!(sample.values, vec![1]);
                for &f in sample.stack.iter() {
                    assert_ne!(s.table.function(f), "", "{}: goroutine {}", e.file, g.id);
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The manifest says this markdown file holds two separate dumps (one
/// unfenced, one in a code fence, with prose between them).
#[test]
fn two_dumps_in_the_markdown_notes() {
    let Some(dir) = dumps_dir() else { return };
    let path = dir.join("defacto2_todo_concurrent_map_writes.md");
    if !path.is_file() {
        return;
    }
    let snaps = load::load_path(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    let sizes: Vec<usize> = snaps.iter().map(|s| s.samples.len()).collect();
    assert_eq!(sizes, vec![5, 15]);
    assert_eq!(snaps[1].index_in_source, 1);
}

/// A uber-go/goleak report pasted from a CI log (`Goroutine N in state S,
/// with F on top of the stack:`) is read like a dump.
#[test]
fn goleak_report_from_a_ci_log() {
    let Some(dir) = dumps_dir() else { return };
    let path = dir.join("issue_tidb52595_goleak_format.txt");
    if !path.is_file() {
        return;
    }
    let snaps = load::load_path(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].samples.len(), 1);
    let g = snaps[0].samples[0].goroutine.as_ref().unwrap();
    assert_eq!((g.id, &*g.state, g.parent_id), (708, "select", Some(703)));
}

/// Whatever a file holds (debug=1 text, protobuf, gzip bytes, legacy heap
/// profiles), the debug=2 parser itself returns a result and never panics.
#[test]
fn every_real_file_through_the_debug2_parser_does_not_panic() {
    let Some(dir) = dumps_dir() else { return };
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        for max_line in [64 << 10, 40, 1] {
            let opts = LoadOptions {
                max_line,
                max_frames: 8,
                ..Default::default()
            };
            let mut r = BufReader::with_capacity(7, &data[..]);
            let _ = load::debug2::load(&mut r, &path.display().to_string(), &opts);
        }
    }
}
