//! Heap sites judged against their sampling error (issue 13, rule 5): a
//! site whose in-use bytes rise step after step, each step inside the
//! error its few samples allow, is a slow leak, not a fill; a fill, or a
//! site that holds at the end, is not reported.
//!
//! The profiles are built as `runtime/pprof` writes them at the default
//! `MemProfileRate` (512 KiB): each sampled object of `size` bytes is
//! scaled up by `1 / (1 - exp(-size / rate))`.

use leakdiff::classify::{Catalog, Finding, Severity};
use leakdiff::commands::analyze::{analyze_snapshots, AnalyzeOptions};
use leakdiff::model::{Format, ProfileKind, Sample, Snapshot, ValueType};

const RATE: i64 = 512 * 1024;

/// Heap profile `k` with a site holding `samples` sampled objects of
/// `size` bytes (12 KiB buffers of a subscriber list), beside a steady
/// site.
fn profile(k: usize, samples: i64, size: i64) -> Snapshot {
    let mut s = Snapshot::new(&format!("heap-{k}.pb.gz"), Format::Pprof, ProfileKind::Heap);
    s.time_nanos = Some(1_700_000_000_000_000_000 + k as i64 * 15_000_000_000);
    s.period = Some(RATE);
    s.period_type = Some(ValueType::new("space", "bytes"));
    s.sample_types = vec![
        ValueType::new("alloc_objects", "count"),
        ValueType::new("alloc_space", "bytes"),
        ValueType::new("inuse_objects", "count"),
        ValueType::new("inuse_space", "bytes"),
    ];
    s.default_sample_type = Some(3);
    let mut site = |frames: &[(&str, u32)], count: i64, size: i64| {
        let stack: Vec<u32> = frames
            .iter()
            .map(|&(f, line)| s.table.intern_frame(f, "/src/hub/main.go", line))
            .collect();
        let scale = 1.0 / (1.0 - (-(size as f64) / RATE as f64).exp());
        let objects = (count as f64 * scale).round() as i64;
        s.samples.push(Sample {
            stack: stack.into(),
            values: vec![objects * 2, objects * 2 * size, objects, objects * size],
            ..Default::default()
        });
    };
    site(
        &[
            ("main.newSubscriber", 22),
            ("main.(*Hub).Subscribe", 35),
            ("main.serveClient", 66),
        ],
        samples,
        size,
    );
    site(&[("main.loadIndex", 80), ("main.main", 120)], 40, 4096);
    s
}

fn findings(samples: &[i64]) -> Vec<Finding> {
    let snaps: Vec<Snapshot> = samples
        .iter()
        .enumerate()
        .map(|(k, &n)| profile(k + 1, n, 12 << 10))
        .collect();
    analyze_snapshots(&snaps, &Catalog::builtin(), &AnalyzeOptions::default())
        .unwrap()
        .findings
}

fn subscribers(found: &[Finding]) -> Option<&Finding> {
    found.iter().find(|f| {
        f.site
            .as_ref()
            .is_some_and(|s| s.function == "main.newSubscriber")
    })
}

#[test]
fn slow_growth_inside_the_sampling_error_is_a_leak() {
    // Every step (or every step but one flat one) inside the error of its
    // few samples; the counts trend up all the same.
    for samples in [[2, 4, 5, 7], [4, 7, 7, 11]] {
        let found = findings(&samples);
        let f = subscribers(&found).unwrap_or_else(|| panic!("{samples:?}: {found:?}"));
        assert!(f.severity >= Severity::Medium, "{samples:?}: {f:?}");
        assert!(f.confidence < 0.5, "{samples:?}: {}", f.confidence);
        assert!(
            f.decided_by
                .contains("never fell and rose at the last step"),
            "{samples:?}: {}",
            f.decided_by
        );
    }
    // With more samples the weighted slope alone shows it.
    let found = findings(&[6, 11, 12, 16]);
    let f = subscribers(&found).expect("found");
    assert!(f.severity >= Severity::Medium, "{f:?}");
}

#[test]
fn a_fill_a_hold_or_noise_is_not() {
    for samples in [
        // A cache that filled at the first step.
        [4, 8, 8, 8],
        // Rose, then held at the last step.
        [2, 4, 5, 5],
        // A steady site's samples wander.
        [5, 4, 6, 5],
        // Never fell, but too few samples to show a trend.
        [3, 4, 4, 5],
        // Doubling at every step, from nothing, on a handful of samples.
        [0, 1, 2, 4],
    ] {
        let found = findings(&samples);
        let serious: Vec<_> = found
            .iter()
            .filter(|f| f.severity >= Severity::Medium)
            .collect();
        assert!(serious.is_empty(), "{samples:?}: {serious:?}");
    }
}
