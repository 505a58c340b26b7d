//! Replays every input the fuzzers ever kept or found through the very
//! functions the fuzz targets call (`leakdiff::fuzzing`), so `cargo test`
//! (and CI) re-checks every case without cargo-fuzz: the minimized corpora
//! in `fuzz/corpus/<target>/`, the crashes fixed since in
//! `fuzz/regressions/<target>/`, and any unfixed crash still lying in
//! `fuzz/artifacts/<target>/` (not committed).
//!
//! The same bounded allocator as the fuzz targets is installed here, so an
//! input that makes the process hold more than
//! `leakdiff::fuzzing::ALLOC_LIMIT` bytes aborts this test too.

#[path = "../fuzz/bounded_alloc.rs"]
mod bounded_alloc;

#[global_allocator]
static ALLOC: bounded_alloc::BoundedAlloc = bounded_alloc::BoundedAlloc;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "regressions", "artifacts"] {
        let Ok(rd) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

fn replay(target: &str) {
    let (_, run) = leakdiff::fuzzing::TARGETS
        .iter()
        .find(|(n, _)| *n == target)
        .unwrap();
    let files = inputs(target);
    assert!(
        !files.is_empty() || target == "none",
        "no corpus for the {target} target in fuzz/corpus/{target}/"
    );
    let mut failed = Vec::new();
    let mut slowest = (Duration::ZERO, PathBuf::new());
    for f in &files {
        // (A file a running fuzzer has just reduced away is skipped.)
        let Ok(data) = std::fs::read(f) else { continue };
        let start = Instant::now();
        if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
            failed.push(f.display().to_string());
        }
        let took = start.elapsed();
        if took > slowest.0 {
            slowest = (took, f.clone());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} {target} inputs broke an invariant (panic message above):\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
    // Unoptimized, on a loaded machine: only a real hang fails this.
    assert!(
        slowest.0 < Duration::from_secs(20),
        "{} took {:?}",
        slowest.1.display(),
        slowest.0
    );
}

#[test]
fn pprof_corpus() {
    replay("pprof");
}

#[test]
fn gzip_corpus() {
    replay("gzip");
}

#[test]
fn debug1_corpus() {
    replay("debug1");
}

#[test]
fn debug2_corpus() {
    replay("debug2");
}

#[test]
fn detect_corpus() {
    replay("detect");
}

#[test]
fn analyze_corpus() {
    replay("analyze");
}

#[test]
fn every_target_has_a_test_here() {
    let names: Vec<&str> = leakdiff::fuzzing::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        ["pprof", "gzip", "debug1", "debug2", "detect", "analyze"]
    );
    let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for n in names {
        assert!(
            targets.join(format!("{n}.rs")).is_file(),
            "no fuzz target {n}"
        );
    }
}
