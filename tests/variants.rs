//! Issue 14: the syntactic variants of each pattern (`testdata/go/<pattern>--<variant>`,
//! rows of EXPECTED.tsv) are named exactly, per variant, format and Go
//! version: with `--source` always; without it the top pattern or, where the
//! format cannot decide, one of the alternatives, and at a floor of exact
//! answers per format that only rises.

use leakdiff::classify::source::SourceIndex;
use leakdiff::classify::{Catalog, ClassifyOptions, Finding, Severity};
use leakdiff::commands::analyze::{analyze_snapshots, AnalyzeOptions};
use leakdiff::load::{load_path, LoadOptions};
use leakdiff::model::Snapshot;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// `(program, expected)` of the goroutine rows of the variant programs.
/// The variants: program, expected pattern, and whether its only symptom
/// is open connections (6th column `open`: found at `low`, see
/// tests/corpus.rs).
fn variants() -> Vec<(String, String, bool)> {
    let text = std::fs::read_to_string(root().join("captures/EXPECTED.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 5 && c[0].contains("--") && c[1] == "goroutine" && c[2] != "none").then(
                || {
                    (
                        c[0].to_string(),
                        c[2].to_string(),
                        c.get(5).is_some_and(|x| x.trim() == "open"),
                    )
                },
            )
        })
        .collect()
}

fn load(files: &[PathBuf]) -> Vec<Snapshot> {
    files
        .iter()
        .flat_map(|f| {
            load_path(f.to_str().unwrap(), &LoadOptions::default())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

fn snapshot_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    (1..=3)
        .map(|k| dir.join(format!("goroutine-{k}{suffix}")))
        .filter(|p| p.exists())
        .collect()
}

fn analyze(snaps: &[Snapshot], source: bool) -> Vec<Finding> {
    let opts = AnalyzeOptions {
        classify: ClassifyOptions {
            ignore: Vec::new(),
            source: source.then(|| Arc::new(SourceIndex::new(&[root().join("go")]))),
        },
        ..Default::default()
    };
    analyze_snapshots(snaps, &Catalog::builtin(), &opts)
        .unwrap()
        .findings
}

/// The findings of one capture directory (`captures/VERSION/PROGRAM`) in
/// one format, with or without the source.
fn analyze_capture(version: &str, program: &str, suffix: &str, source: bool) -> Vec<Finding> {
    let dir = root().join("captures").join(version).join(program);
    analyze(&load(&snapshot_files(&dir, suffix)), source)
}

fn top(found: &[Finding]) -> Option<&Finding> {
    found.iter().find(|f| f.severity >= Severity::Medium)
}

/// The first finding at `medium` or above; for a leak whose only symptom
/// is open connections, the finding at `low` or above that names
/// `expected` (the client's and the server's ends of one leak are alike,
/// `low` as open connections), else the first at `low` or above.
fn top_at<'a>(found: &'a [Finding], open: bool, expected: &str) -> Option<&'a Finding> {
    if !open {
        return top(found);
    }
    let low: Vec<&Finding> = found
        .iter()
        .filter(|f| f.severity >= Severity::Low)
        .collect();
    low.iter()
        .find(|f| f.pattern == expected)
        .or_else(|| {
            low.iter()
                .find(|f| f.alternatives.iter().any(|a| a == expected))
        })
        .or(low.first())
        .copied()
}

const FORMATS: [(&str, &str); 3] = [
    ("pb", ".pb.gz"),
    ("debug1", ".debug1.txt"),
    ("debug2", ".debug2.txt"),
];

/// Exact answers without the source, per format (alternatives count half),
/// as measured when the variants were added; a change may only raise them.
/// With the variants of io-pipe, net-conn, the HTTP client and database/sql
/// patterns (library goroutines, named by their frames) pb and debug=1 rose
/// to 0.856 and debug=2 to 0.876; the six variants of the one-shot select,
/// the deferred send, the recovered panic, the consumer that returns early,
/// the nilled field and the caller's loop score 8/12 in debug=2 (one
/// goroutine per call, left on consecutive calls, reads as fan-out
/// siblings from its ids). The three variants that wait on `<-ctx.Done()`
/// of a context built from Background or TODO (a nil channel) are named
/// `nil-channel` without the source, with `context-not-cancelled` the
/// first alternative: only the blocked line tells the two apart. They took
/// the rates to 0.848 (pb, debug=1) and 0.868 (debug=2), with the same
/// exact answers as before; the two selects run once with a done-like case
/// (read as `select-no-exit` without the source, which alone shows no loop
/// repeats them) to 0.841 and 0.861. Two variants of two goroutines per
/// call score 0.5 each without the source: details and stock fetched at
/// two `go` statements and given up at a deadline (`timeout-leak`, read as
/// `premature-return`: only the source shows the deadline), and a
/// session's loop with the watcher it starts (`context-not-cancelled`, the
/// loop's select read as `select-no-exit`); they took the rates to 0.840
/// (pb), 0.835 (debug=1) and 0.854 (debug=2).
/// Two trio leaks (`select-no-exit--flusher-after-reader-trio`,
/// `context-not-cancelled--writer-after-reader-trio`) took debug=1 to 0.824:
/// their dumps have no stack that shows which runtime function the select's
/// hidden address is, so their loops are `goroutine-blocked` there, with
/// `select-no-exit` among the alternatives (half credit).
const FLOORS: [(&str, f64); 3] = [("pb", 0.835), ("debug1", 0.82), ("debug2", 0.85)];

#[test]
fn every_variant_is_named_exactly_with_source_and_within_alternatives_without() {
    let rows = variants();
    assert!(rows.len() >= 50, "only {} variant rows", rows.len());
    let mut failures = Vec::new();
    let mut score: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (program, expected, open) in &rows {
        for version in ["go1.27", "go1.19"] {
            let dir = root().join("captures").join(version).join(program);
            for (fmt, suffix) in FORMATS {
                let files = snapshot_files(&dir, suffix);
                assert_eq!(files.len(), 3, "{version}/{program} {fmt}");
                let snaps = load(&files);
                let what = format!("{version}/{program} {fmt}");
                match top_at(&analyze(&snaps, true), *open, expected) {
                    Some(f) if f.pattern == *expected => {}
                    Some(f) => failures.push(format!(
                        "{what} with source: expected {expected}, got {} ({:?})",
                        f.pattern, f.evidence
                    )),
                    None => failures.push(format!("{what} with source: nothing found")),
                }
                let found = analyze(&snaps, false);
                let Some(f) = top_at(&found, *open, expected) else {
                    failures.push(format!("{what} without source: nothing found"));
                    continue;
                };
                let credit = if f.pattern == *expected {
                    1.0
                } else if f.alternatives.contains(expected) {
                    0.5
                } else {
                    failures.push(format!(
                        "{what} without source: expected {expected}, got {} and alternatives {:?}",
                        f.pattern, f.alternatives
                    ));
                    0.0
                };
                let s = score.entry(fmt).or_default();
                s.0 += credit;
                s.1 += 1;
            }
        }
    }
    for (fmt, floor) in FLOORS {
        let (sum, n) = score[fmt];
        let rate = sum / n as f64;
        eprintln!("{fmt}: exact without source {sum}/{n} = {rate:.3}");
        if rate < floor {
            failures.push(format!(
                "{fmt}: exact without source {sum}/{n} = {rate:.3} < {floor}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Without the source, the pattern the profile's evidence makes most
/// probable comes first, says it was inferred and what decides, and keeps
/// the generic one first among the alternatives.
#[test]
fn inferred_patterns_say_so_and_keep_the_generic_one() {
    for (program, fmt, expected, generic) in [
        (
            "premature-return--per-request",
            ".debug2.txt",
            "premature-return",
            "chan-send-blocked",
        ),
        (
            "ncast--closure-in-loop",
            ".debug2.txt",
            "ncast",
            "chan-send-blocked",
        ),
        (
            "context-not-cancelled--watcher-closure",
            ".pb.gz",
            "context-not-cancelled",
            "chan-receive-blocked",
        ),
    ] {
        for version in ["go1.27", "go1.19"] {
            let found = analyze_capture(version, program, fmt, false);
            let f = top(&found).unwrap();
            let what = format!("{version}/{program} {fmt}");
            assert_eq!(f.pattern, expected, "{what}: {:?}", f.evidence);
            assert_eq!(
                f.alternatives.first().map(String::as_str),
                Some(generic),
                "{what}"
            );
            assert!(
                f.evidence
                    .iter()
                    .any(|e| e.starts_with("inferred without source") && e.contains("--source")),
                "{what}: {:?}",
                f.evidence
            );
        }
    }
    // Senders started in large batches by a loop stay the generic pattern.
    for version in ["go1.27", "go1.19"] {
        let found = analyze_capture(version, "chan-send-blocked--generic", ".debug2.txt", false);
        assert_eq!(
            top(&found).unwrap().pattern,
            "chan-send-blocked",
            "{version}"
        );
    }
}

/// What decided an inferred pattern is the evidence the dump carries, and
/// the evidence line names it: debug=1's hidden wrapper addresses ordered
/// as runtime.chanrecv1, a function literal on its go statement's line
/// (debug=2), parents that each started one blocked sender (Go 1.21+
/// debug=2).
#[test]
fn inferred_without_source_names_what_decided() {
    for (program, fmt, versions, expected, decided) in [
        (
            "context-not-cancelled--generic-waiter",
            ".debug1.txt",
            &["go1.27", "go1.19"][..],
            "context-not-cancelled",
            "address lies below another record's wrapper",
        ),
        (
            "context-not-cancelled--named-func",
            ".debug1.txt",
            &["go1.27", "go1.19"][..],
            "context-not-cancelled",
            "runtime.chanrecv1, one plain receive",
        ),
        (
            "context-not-cancelled--oneline-forget",
            ".debug2.txt",
            &["go1.27", "go1.19"][..],
            "context-not-cancelled",
            "waits on the line of its own go statement",
        ),
        (
            "context-not-cancelled--oneline-closure",
            ".debug2.txt",
            &["go1.27", "go1.19"][..],
            "context-not-cancelled",
            "a literal on one line holds no loop",
        ),
        (
            "premature-return--per-request-named",
            ".debug2.txt",
            &["go1.27"][..],
            "premature-return",
            "parent goroutines (`created by … in goroutine N`) started one blocked sender each",
        ),
    ] {
        for version in versions {
            let found = analyze_capture(version, program, fmt, false);
            let f = top(&found).unwrap();
            let what = format!("{version}/{program} {fmt}");
            assert_eq!(f.pattern, expected, "{what}: {:?}", f.evidence);
            assert!(
                f.evidence
                    .iter()
                    .any(|e| e.starts_with("inferred without source") && e.contains(decided)),
                "{what}: {:?}",
                f.evidence
            );
        }
    }
    // A nil channel read in a comma-ok loop is told by debug=1's park
    // addresses alone (the background's range receive parks under the same
    // wrapper, higher): the stack's own pattern, not a guess.
    for version in ["go1.27", "go1.19"] {
        let found = analyze_capture(version, "nil-channel--comma-ok-loop", ".debug1.txt", false);
        let f = top(&found).unwrap();
        assert_eq!(f.pattern, "nil-channel", "{version}: {:?}", f.evidence);
        assert!(
            !f.evidence.iter().any(|e| e.starts_with("inferred")),
            "{version}: {:?}",
            f.evidence
        );
    }
}

/// A literal whose blocked send lies below its first statement (debug=2
/// gives the go statement's line) may be a producer's loop or a second
/// send: its creator having returned is no reason to name premature-return,
/// and the generic entry stands.
#[test]
fn a_send_deep_in_a_literal_keeps_the_generic_pattern() {
    for version in ["go1.27", "go1.19"] {
        let found = analyze_capture(
            version,
            "chan-send-blocked--producer-literal",
            ".debug2.txt",
            false,
        );
        let f = top(&found).unwrap();
        assert_eq!(
            f.pattern, "chan-send-blocked",
            "{version}: {:?}",
            f.evidence
        );
        assert!(
            f.alternatives.iter().any(|a| a == "premature-return"),
            "{version}: {:?}",
            f.alternatives
        );
    }
}

/// A debug=1 snapshot in a run with a protobuf or debug=2 snapshot of the
/// same process joins its group: one series, the richer operation.
#[test]
fn mixed_formats_of_one_process_make_one_series() {
    for (program, expected) in [
        ("range-unclosed-channel--generic", "range-unclosed-channel"),
        ("chan-send-blocked--generic", "chan-send-blocked"),
        ("select-no-cases--helper-pkg", "select-no-cases"),
    ] {
        for version in ["go1.27", "go1.19"] {
            let dir = root().join("captures").join(version).join(program);
            for combo in [
                ["1.debug1.txt", "2.debug1.txt", "3.pb.gz"],
                ["1.pb.gz", "2.debug1.txt", "3.debug2.txt"],
                ["1.debug1.txt", "2.debug2.txt", "3.debug1.txt"],
            ] {
                let files: Vec<PathBuf> = combo
                    .iter()
                    .map(|c| dir.join(format!("goroutine-{c}")))
                    .collect();
                let found = analyze(&load(&files), false);
                let serious: Vec<&Finding> = found
                    .iter()
                    .filter(|f| f.severity >= Severity::Medium)
                    .collect();
                assert_eq!(
                    serious.len(),
                    1,
                    "{version}/{program} {combo:?}: {:?}",
                    serious
                        .iter()
                        .map(|f| (&f.pattern, &f.counts))
                        .collect::<Vec<_>>()
                );
                assert_eq!(
                    serious[0].counts,
                    [10, 20, 30],
                    "{version}/{program} {combo:?}"
                );
                assert!(
                    serious[0].pattern == expected
                        || serious[0].alternatives.iter().any(|a| a == expected),
                    "{version}/{program} {combo:?}: {}",
                    serious[0].pattern
                );
            }
        }
    }
}

/// Library goroutines keep their signature with the source; the evidence
/// shows the user's line that started them.
#[test]
fn library_signatures_stand_and_show_the_users_line() {
    for (program, pattern, call) in [
        ("sql-not-closed--helper-pkg", "sql-not-closed", "sql.Open"),
        (
            "sql-not-closed--method-per-request",
            "sql-not-closed",
            "sql.Open",
        ),
        (
            "http-body-not-closed--helper-pkg",
            "http-body-not-closed",
            "Get",
        ),
    ] {
        for (fmt, suffix) in FORMATS {
            let dir = root().join("captures/go1.27").join(program);
            let found = analyze(&load(&snapshot_files(&dir, suffix)), true);
            let f = top(&found).unwrap();
            assert_eq!(f.pattern, pattern, "{program} {fmt}");
            let site = f
                .source
                .as_ref()
                .and_then(|s| s.site.as_ref())
                .unwrap_or_else(|| panic!("{program} {fmt}: no user line: {:?}", f.evidence));
            assert!(site.text.contains(call), "{program} {fmt}: {site:?}");
            assert!(
                f.evidence.iter().any(|e| e.contains("signature")),
                "{program} {fmt}: {:?}",
                f.evidence
            );
        }
    }
}

/// Exact rate over every goroutine leak row of the corpus (the pattern
/// programs and their variants), with and without `--source`, per format;
/// `cargo test --test variants exact_rates -- --ignored --nocapture` prints
/// each miss.
#[test]
#[ignore]
fn exact_rates_on_every_goroutine_leak() {
    let text = std::fs::read_to_string(root().join("captures/EXPECTED.tsv")).unwrap();
    let rows: Vec<(String, String, String)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 5 && c[1] == "goroutine" && c[2] != "none")
                .then(|| (c[0].to_string(), c[2].to_string(), c[4].to_string()))
        })
        .collect();
    let mut with: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    let mut without: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (program, expected, go) in &rows {
        for version in ["go1.27", "go1.19"] {
            if go != "all" && go != version {
                continue;
            }
            let dir = root().join("captures").join(version).join(program);
            for (fmt, suffix) in FORMATS {
                let files = snapshot_files(&dir, suffix);
                if files.is_empty() {
                    continue;
                }
                let snaps = load(&files);
                let w = with.entry(fmt).or_default();
                w.1 += 1;
                match top(&analyze(&snaps, true)) {
                    Some(f) if f.pattern == *expected => w.0 += 1.0,
                    other => eprintln!(
                        "MISS-SRC {version}/{program} {fmt}: {expected} <- {:?}",
                        other.map(|f| &f.pattern)
                    ),
                }
                let o = without.entry(fmt).or_default();
                o.1 += 1;
                match top(&analyze(&snaps, false)) {
                    Some(f) if f.pattern == *expected => o.0 += 1.0,
                    Some(f) => {
                        let alt = f.alternatives.contains(expected);
                        if alt {
                            o.0 += 0.5;
                        }
                        eprintln!(
                            "MISS {version}/{program} {fmt}: {expected} <- {} {}{:?}",
                            f.pattern,
                            if alt { "(alt) " } else { "(NOT) " },
                            f.alternatives
                        );
                        if std::env::var_os("FEATURES").is_some() {
                            eprintln!(
                                "    wait={} frames={:?} created_by={:?}",
                                f.wait,
                                f.frames
                                    .iter()
                                    .map(|x| format!("{}:{}", x.function, x.line))
                                    .collect::<Vec<_>>(),
                                f.created_by.as_ref().map(|c| &c.function)
                            );
                        }
                    }
                    None => eprintln!("MISS {version}/{program} {fmt}: {expected} <- nothing"),
                }
            }
        }
    }
    let (mut ws, mut wn, mut os, mut on) = (0.0, 0, 0.0, 0);
    for (fmt, _) in FORMATS {
        let (a, n) = with[fmt];
        let (b, m) = without[fmt];
        ws += a;
        wn += n;
        os += b;
        on += m;
        eprintln!(
            "{fmt}: with source {a}/{n} = {:.3}; without {b}/{m} = {:.3}",
            a / n as f64,
            b / m as f64
        );
    }
    eprintln!(
        "all: with source {ws}/{wn} = {:.3}; without {os}/{on} = {:.3}",
        ws / wn as f64,
        os / on as f64
    );
}

/// The name is not the verdict: what the source decides about a group's
/// pattern leaves its severity as the evidence of the dumps set it. (A
/// nil-channel wait that the source names `context-not-cancelled`, a
/// pattern whose catalog severity rates its heap side, had dropped from
/// critical to high.) Evidence the source adds to the dumps' may raise it:
/// goroutines alive beyond the calls that were to stop them (a debug=2
/// count the source makes possible) are `high`.
#[test]
fn the_source_names_a_pattern_without_changing_the_severity() {
    let mut differ = Vec::new();
    for (program, _, _) in variants() {
        for version in ["go1.27", "go1.19"] {
            let dir = root().join("captures").join(version).join(&program);
            for (fmt, suffix) in [FORMATS[0], FORMATS[2]] {
                let snaps = load(&snapshot_files(&dir, suffix));
                let without = top(&analyze(&snaps, false)).map(|f| f.severity);
                let found = analyze(&snaps, true);
                let with = top(&found);
                if with
                    .is_some_and(|f| f.decided_by.contains("outlived the call that started them"))
                {
                    continue;
                }
                let with = with.map(|f| (f.severity, f.pattern.clone()));
                if without != with.as_ref().map(|w| w.0) {
                    differ.push(format!(
                        "{version}/{program} {fmt}: {without:?} -> {with:?}"
                    ));
                }
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
