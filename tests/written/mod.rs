//! Snapshots a test writes, analyzed as `leakdiff analyze` would (shared by
//! the tests that write their own profiles).

use leakdiff::classify::{Catalog, Finding};
use leakdiff::commands::analyze::{analyze_snapshots, AnalyzeOptions};
use leakdiff::load::{load_path, LoadOptions};
use leakdiff::model::Snapshot;
use leakdiff::report::AnalysisReport;

/// Writes `texts` as `goroutine-1.SUFFIX`, `goroutine-2.SUFFIX`, … into a
/// temporary directory, loads them in order and returns the findings.
#[allow(dead_code)]
pub fn analyze_written(texts: &[String], suffix: &str) -> Vec<Finding> {
    analyze_written_report(texts, suffix).findings
}

/// [`analyze_written`], with the report's notes.
#[allow(dead_code)]
pub fn analyze_written_report(texts: &[String], suffix: &str) -> AnalysisReport {
    analyze_written_source(texts, suffix, None)
}

/// [`analyze_written_report`], with `go` (a Go file) written as
/// `src/app/main.go` beside the snapshots and given as `--source src`
/// (the dumps' frames name `/src/app/main.go`).
#[allow(dead_code)]
pub fn analyze_written_source(texts: &[String], suffix: &str, go: Option<&str>) -> AnalysisReport {
    let dir = tempfile::tempdir().unwrap();
    let mut snaps: Vec<Snapshot> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let p = dir.path().join(format!("goroutine-{}.{suffix}", i + 1));
        std::fs::write(&p, text).unwrap();
        snaps.extend(load_path(p.to_str().unwrap(), &LoadOptions::default()).unwrap());
    }
    let mut opts = AnalyzeOptions::default();
    if let Some(go) = go {
        let app = dir.path().join("src/app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("main.go"), go).unwrap();
        opts.classify.source = Some(std::sync::Arc::new(
            leakdiff::classify::source::SourceIndex::new(&[dir.path().join("src")]),
        ));
    }
    analyze_snapshots(&snaps, &Catalog::builtin(), &opts).unwrap()
}

/// Asserts that finding `f` (of case `case`) has `severity` and that what
/// decided it says `because`.
#[allow(dead_code)]
#[track_caller]
pub fn assert_decided(
    f: &Finding,
    severity: leakdiff::classify::Severity,
    because: &str,
    case: &dyn std::fmt::Debug,
) {
    assert_eq!(f.severity, severity, "{case:?}: {f:?}");
    assert!(f.decided_by.contains(because), "{case:?}: {}", f.decided_by);
}

/// The three snapshots `goroutine-1.FORMAT` … `goroutine-3.FORMAT` of a
/// corpus program as captured by `release` (`testdata/captures/RELEASE/PROGRAM`).
#[allow(dead_code)]
pub fn capture_texts(release: &str, program: &str, format: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/captures")
        .join(release)
        .join(program);
    (1..=3)
        .map(|k| std::fs::read_to_string(dir.join(format!("goroutine-{k}.{format}"))).unwrap())
        .collect()
}

/// The 1-based line of `source` (a Go file written for a test) that holds
/// `marker`.
#[allow(dead_code)]
#[track_caller]
pub fn line_in(source: &str, marker: &str) -> u32 {
    source
        .lines()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("{marker} not in the source")) as u32
        + 1
}

/// Three debug=2 dumps: 10, then 25, then 45 goroutines that all stay
/// (`main(id, wait)` writes one: its header's wait is `wait`, the first
/// ten waiting 1 and then 2 minutes), each followed by the goroutines
/// `partner(id, wait)` writes, if any (a child, a partner).
#[allow(dead_code)]
pub fn staying_series(
    main: impl Fn(u64, &str) -> String,
    partner: impl Fn(u64, &str) -> Option<String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..3u32 {
        let mut s =
            String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
        for (g, &(first, count)) in [(100u64, 10u64), (200, 15), (300, 20)]
            .iter()
            .enumerate()
            .take(k as usize + 1)
        {
            let wait = if g == 0 && k > 0 {
                format!(", {k} minutes")
            } else {
                String::new()
            };
            for id in first..first + count {
                s.push_str(&main(id, &wait));
                if let Some(p) = partner(id, &wait) {
                    s.push_str(&p);
                }
            }
        }
        out.push(s);
    }
    out
}
