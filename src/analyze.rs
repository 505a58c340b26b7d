//! The pipelines behind the commands: load the inputs (in parallel), order
//! them, group, diff and classify, and hand a report model to [`crate::report`].

use crate::classify::{self, Catalog, ClassifyOptions, Finding, KindSeries};
use crate::diff::{self, MEMORY_NOISE};
use crate::error::Error;
use crate::group::{self, GroupBy, Grouper};
use crate::load::{self, LoadOptions};
use crate::model::{Format, ProfileKind, Snapshot};
use crate::report::{AnalysisReport, GroupView, ShowReport, SnapshotInfo, SnapshotView};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::Path;

/// Expands directories into the profiles inside them (sorted by name;
/// hidden files skipped). Files and `-` pass through.
pub fn expand_inputs(inputs: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for i in inputs {
        let p = Path::new(i);
        if i != "-" && p.is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(p)
                .map_err(|e| Error::input(i, load::io_message(&e)))?
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path().to_string_lossy().into_owned())
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(Error::input(i, "directory holds no files"));
            }
            out.extend(files);
        } else {
            out.push(i.clone());
        }
    }
    if out.iter().filter(|i| *i == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input (-) can be given only once".into(),
        ));
    }
    Ok(out)
}

/// Size above which a progress bar is shown (on a terminal only).
const PROGRESS_THRESHOLD: u64 = 32 << 20;

/// Loads every input in parallel, keeping the order given. The first error
/// (in input order) is returned.
pub fn load_all(inputs: &[String], opts: &LoadOptions) -> Result<Vec<Snapshot>, Error> {
    let total: u64 = inputs
        .iter()
        .filter(|i| *i != "-")
        .filter_map(|i| std::fs::metadata(i).ok())
        .map(|m| m.len())
        .sum();
    let bar = if std::io::stderr().is_terminal() && total >= PROGRESS_THRESHOLD {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} loading {bytes}/{total_bytes} {wide_bar} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let results: Vec<Result<Vec<Snapshot>, Error>> = inputs
        .par_iter()
        .map(|i| match &bar {
            Some(b) if i != "-" => load::load_path_with(i, opts, |r| Box::new(b.wrap_read(r))),
            _ => load::load_path(i, opts),
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Orders snapshots of one kind: by recorded time when every one has it,
/// else as given. Returns warnings about orders that contradict times.
pub fn order(snaps: &mut [&Snapshot]) -> Vec<String> {
    let mut warnings = Vec::new();
    if snaps.len() < 2 {
        return warnings;
    }
    let times: Vec<Option<i64>> = snaps.iter().map(|s| s.time_nanos).collect();
    let given: Vec<String> = snaps.iter().map(|s| s.name()).collect();
    if times.iter().all(|t| t.is_some()) {
        snaps.sort_by_key(|s| s.time_nanos);
        let now: Vec<String> = snaps.iter().map(|s| s.name()).collect();
        if now != given {
            warnings.push(format!(
                "snapshots were given out of time order; ordered by recorded time: {}",
                now.join(", ")
            ));
        }
    } else {
        let known: Vec<i64> = times.iter().flatten().copied().collect();
        if known.windows(2).any(|w| w[1] < w[0]) {
            warnings.push(
                "recorded times contradict the order given (not every snapshot records a time, so the given order is kept)"
                    .to_string(),
            );
        }
    }
    warnings
}

/// Settings of `analyze`.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    pub load: LoadOptions,
    pub classify: ClassifyOptions,
    pub top: Option<usize>,
}

/// Kinds `analyze` can judge for leaks.
fn analyzable(kind: ProfileKind) -> bool {
    matches!(
        kind,
        ProfileKind::Goroutine
            | ProfileKind::GoroutineLeak
            | ProfileKind::Heap
            | ProfileKind::Allocs
    )
}

/// Runs the whole analysis on loaded snapshots.
pub fn analyze_snapshots(
    snaps: &[Snapshot],
    catalog: &Catalog,
    opts: &AnalyzeOptions,
) -> Result<AnalysisReport, Error> {
    let bad: Vec<String> = snaps
        .iter()
        .filter(|s| !analyzable(s.kind))
        .map(|s| format!("{} ({} profile)", s.name(), s.kind))
        .collect();
    if !bad.is_empty() {
        return Err(Error::Usage(format!(
            "cannot analyze for leaks: {}; analyze takes goroutine, goroutineleak, heap and allocs profiles (compare other profiles with leakdiff diff)",
            bad.join(", ")
        )));
    }
    let mut notes = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut order_of: Vec<&Snapshot> = Vec::new();
    for kind in [
        ProfileKind::Goroutine,
        ProfileKind::GoroutineLeak,
        ProfileKind::Heap,
        ProfileKind::Allocs,
    ] {
        let mut of_kind: Vec<&Snapshot> = snaps.iter().filter(|s| s.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        notes.extend(order(&mut of_kind));
        order_of.extend(of_kind.iter().copied());
        let by = if kind.is_memory() {
            GroupBy::Site
        } else {
            GroupBy::Stack
        };
        let mut grouper = Grouper::new(by);
        let index = group::default_value_index(of_kind[0]);
        let noise = if kind.is_memory() { MEMORY_NOISE } else { 0.0 };
        if of_kind.iter().any(|s| {
            group::default_value_index(s) != index || s.sample_types != of_kind[0].sample_types
        }) {
            return Err(Error::Usage(format!(
                "{} profiles with different sample types cannot be compared: {}",
                kind,
                of_kind
                    .iter()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let series = diff::diff(&of_kind, &mut grouper, index, noise);
        if of_kind.len() == 1 {
            notes.push(format!(
                "only one {kind} snapshot: findings are judged from its size and wait times alone, at lower confidence; give two or more snapshots to judge growth"
            ));
        }
        let ks = KindSeries {
            kind,
            series: &series,
            snapshots: of_kind.len(),
        };
        findings.extend(classify::classify(&ks, catalog, &opts.classify));
    }
    let findings = classify::link_stories(findings);
    let mut findings = classify::patterns::retains_data_stories(
        findings,
        catalog,
        opts.classify.source.as_deref(),
    );
    classify::rank(&mut findings);
    if let Some(index) = &opts.classify.source {
        notes.extend(index.notes());
    }
    if let Some(top) = opts.top {
        findings.truncate(top);
    }
    let snapshots = order_of.iter().map(|s| SnapshotInfo::of(s)).collect();
    for s in snaps {
        for w in &s.warnings {
            notes.push(format!("{}: {w}", s.name()));
        }
    }
    Ok(AnalysisReport {
        snapshots,
        findings,
        notes,
        flames: Vec::new(),
    })
}

/// Groups each snapshot for `show`.
pub fn show_snapshots(snaps: &[Snapshot], by: GroupBy, top: Option<usize>) -> ShowReport {
    let views = snaps
        .par_iter()
        .map(|s| {
            let (_, groups) = group::group_snapshot(s, by, top);
            let index = group::default_value_index(s);
            let unit = s
                .sample_types
                .get(index)
                .map(|v| v.unit.clone())
                .unwrap_or_else(|| "count".into());
            let gv: Vec<GroupView> = groups
                .groups
                .into_iter()
                .map(|g| GroupView::of(g, index))
                .collect();
            SnapshotView {
                info: SnapshotInfo::of(s),
                value_type: s
                    .sample_types
                    .get(index)
                    .map(|v| v.ty.clone())
                    .unwrap_or_default(),
                unit,
                groups: gv,
                warnings: s.warnings.clone(),
            }
        })
        .collect();
    ShowReport {
        snapshots: views,
        flames: Vec::new(),
    }
}

/// `true` when every snapshot was read from text (for messages).
pub fn all_text(snaps: &[Snapshot]) -> bool {
    snaps.iter().all(|s| s.format != Format::Pprof)
}
