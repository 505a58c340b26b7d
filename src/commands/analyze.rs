//! `leakdiff analyze`: two or more snapshots loaded, ordered, grouped,
//! diffed and classified; the findings ranked and reported.

use super::{
    catalog_with, check_output_is_not_an_input, flames, print_warnings, wants_flames, write_report,
    Clock, FlameArgs, IgnoreArgs, LimitArgs, OutputArgs, EXIT_FINDINGS, EXIT_OK,
};
use crate::classify::{self, Catalog, ClassifyOptions, Finding, KindSeries, Severity};
use crate::diff::{self, MEMORY_NOISE};
use crate::error::Error;
use crate::group::{self, GroupBy, GroupFold, Grouped, Grouper, SharedStacks};
use crate::load::{self, LoadOptions};
use crate::model::{ProfileKind, Snapshot};
use crate::report::{AnalysisReport, SnapshotInfo};
use clap::{Args, ValueEnum};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Snapshot files or directories (every profile inside); - reads standard input.
    /// Two or more directories are instances (processes) of one service: each
    /// is its own series, and findings are merged across them.
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub inputs: Vec<String>,
    /// Report only the N highest-ranked findings.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
    /// Add or override catalog entries from a TOML file.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<String>,
    /// Go source tree the stacks point at (repeatable): decides what the stack
    /// alone cannot (range vs receive, timeout vs premature return, NCast …).
    /// Only `.go` files under DIR are read: paths in the dumps are matched by
    /// their longest suffix under DIR, and an absolute path in a dump is read
    /// as it is only when it is a `.go` file under DIR. Standard-library
    /// frames are never read to classify.
    #[arg(long, value_name = "DIR")]
    pub source: Vec<std::path::PathBuf>,
    /// Read no source code (the default without --source): no file named by
    /// a dump, absolute or not, is opened.
    #[arg(long, conflicts_with = "source")]
    pub no_source: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub flame: FlameArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

fn source_index(a: &AnalyzeArgs) -> Option<std::sync::Arc<classify::source::SourceIndex>> {
    if a.no_source || a.source.is_empty() {
        return None;
    }
    Some(std::sync::Arc::new(classify::source::SourceIndex::new(
        &a.source,
    )))
}

/// Runs `analyze`; returns the exit code.
pub fn run(a: AnalyzeArgs) -> Result<u8, Error> {
    let catalog = catalog_with(&a.catalog)?;
    let ignore = a.ignore.regexes()?;
    let instance_dirs = instance_dirs(&a.inputs);
    let inputs = load::expand_inputs(&a.inputs)?;
    check_output_is_not_an_input(&a.output, &inputs)?;
    let opts = AnalyzeOptions {
        load: a.limits.options(),
        classify: ClassifyOptions {
            ignore,
            source: source_index(&a),
        },
        top: a.top,
    };
    let clock = Clock::start();
    let (mut r, snaps) = match instance_dirs {
        Some(dirs) => {
            // Each directory is one process: its own series, merged after.
            let mut reports = Vec::new();
            let mut first: Option<Vec<Snapshot>> = None;
            for d in &dirs {
                let (r, snaps) = analyze_instance(d, &catalog, &opts)?;
                reports.push((instance_name(d), r));
                if first.is_none() {
                    first = Some(snaps);
                } else {
                    std::mem::forget(snaps);
                }
            }
            clock.lap("analyze");
            let mut r = merge_instances(reports, opts.top);
            let snaps = first.unwrap_or_default();
            if super::wants_flames(&a.output, &a.flame.flamegraph) {
                r.notes.push(format!(
                    "flame graphs are drawn from the first instance, {}",
                    instance_name(&dirs[0])
                ));
            }
            (r, snaps)
        }
        None if wants_flames(&a.output, &a.flame.flamegraph) => {
            // Flame graphs need every stack.
            let snaps = load::load_all(&inputs, &opts.load)?;
            clock.lap("load");
            print_warnings(&snaps);
            let r = analyze_snapshots(&snaps, &catalog, &opts)?;
            clock.lap("analyze");
            (r, snaps)
        }
        None => {
            // Each snapshot is reduced to its groups as soon as it is loaded.
            let shared = std::sync::Arc::new(SharedStacks::default());
            let loaded = load::load_all_with(
                &inputs,
                &opts.load,
                || GroupFold::shared(shared.clone()),
                Reduced::new,
            )?;
            drop(shared);
            clock.lap("load");
            let mut snaps = Vec::with_capacity(loaded.len());
            let mut infos = Vec::with_capacity(loaded.len());
            let mut groups = Vec::with_capacity(loaded.len());
            for l in loaded {
                snaps.push(l.snap);
                infos.push(l.info);
                groups.push(Some(l.groups));
            }
            print_warnings(&snaps);
            let r = analyze_with(&snaps, Some((infos, groups)), &catalog, &opts)?;
            clock.lap("analyze");
            (r, snaps)
        }
    };
    r.flames = flames(&snaps, &a.output, &a.flame)?;
    if !a.no_source {
        r.source_roots = a.source.clone();
    }
    write_report(&a.output, &clock, snaps, |ex, w| ex.analysis(&r, w))?;
    let failed = a
        .fail_on
        .is_some_and(|t| r.findings.iter().any(|f| f.severity >= Severity::from(t)));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// Two or more directories (and nothing else) are instances of one
/// service; anything else is one process, as before.
fn instance_dirs(inputs: &[String]) -> Option<Vec<String>> {
    (inputs.len() >= 2
        && inputs
            .iter()
            .all(|i| i != "-" && std::path::Path::new(i).is_dir()))
    .then(|| inputs.to_vec())
}

/// An instance's name: its directory as given, without a trailing slash.
pub(crate) fn instance_name(dir: &str) -> String {
    let t = dir.trim_end_matches(['/', '\\']);
    if t.is_empty() {
        dir.to_string()
    } else {
        t.to_string()
    }
}

/// Loads and analyzes one instance (a directory of snapshots); the
/// snapshots are handed back for the caller to drop or keep. Notes are
/// prefixed with the instance's name; findings are not truncated.
pub(crate) fn analyze_instance(
    dir: &str,
    catalog: &Catalog,
    opts: &AnalyzeOptions,
) -> Result<(AnalysisReport, Vec<Snapshot>), Error> {
    let inputs = load::expand_inputs(&[dir.to_string()])?;
    let snaps = load::load_all(&inputs, &opts.load)?;
    print_warnings(&snaps);
    let opts = AnalyzeOptions {
        top: None,
        ..opts.clone()
    };
    let r = analyze_snapshots(&snaps, catalog, &opts)?;
    Ok((r, snaps))
}

/// One report of several instances: findings merged by group key
/// ([`classify::instances::merge`]), snapshots and notes of every instance.
pub(crate) fn merge_instances(
    reports: Vec<(String, AnalysisReport)>,
    top: Option<usize>,
) -> AnalysisReport {
    let mut snapshots = Vec::new();
    let mut notes = Vec::new();
    let mut per = Vec::new();
    for (name, r) in reports {
        snapshots.extend(r.snapshots);
        notes.extend(r.notes.into_iter().map(|n| format!("{name}: {n}")));
        per.push((name, r.findings));
    }
    let n = per.len();
    let mut findings = classify::instances::merge(per);
    notes.insert(
        0,
        format!("{n} instances, each analyzed as its own series; findings merged by group"),
    );
    if let Some(top) = top {
        findings.truncate(top);
    }
    AnalysisReport {
        snapshots,
        findings,
        notes,
        flames: Vec::new(),
        source_roots: Vec::new(),
    }
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

/// A snapshot reduced to what an analysis needs: its metadata and
/// warnings (no samples), its summary and its groups.
struct Reduced {
    snap: Snapshot,
    info: SnapshotInfo,
    groups: Grouped,
}

impl Reduced {
    /// `fold` has the samples if the loader folded them (see
    /// [`load::Fold`]); else they are in `snap`.
    fn new(mut snap: Snapshot, fold: GroupFold) -> Reduced {
        let mut info = SnapshotInfo::of(&snap);
        info.samples = info.samples.max(fold.samples);
        let groups = fold.finish(&snap);
        // The groups have what the analysis needs of the frames.
        snap.samples = Vec::new();
        snap.table = Default::default();
        release_freed_memory();
        Reduced { snap, info, groups }
    }
}

/// Gives the pages of what was freed back to the system (glibc keeps them
/// in its arenas, one per thread that allocated, otherwise), so that the
/// resident size follows what the reduced snapshots keep.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's own
    // arenas to the system; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs the whole analysis on loaded snapshots.
pub fn analyze_snapshots(
    snaps: &[Snapshot],
    catalog: &Catalog,
    opts: &AnalyzeOptions,
) -> Result<AnalysisReport, Error> {
    analyze_with(snaps, None, catalog, opts)
}

/// Summaries and groups of reduced snapshots (see [`Reduced`]), by index.
type ReducedParts = (Vec<SnapshotInfo>, Vec<Option<Grouped>>);

/// [`analyze_snapshots`]; with `reduced`, the snapshots have no samples
/// and their summaries and groups are given instead.
fn analyze_with(
    snaps: &[Snapshot],
    mut reduced: Option<ReducedParts>,
    catalog: &Catalog,
    opts: &AnalyzeOptions,
) -> Result<AnalysisReport, Error> {
    let position = |s: &Snapshot| {
        snaps
            .iter()
            .position(|x| std::ptr::eq(x, s))
            .expect("a snapshot of the list")
    };
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
    // A goroutineleak profile as debug=2 text is a whole goroutine dump with
    // the leaked goroutines marked. Beside goroutine snapshots it is the
    // runtime's verdict on them; without any, it is the goroutine series
    // itself, its marks read per goroutine.
    let has_goroutine = snaps.iter().any(|s| s.kind == ProfileKind::Goroutine);
    let kind_of = |s: &Snapshot| {
        if !has_goroutine
            && s.kind == ProfileKind::GoroutineLeak
            && s.format == crate::model::Format::Debug2
        {
            ProfileKind::Goroutine
        } else {
            s.kind
        }
    };
    let mut notes = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut order_of: Vec<&Snapshot> = Vec::new();
    for kind in [
        ProfileKind::Goroutine,
        ProfileKind::GoroutineLeak,
        ProfileKind::Heap,
        ProfileKind::Allocs,
    ] {
        let mut of_kind: Vec<&Snapshot> = snaps.iter().filter(|s| kind_of(s) == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        notes.extend(load::order(&mut of_kind));
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
        let (series, breaks) = match &mut reduced {
            Some((_, groups)) => {
                grouper.collect_stacks = true;
                grouper.skip_profiler = true;
                let mut per = Vec::with_capacity(of_kind.len());
                let mut ids = Vec::with_capacity(of_kind.len());
                let mut last_ops = None;
                for s in &of_kind {
                    let mut g = groups[position(s)]
                        .take()
                        .expect("each snapshot is grouped once");
                    ids.push(diff::IdFacts {
                        known: g.ids_known,
                        ends_process: g.ends_process.take(),
                        whole: g.whole,
                    });
                    last_ops = g.ids_known.then(|| std::mem::take(&mut g.ops));
                    per.push(grouper.adopt(g));
                }
                let last_ops = last_ops.map(|ops| ops.into_iter().collect());
                if of_kind.iter().any(|s| s.format != of_kind[0].format) {
                    diff::complete_keys(&mut per);
                }
                diff::diff_groups(
                    per,
                    &ids,
                    last_ops,
                    kind.is_memory(),
                    &grouper,
                    index,
                    noise,
                )
            }
            None => diff::diff(&of_kind, &mut grouper, index, noise),
        };
        notes.extend(breaks);
        if of_kind.len() == 1 && kind != ProfileKind::GoroutineLeak {
            notes.push(format!(
                "only one {kind} snapshot: findings are judged from its size and wait times alone, at lower confidence; give two or more snapshots to judge growth"
            ));
        }
        let ks = KindSeries {
            kind,
            series: &series,
            snapshots: of_kind.len(),
            marks_each: of_kind
                .iter()
                .all(|s| s.format == crate::model::Format::Debug2),
            runtime_checked: kind == ProfileKind::Goroutine
                && of_kind
                    .last()
                    .is_some_and(|s| s.kind == ProfileKind::GoroutineLeak),
        };
        findings.extend(classify::classify(&ks, catalog, &opts.classify));
    }
    if snaps
        .iter()
        .any(|s| kind_of(s) == ProfileKind::GoroutineLeak)
    {
        classify::runtime_verdict(&mut findings);
    }
    let findings = classify::population_stories(findings);
    let findings = classify::link_stories(findings);
    let findings = classify::patterns::retains_data_stories(
        findings,
        catalog,
        opts.classify.source.as_deref(),
    );
    let mut findings = classify::patterns::http_in_flight_stories(findings, catalog);
    classify::rank(&mut findings);
    if let Some(index) = &opts.classify.source {
        notes.extend(index.notes());
    }
    if let Some(top) = opts.top {
        findings.truncate(top);
    }
    let snapshots = order_of
        .iter()
        .map(|s| match &reduced {
            Some((infos, _)) => infos[position(s)].clone(),
            None => SnapshotInfo::of(s),
        })
        .collect();
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
        source_roots: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reducing each snapshot to its groups as it is loaded gives the same
    /// report as grouping them all at the end: every capture set, each
    /// format on its own and all together.
    #[test]
    fn reduced_snapshots_give_the_same_report() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/captures");
        let catalog = Catalog::builtin();
        let opts = AnalyzeOptions::default();
        let mut checked = 0;
        for version in ["go1.27", "go1.19"] {
            let Ok(dirs) = std::fs::read_dir(root.join(version)) else {
                continue;
            };
            for dir in dirs.flatten() {
                let mut files: Vec<String> = std::fs::read_dir(dir.path())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path().to_string_lossy().into_owned())
                    .collect();
                files.sort();
                let sets: Vec<Vec<String>> = ["debug2.txt", "debug1.txt", ".pb.gz", ""]
                    .iter()
                    .map(|suffix| {
                        files
                            .iter()
                            .filter(|f| f.ends_with(suffix))
                            .cloned()
                            .collect()
                    })
                    .collect();
                for set in sets.iter().filter(|s| !s.is_empty()) {
                    let Ok(snaps) = load::load_all(set, &opts.load) else {
                        continue;
                    };
                    let whole = analyze_snapshots(&snaps, &catalog, &opts);
                    let loaded =
                        load::load_all_with(set, &opts.load, GroupFold::default, Reduced::new)
                            .unwrap();
                    let mut snaps = Vec::new();
                    let mut infos = Vec::new();
                    let mut groups = Vec::new();
                    for l in loaded {
                        snaps.push(l.snap);
                        infos.push(l.info);
                        groups.push(Some(l.groups));
                    }
                    let reduced = analyze_with(&snaps, Some((infos, groups)), &catalog, &opts);
                    assert_eq!(format!("{whole:?}"), format!("{reduced:?}"), "{set:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 50, "{checked} sets");
    }
}
