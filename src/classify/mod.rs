//! Classification: series whose behaviour is a leak become [`Finding`]s,
//! matched against the [`catalog`] of leak signatures, scored and ranked.

pub mod catalog;
pub mod golex;
pub mod instances;
pub mod patterns;
pub mod source;

pub use catalog::{Catalog, Severity};

use crate::diff::{MinutesPassed, Series, Verdict};
use crate::model::{BlockingOp, FrameRef, ProfileKind};
use crate::text::{fmt_counts, fmt_value};
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Goroutine or memory finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    Goroutine,
    Heap,
}

/// Another group reported as part of the same finding (e.g. the write loop
/// of an HTTP connection whose read loop is the finding).
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    pub site: Option<FrameRef>,
    pub counts: Vec<i64>,
    pub wait: BlockingOp,
}

impl Related {
    /// A finding's group, as another finding lists it.
    fn of(f: &Finding) -> Self {
        Related {
            site: f.site.clone(),
            counts: f.counts.clone(),
            wait: f.wait,
        }
    }
}

/// One ranked leak finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub rank: usize,
    pub kind: FindingKind,
    pub profile: ProfileKind,
    pub pattern: String,
    pub alternatives: Vec<String>,
    pub title: String,
    pub severity: Severity,
    pub confidence: f64,
    pub score: f64,
    /// Goroutines (or bytes) per snapshot of this kind.
    pub counts: Vec<i64>,
    pub unit: &'static str,
    /// The blocking operation (goroutines) — what the group waits on.
    pub wait: BlockingOp,
    pub wait_minutes: Vec<Option<u32>>,
    pub max_wait_minutes: Option<u32>,
    pub trend: Verdict,
    /// Leaf first, entry function last, `runtime.goexit` omitted.
    pub frames: Vec<FrameRef>,
    pub site: Option<FrameRef>,
    pub created_by: Option<FrameRef>,
    pub labels: BTreeMap<String, Vec<String>>,
    pub evidence: Vec<String>,
    pub decide: String,
    pub explanation: String,
    pub fix: String,
    pub snippet: String,
    pub references: Vec<String>,
    pub related: Vec<Related>,
    /// The source lines of the leaking site and the go statement, when
    /// `--source` found them.
    pub source: Option<source::SourceInfo>,
    /// Heap growth explained by this goroutine finding (same functions or
    /// created-by site), reported here as one story.
    pub linked: Vec<Linked>,
    /// Every function of the group's stacks (heap: all allocation stacks of
    /// the site), for linking goroutine and heap findings.
    #[serde(skip)]
    pub functions: Vec<String>,
    /// Goroutines: per consecutive pair of snapshots, how many goroutine ids
    /// of the group stayed in it (`null` where the format has no ids).
    pub survivors: Vec<Option<usize>>,
    /// Goroutines: per consecutive pair of snapshots, how many of those
    /// `survivors` were in a new call of their top frames at the next
    /// snapshot, or had waited less than the time between the two (they
    /// finished the wait they were in; `null` where the format has no ids).
    pub moved: Vec<Option<usize>>,
    /// Goroutines: per consecutive pair of snapshots, how many goroutine ids
    /// of the group were in another group (another stack or wait) at the
    /// next snapshot: alive and no longer blocked there (`null` where the
    /// format has no ids).
    pub left: Vec<Option<usize>>,
    /// Goroutines: per consecutive pair of snapshots, how many goroutines
    /// that had stayed in the group from the snapshot before were in no
    /// group at the next one: they exited, which a leaked goroutine never
    /// does (`null` where ids are not known in all three snapshots; 0 for
    /// the first pair).
    pub exited: Vec<Option<usize>>,
    /// The lower bound of the leak where ids are known: goroutines that
    /// survived the last step, blocked in the same call.
    pub leaked_at_least: Option<usize>,
    /// 1-based snapshot from which some goroutines of the group are present
    /// in every snapshot (`null` when none or ids are unknown).
    pub present_since: Option<usize>,
    /// The evidence that decided the severity and confidence.
    pub decided_by: String,
    /// With several instances (processes) of a service: each instance that
    /// shows this group ([`instances::merge`]); empty for one process.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<instances::InstanceSeen>,
    /// How many instances were analyzed (with `instances` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances_total: Option<usize>,
    /// The severity rests on goroutine counts alone (no ids, no operation
    /// that can never wake, no runtime mark): what several instances must
    /// replicate ([`instances::merge`]).
    #[serde(skip)]
    pub counts_only: bool,
}

impl Finding {
    /// Replaces what decided the finding, in `decided_by` and in its
    /// `decided by: …` evidence line.
    pub fn set_decided_by(&mut self, why: String) {
        if let Some(line) = self
            .evidence
            .iter_mut()
            .find(|e| e.starts_with("decided by: "))
        {
            *line = format!("decided by: {why}");
        }
        self.decided_by = why;
    }
}

/// A heap finding folded into the goroutine finding that explains it.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    pub id: String,
    pub kind: FindingKind,
    pub pattern: String,
    pub site: Option<FrameRef>,
    pub counts: Vec<i64>,
    pub unit: &'static str,
    /// The functions both findings share.
    pub through: Vec<String>,
}

fn story_functions(f: &Finding) -> std::collections::BTreeSet<&str> {
    f.frames
        .iter()
        .chain(f.created_by.iter())
        .map(|fr| fr.function.as_str())
        .chain(f.functions.iter().map(|s| s.as_str()))
        .filter(|name| {
            !crate::model::normalize::is_runtime_function(name)
                && *name != "main.main"
                && !name.starts_with("testing.")
                && !name.contains("internal/snap.")
        })
        .collect()
}

/// Folds each heap finding into the goroutine finding whose stack or
/// created-by site shares a function with the allocation stack: leaked
/// goroutines are what keeps that memory reachable.
pub fn link_stories(findings: Vec<Finding>) -> Vec<Finding> {
    let (mut goroutine, heap): (Vec<Finding>, Vec<Finding>) = findings
        .into_iter()
        .partition(|f| f.kind == FindingKind::Goroutine);
    let mut out_heap = Vec::new();
    for h in heap {
        let hf = story_functions(&h);
        let best = goroutine
            .iter()
            .enumerate()
            .filter(|(_, g)| g.severity >= Severity::Medium)
            .map(|(i, g)| {
                let shared: Vec<String> = story_functions(g)
                    .intersection(&hf)
                    .map(|s| s.to_string())
                    .collect();
                (i, shared)
            })
            .filter(|(_, shared)| !shared.is_empty())
            .max_by_key(|(i, shared)| {
                (
                    shared.len(),
                    goroutine[*i].counts.last().copied().unwrap_or(0),
                )
            });
        match best {
            Some((i, through)) => {
                let g = &mut goroutine[i];
                g.evidence.push(format!(
                    "heap: in-use memory allocated at {} grows with it ({}; {}), through {}",
                    h.site.as_ref().map(|f| f.function.as_str()).unwrap_or("?"),
                    fmt_counts(&h.counts, h.unit),
                    h.pattern,
                    through.join(", ")
                ));
                if h.pattern != g.pattern
                    && !g.alternatives.contains(&h.pattern)
                    && h.pattern != "heap-growth"
                {
                    g.alternatives.push(h.pattern.clone());
                }
                g.severity = g.severity.max(h.severity);
                g.linked.push(Linked {
                    id: h.id,
                    kind: h.kind,
                    pattern: h.pattern,
                    site: h.site,
                    counts: h.counts,
                    unit: h.unit,
                    through,
                });
            }
            None => out_heap.push(h),
        }
    }
    goroutine.extend(out_heap);
    goroutine
}

/// How two goroutine groups were started, as their `created by` frames
/// show: the goroutines of one start the other's, or one call starts both.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Started {
    /// The second group's goroutines are started by a function on the
    /// first group's stacks.
    ByThese,
    /// One function starts both, at two `go` statements.
    Together,
}

/// How `b`'s goroutines were started relative to `a`'s, if their
/// `created by` frames tie them.
fn started(a: &Finding, b: &Finding) -> Option<Started> {
    let bc = b.created_by.as_ref()?;
    if a.functions.contains(&bc.function) || a.frames.iter().any(|f| f.function == bc.function) {
        return Some(Started::ByThese);
    }
    let ac = a.created_by.as_ref()?;
    (ac.function == bc.function && ac.line != bc.line).then_some(Started::Together)
}

/// Whether two groups count alike in every snapshot: equal, or apart by
/// one goroutine or 5% at most, as partners are where one of a pair is
/// busy elsewhere at the instant of a snapshot (in another group) or a
/// snapshot falls between the two `go` statements.
fn counted_alike(a: &[i64], b: &[i64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(&x, &y)| (x - y).abs() <= 1.max(x.max(y) / 20))
}

/// Goroutine groups of one population reported once. Goroutines a program
/// starts together (a connection's reader and writer, a tenant's sender
/// and refiller, a client and the watcher it starts) live and die
/// together: their groups count alike in every snapshot, and each alarm
/// one raises the others repeat. Groups of medium or above that count
/// alike (`counted_alike`) and grew, and whose `created by`
/// frames tie them (the goroutines of one start the other's, or one
/// function starts both at two `go` statements), are folded into the
/// surest of them (severity, then confidence; the group that starts the
/// others first), which lists them as related groups and in its evidence.
/// Counts alone do not tie groups: independent leaks may count alike.
pub fn population_stories(findings: Vec<Finding>) -> Vec<Finding> {
    let candidate = |f: &Finding| {
        f.kind == FindingKind::Goroutine
            && f.profile == ProfileKind::Goroutine
            && f.severity >= Severity::Medium
            && f.counts.len() >= 2
            && f.counts.last() > f.counts.first()
            && f.counts.last().is_some_and(|&c| c >= 3)
    };
    let n = findings.len();
    // Union-find over the ties between candidates.
    let mut root: Vec<usize> = (0..n).collect();
    fn find(root: &mut [usize], mut i: usize) -> usize {
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    let mut tied = false;
    for i in 0..n {
        if !candidate(&findings[i]) {
            continue;
        }
        for j in i + 1..n {
            let (a, b) = (&findings[i], &findings[j]);
            if candidate(b)
                && counted_alike(&a.counts, &b.counts)
                && (started(a, b).is_some() || started(b, a).is_some())
            {
                let (ra, rb) = (find(&mut root, i), find(&mut root, j));
                root[ra.max(rb)] = ra.min(rb);
                tied = true;
            }
        }
    }
    if !tied {
        return findings;
    }
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = find(&mut root, i);
        members.entry(r).or_default().push(i);
    }
    // The surest of each population, and where the others go.
    let mut host_of: Vec<Option<usize>> = vec![None; n];
    for group in members.values().filter(|g| g.len() >= 2) {
        let starts_others = |i: usize| {
            group
                .iter()
                .filter(|&&j| {
                    j != i && started(&findings[i], &findings[j]) == Some(Started::ByThese)
                })
                .count()
        };
        let host = *group
            .iter()
            .max_by(|&&x, &&y| {
                let (a, b) = (&findings[x], &findings[y]);
                a.severity
                    .cmp(&b.severity)
                    .then(a.confidence.total_cmp(&b.confidence))
                    .then(starts_others(x).cmp(&starts_others(y)))
                    .then(y.cmp(&x))
            })
            .expect("a population has members");
        for &i in group.iter().filter(|&&i| i != host) {
            host_of[i] = Some(host);
        }
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    for i in 0..n {
        let Some(h) = host_of[i] else { continue };
        let member = slots[i].take().expect("each member is folded once");
        let host = slots[h].as_mut().expect("hosts are not folded");
        let how = match (started(host, &member), started(&member, host)) {
            (Some(Started::ByThese), _) => format!(
                "goroutines these start ({}), ",
                member
                    .created_by
                    .as_ref()
                    .map_or(String::new(), |c| format!("created by {}", c.function))
            ),
            (_, Some(Started::ByThese)) => "the goroutines that start these, ".to_string(),
            (Some(Started::Together), _) => format!(
                "started with these by {}, ",
                member
                    .created_by
                    .as_ref()
                    .map_or("?", |c| c.function.as_str())
            ),
            _ => "started with these (through the other groups listed), ".to_string(),
        };
        host.evidence.push(format!(
            "one population with {}: {how}counted alike in every snapshot ({}); reported here once, as each goroutine of one group lives and ends with its partners in the other",
            member.site.as_ref().map(site_text).unwrap_or_else(|| "another group".into()),
            fmt_counts(&member.counts, member.unit)
        ));
        host.related.push(Related::of(&member));
        // What the member's stack was named stays in the report (its own
        // alternatives are guesses about its stack, not the host's).
        if member.pattern != host.pattern && !host.alternatives.contains(&member.pattern) {
            host.alternatives.push(member.pattern);
        }
        for f in member.functions {
            if !host.functions.contains(&f) {
                host.functions.push(f);
            }
        }
    }
    slots.into_iter().flatten().collect()
}

/// A goroutineleak profile among the inputs is the runtime's own verdict:
/// goroutine findings for groups it marks are leaks whatever their growth;
/// growing groups it does not mark are noted (the detector proves leaks
/// that are unreachable; a goroutine blocked on a channel still reachable,
/// from a global for instance, is not marked, so growth may still be a leak).
pub fn runtime_verdict(findings: &mut Vec<Finding>) {
    // A goroutineleak protobuf records no `created by` (and keeps the
    // runtime frames a debug=2 dump hides), so its groups are matched by
    // their frames outside the runtime as well as by id.
    let frames_of = |f: &Finding| -> Vec<(String, u32)> {
        f.frames
            .iter()
            .filter(|x| !crate::model::normalize::is_runtime_function(&x.function))
            .map(|x| (x.function.clone(), x.line))
            .collect()
    };
    let marked: std::collections::BTreeSet<String> = findings
        .iter()
        .filter(|f| f.profile == ProfileKind::GoroutineLeak)
        .map(|f| f.id.clone())
        .collect();
    let marked_frames: std::collections::BTreeSet<Vec<(String, u32)>> = findings
        .iter()
        .filter(|f| f.profile == ProfileKind::GoroutineLeak)
        .map(frames_of)
        .collect();
    let mut confirmed = std::collections::BTreeSet::new();
    for f in findings
        .iter_mut()
        .filter(|f| f.profile == ProfileKind::Goroutine)
    {
        let frames = frames_of(f);
        if marked.contains(&f.id) || marked_frames.contains(&frames) {
            confirmed.insert(frames);
            if !f.trend.is_growth() {
                f.evidence.push(format!(
                    "growth and the runtime disagree: the count is {}, yet the goroutineleak profile marks this group leaked",
                    f.trend.as_str()
                ));
            }
            f.severity = f.severity.max(Severity::High);
            f.confidence = f.confidence.max(0.95);
            f.set_decided_by(
                "the goroutineleak profile marks this group (leaked): unreachable, they can never wake"
                    .into(),
            );
        } else {
            runtime_unmarked(&mut f.evidence, f.severity, &mut f.confidence);
        }
    }
    // The goroutine finding now carries the runtime's verdict; its twin from
    // the goroutineleak series would report the same goroutines twice.
    findings
        .retain(|f| f.profile != ProfileKind::GoroutineLeak || !confirmed.contains(&frames_of(f)));
}

/// The longest wait of the group in minutes and `limit`, where the group
/// waited longer than `limit` (the duration the source states) and a
/// minute more: the code read contradicts the dump.
fn outwaited(s: &Series, limit: Option<std::time::Duration>) -> Option<(u32, std::time::Duration)> {
    let waited = s.max_wait().unwrap_or(0);
    limit
        .filter(|d| f64::from(waited) > d.as_secs_f64() / 60.0 + 1.0)
        .map(|d| (waited, d))
}

/// The source decides: what decided before it is kept as a note.
fn source_decides(j: &mut Judgement, why: String) {
    j.decide(why, "before the source");
}

/// A wait the source bounds (a timer or a deadline ends it, nothing
/// repeats it) is one its goroutines leave by themselves: growth there is
/// waits that last long, not a leak. The runtime's `(leaked)` marker
/// outranks the reading of the code, and waits longer than the timer's
/// stated duration contradict it. Whether it lowered the finding.
fn bounded(j: &mut Judgement, s: &Series, b: &source::Bound) -> bool {
    if j.severity <= Severity::Low {
        return false;
    }
    if s.leaked > 0 {
        j.notes.push(format!(
            "the runtime and the source disagree: the runtime marks these goroutines leaked, though {}",
            b.evidence
        ));
        return false;
    }
    if let Some((waited, d)) = outwaited(s, b.limit) {
        j.notes.push(format!(
            "the goroutines waited {} here, longer than the {} the source gives the wait: the code read may not be what runs",
            plural(waited as usize, "minute", "minutes"),
            source::fmt_duration(d)
        ));
        return false;
    }
    j.severity = Severity::Low;
    j.confidence = j.confidence.min(0.3);
    source_decides(j, format!("source: {}", b.evidence));
    j.would_decide = Some(
        "Snapshots further apart than the timer or the deadline would show whether these goroutines leave the wait (a wait that lasts long) or stay in it (the code read is not what runs, or the timer is stopped where the source does not show)."
            .into(),
    );
    true
}

/// A loop the source shows waking by itself (a timer at each turn) with a
/// way out: survivors there are goroutines that live long, as a roster's
/// pollers, heartbeats and refreshers do, and as loops nobody stops do;
/// the dumps cannot tell which. At most `medium`, 0.5: the group's growth
/// stands, the survivors' weight as proof of a leak does not; at most
/// `low`, 0.3, where ids are known and its way out is its owner's cancel
/// ([`source::Cycle::cancellable`]). Not where the
/// runtime marked them leaked, nor where they waited longer than the timer
/// (it is stopped, or the code read is not what runs). Whether it lowered
/// the finding.
fn cycling(j: &mut Judgement, s: &Series, c: &source::Cycle) -> bool {
    // Where goroutine ids are known, a loop its owner cancels is long-lived
    // by design, and other evidence (their call returned, the runtime's
    // marker, waits longer than the timer) is what convicts it; counts
    // alone say no more of a cancellable loop than of any growth.
    let by_design = c.cancellable && s.ids_known();
    let (cap, cap_confidence) = if by_design {
        (Severity::Low, 0.3)
    } else {
        (Severity::Medium, 0.5)
    };
    if (j.severity <= cap && j.confidence <= cap_confidence) || s.leaked > 0 {
        return false;
    }
    if let Some(p) = s.outlived_readers() {
        j.notes.push(format!(
            "source: {}; but {} of them outlived the reader of their connection ({}): that way out did not come when the connection ended",
            c.evidence,
            p.outlived,
            p.function
        ));
        return false;
    }
    if let Some((waited, d)) = outwaited(s, c.limit) {
        j.notes.push(format!(
            "the goroutines waited {} here, longer than the {} of the timer that wakes the loop: it does not fire (stopped, or the code read is not what runs)",
            plural(waited as usize, "minute", "minutes"),
            source::fmt_duration(d)
        ));
        return false;
    }
    // Where its way out is its owner's cancel, the members of a roster
    // (pollers, heartbeats, refreshers per key) are ended so, and finding
    // them again says no more than that they live.
    j.severity = j.severity.min(cap);
    j.confidence = j.confidence.min(cap_confidence);
    source_decides(
        j,
        if by_design {
            format!(
                "source: {}; every loop that repeats it reads a cancellation: its owner ends it, as the pollers and heartbeats of a roster are ended, and more of them alive says only that the roster grew",
                c.evidence
            )
        } else {
            format!("source: {}", c.evidence)
        },
    );
    j.would_decide = Some(
        "Whether the loop's way out comes for every goroutine whose owner is done (a Stop, Close or cancel on every path, including errors); later snapshots show whether the group levels off (a roster bounded by the load) or keeps growing (loops nobody stops)."
            .into(),
    );
    true
}

/// A receive the source shows waiting for the result of a goroutine the
/// waiting function started, where every goroutine of the group has a
/// child of that function alive in the last debug=2 snapshot: it waits
/// for that child and ends when it hands its result over; whether the
/// child is stuck is its own group's to say. `low`, 0.3. Whether it
/// lowered the finding.
fn waits_for_children(j: &mut Judgement, s: &Series, why: &str) -> bool {
    if j.severity <= Severity::Low || s.leaked > 0 || s.op.never_wakes() {
        return false;
    }
    if s.all_with_live_children().is_none() {
        return children_unpaired(j, s, Some(why));
    }
    j.severity = Severity::Low;
    j.confidence = j.confidence.min(0.3);
    source_decides(
        j,
        format!(
            "source: {why}; every goroutine of the group has a goroutine it started alive in the last snapshot: it waits for that one, and is stuck only where that one is"
        ),
    );
    j.would_decide = Some(
        "The finding of the goroutines they started: a parent waiting for a live child leaks only where the child does."
            .into(),
    );
    true
}

/// Goroutines whose life the calls that start them hold (`scoped`, from the
/// source: the call stops them before it returns, on the paths that do),
/// more of which are alive in the last snapshot (ids known) than those
/// calls are in flight, with survivors: each call holds at most one while
/// it runs, so the others outlived the call that was to stop them (a path
/// that returns without the stop: an early return, an error). A leak,
/// whatever the wait shows (a heartbeat that keeps ticking, a keeper that
/// keeps renewing): `high` (or the pattern's severity), 0.85, for a group
/// that grew (not churn; not a wait the source bounds).
fn outlived_their_call(
    j: &mut Judgement,
    s: &Series,
    all: &[Series],
    scoped: &source::Scoped,
    base: Severity,
) {
    let Some(go) = s.created_by.as_ref() else {
        return;
    };
    let creator = go.function.as_str();
    // Growth the judgement kept (`low` on survival that did not
    // accumulate, not churn), with survivors.
    let survived = s.leaked_at_least().unwrap_or(0);
    if survived < 2 || j.severity < Severity::Low || !s.trend.verdict.is_growth() || s.leaked > 0 {
        return;
    }
    let last = |t: &Series| t.values.last().copied().unwrap_or(0).max(0) as u64;
    // Started by the same go statement (a call that starts two goroutines
    // holds one of each).
    let children: u64 = all
        .iter()
        .filter(|t| {
            t.created_by
                .as_ref()
                .is_some_and(|c| c.function == creator && c.line == go.line)
        })
        .map(last)
        .sum();
    let Some(pkg) = crate::model::normalize::package_path(creator) else {
        return;
    };
    let holds = |function: &str| {
        let n = golex::parse_func_name(function);
        n.closures.is_empty()
            && !n.wrapper
            && crate::model::normalize::package_path(function) == Some(pkg)
            && scoped
                .scopes
                .iter()
                .any(|(r, name)| *r == n.receiver && *name == n.name)
    };
    let calls: u64 = all
        .iter()
        .filter(|t| t.frames.iter().any(|f| holds(&f.function)))
        .map(last)
        .sum();
    let orphans = children.saturating_sub(calls);
    if orphans < 2 {
        return;
    }
    let holders = scoped
        .scopes
        .iter()
        .map(|(_, n)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    j.severity = j.severity.max(base.max(Severity::High));
    j.confidence = j.confidence.max(0.85);
    let decided = format!(
        "source: {}; {children} goroutines started there ({creator}) are alive in the last snapshot while {calls} {} of {holders} {} in flight, and {survived} of the group outlived the last step: at least {orphans} outlived the call that started them and was to stop them (a path that returns without the stop: an early return, an error)",
        scoped.evidence,
        if calls == 1 { "call" } else { "calls" },
        if calls == 1 { "is" } else { "are" }
    );
    j.decide(decided, "before the calls were counted");
    j.would_decide = Some(format!(
        "The paths of {holders} that return before the stop: each should stop what it started (a defer right after it is started)."
    ));
}

/// A select on a timer that another method of its type stops without
/// waking it otherwise (the source: [`source::SourceVerdict::stopped_elsewhere`]),
/// where goroutine ids are known and two or more of a group that grew
/// outlived the last step: those waiting when it was stopped wait for a
/// tick that never comes. `high` (or the pattern's severity), 0.8.
/// Whether it decided.
fn timer_stopped_elsewhere(j: &mut Judgement, s: &Series, why: &str, base: Severity) -> bool {
    let survived = s.leaked_at_least().unwrap_or(0);
    if survived < 2 || !s.trend.verdict.is_growth() || s.leaked > 0 || j.confidence >= 0.8 {
        return false;
    }
    j.severity = j.severity.max(base.max(Severity::High));
    j.confidence = j.confidence.max(0.8);
    j.decide(
        format!(
            "source: {why}; {} of the group outlived the last step: at least {survived} leaked",
            plural(survived, "goroutine", "goroutines")
        ),
        "before the stopped timer was read",
    );
    j.would_decide = Some(
        "Whether the method that stops the timer runs while goroutines wait on it: it should also wake them (close a done channel, cancel their context), or reset the timer instead of stopping it."
            .into(),
    );
    true
}

/// A wait for children (a WaitGroup's, or with `why` the receive of a
/// child's result the source shows) in a dump that names no parents (Go
/// 1.20 and older), where the waiting function has started at least as
/// many goroutines alive in the last snapshot as the group holds: each
/// waiter may be waiting for a live child, which would end it; which
/// started which is not recorded, so it is not ruled out either. At most
/// `medium`, 0.5. Whether it capped the finding.
fn children_unpaired(j: &mut Judgement, s: &Series, why: Option<&str>) -> bool {
    let Some((children, total)) = s.as_many_live_children() else {
        return false;
    };
    if j.severity <= Severity::Medium && j.confidence <= 0.5 {
        return false;
    }
    let creator = Some(crate::diff::waiting_function(&s.frames))
        .filter(|f| !f.is_empty())
        .unwrap_or("the waiting function");
    j.severity = j.severity.min(Severity::Medium);
    j.confidence = j.confidence.min(0.5);
    let decided = format!(
        "{}{} goroutines started by {creator} or a function it calls (by their `created by`, and the calls the stacks show) are alive in the last snapshot, as many as or more than the {total} of the group waiting for children there: each may be waiting for a live one, and a parent waiting for a live child ends when it does; this dump names no parent goroutines (Go 1.20 and older), so which waits for which is not known",
        why.map_or(String::new(), |w| format!("source: {w}; ")),
        children
    );
    j.decide(decided, "before the children were counted");
    j.would_decide = Some(
        "A goroutine?debug=2 dump of Go 1.21 or later names each goroutine's parent, and shows whether every waiter has a live child (it ends when that does) or some have none left (a Done skipped on a path: stuck for good); the findings of the goroutines they started say whether those are stuck."
            .into(),
    );
    true
}

/// A goroutine finding of medium or above for a group the runtime's leak
/// detection ran on and did not mark: noted, and less sure. Evidence of its
/// own that reached 0.95 (waits that grow with the clock) stands: the
/// runtime proves only unreachable leaks.
fn runtime_unmarked(evidence: &mut Vec<String>, severity: Severity, confidence: &mut f64) {
    if severity < Severity::Medium {
        return;
    }
    evidence.push(
        "growth and the runtime disagree: the goroutineleak profile given does not mark this group (its goroutines are still reachable, e.g. from a global, or not leaked)"
            .into(),
    );
    if *confidence < 0.95 {
        *confidence = ((*confidence - 0.15).max(0.05) * 100.0).round() / 100.0;
    }
}

/// Options of the classification.
#[derive(Debug, Clone, Default)]
pub struct ClassifyOptions {
    /// Groups whose frames or created-by function match are dropped.
    pub ignore: Vec<Regex>,
    /// Local source code the stacks point at (`--source`).
    pub source: Option<std::sync::Arc<source::SourceIndex>>,
}

/// The series of one kind of snapshot, ready for classification.
pub struct KindSeries<'a> {
    pub kind: ProfileKind,
    pub series: &'a [Series],
    pub snapshots: usize,
    /// Goroutineleak profiles as debug=2 text: they hold every goroutine
    /// and mark each leaked one, where a protobuf or debug=1 leak profile
    /// holds only the leaked ones.
    pub marks_each: bool,
    /// The last snapshot of this goroutine series is a goroutineleak
    /// profile as debug=2 text (only leak profiles were given): the runtime
    /// ran its leak detection on it, so a group it does not mark is one it
    /// found reachable.
    pub runtime_checked: bool,
}

enum Match {
    Yes,
    /// Could be this, but the input cannot tell; the string says what would.
    Undecided(&'static str),
    No,
}

fn ignored(s: &Series, opts: &ClassifyOptions) -> bool {
    opts.ignore.iter().any(|re| {
        s.frames.iter().any(|f| re.is_match(&f.function))
            || s.created_by
                .as_ref()
                .is_some_and(|c| re.is_match(&c.function))
    })
}

/// A group waits in one of the entry's operations; debug=1 text, which
/// hides the runtime's frames, leaves the operation unknown, and then a
/// group reading the network (its poll frames are not hidden) is in IO wait
/// and any other may be in the entry's other operations.
fn in_entry_state(e: &catalog::Compiled, g: &Series) -> bool {
    if e.ops.is_empty() || e.ops.contains(&g.op) {
        return true;
    }
    g.op == BlockingOp::Other
        && if reads_network(g) {
            e.ops.contains(&BlockingOp::IoWait)
        } else {
            e.ops.iter().any(|&op| op != BlockingOp::IoWait)
        }
}

fn reads_network(g: &Series) -> bool {
    g.frames.iter().any(|f| {
        f.function.starts_with("internal/poll.")
            || f.function.starts_with("net.(*conn).Read")
            || f.function.starts_with("net.(*netFD).Read")
    })
}

fn frames_match(re: &Regex, s: &Series) -> bool {
    s.frames.iter().any(|f| re.is_match(&f.function))
}

/// Heap signatures: some single allocation stack of the site matches every
/// regex (a site groups many stacks; their union would match too much).
fn alloc_match(res: &[Regex], s: &Series) -> bool {
    if s.stacks.is_empty() {
        return res.iter().all(|re| frames_match(re, s));
    }
    // Each regex runs once per distinct name, not once per frame.
    let matching = names_matching(res, s);
    s.stacks.ids().any(|stack| {
        matching
            .iter()
            .all(|m| stack.iter().any(|id| m.contains(id)))
    })
}

/// Per regex, the ids of the names in `s`'s stacks it matches.
fn names_matching(res: &[Regex], s: &Series) -> Vec<rustc_hash::FxHashSet<crate::model::Sym>> {
    let names = s.stacks.name_ids();
    res.iter()
        .map(|re| {
            names
                .iter()
                .copied()
                .filter(|&id| re.is_match(s.stacks.name(id)))
                .collect()
        })
        .collect()
}

fn siblings(s: &Series) -> Option<bool> {
    if s.parents.is_empty() {
        return None;
    }
    // NCast: many parents (requests), each leaving several siblings behind.
    // One parent with everything is a loop in one goroutine, not a fan-out.
    let total: u32 = s.parents.values().sum();
    let max = s.parents.values().copied().max().unwrap_or(0);
    Some(s.parents.len() >= 2 && max >= 2 && total as usize >= 2 * s.parents.len())
}

/// What the goroutine evidence allows of an entry.
fn match_entry(e: &catalog::Compiled, s: &Series, kind: FindingKind, growing: &[&Series]) -> Match {
    let sig = &e.entry.signature;
    if e.entry.severity == Severity::Info {
        // Informational entries (cyclic-references) explain; they never match.
        return Match::No;
    }
    if kind == FindingKind::Heap {
        // The heap side: alloc_frames (or a plain heap entry, the fallback),
        // matched against the allocation stacks of the site.
        let applies = !e.alloc_frames.is_empty() || e.entry.kind == catalog::EntryKind::Heap;
        if !applies || !alloc_match(&e.alloc_frames, s) {
            return Match::No;
        }
        if !e.not_frames.is_empty() {
            let not = names_matching(&e.not_frames, s);
            if s.stacks
                .ids()
                .all(|st| not.iter().any(|m| st.iter().any(|id| m.contains(id))))
            {
                return Match::No;
            }
        }
        return Match::Yes;
    }
    // The goroutine side: only entries that say something about goroutines.
    let goroutine_side = !sig.ops.is_empty()
        || !sig.frames.is_empty()
        || !sig.created_by.is_empty()
        || !sig.rules.is_empty();
    if !goroutine_side {
        return Match::No;
    }
    // debug=1 text does not record the operation: an entry that names its
    // frames still matches on them.
    let op_unknown = s.op == BlockingOp::Other && !e.frames.is_empty();
    let any_frame = || e.frames.iter().any(|re| frames_match(re, s));
    let named = if e.has_rule("frames_or_ops") {
        // Either names the entry: its operation, or a frame that waits in
        // another one (net.Pipe's connections wait in a select, not on the
        // network).
        e.ops.contains(&s.op) || any_frame()
    } else {
        (e.ops.is_empty() || e.ops.contains(&s.op) || op_unknown)
            && if e.has_rule("grows_with_pair") {
                any_frame()
            } else {
                e.frames.iter().all(|re| frames_match(re, s))
            }
    };
    if !named {
        return Match::No;
    }
    if e.not_frames.iter().any(|re| frames_match(re, s)) {
        return Match::No;
    }
    if let Some(re) = &e.created_by {
        if !s
            .created_by
            .as_ref()
            .is_some_and(|c| re.is_match(&c.function))
        {
            return Match::No;
        }
    }
    if e.has_rule("never_wakes") && !s.op.never_wakes() {
        return Match::No;
    }
    if e.has_rule("grows_with_pair") {
        // Each side of the pair must be growing in the entry's state: an
        // HTTP writeLoop always waits in select, so it is its readLoop
        // partner's state (select, not reading the network) that decides.
        // The sides are the distinct functions the entry's frames name
        // (one regex may name both loops); a pair needs two growing.
        let mut sides = std::collections::BTreeSet::new();
        for g in growing.iter().filter(|g| in_entry_state(e, g)) {
            for f in &g.frames {
                if e.frames.iter().any(|re| re.is_match(&f.function)) {
                    sides.insert(f.function.as_str());
                }
            }
        }
        if sides.len() < 2 {
            return Match::Undecided("a second group of the pair growing in lockstep");
        }
    }
    if e.has_rule("siblings_from_one_parent") {
        match siblings(s) {
            None => return Match::Undecided("parent goroutine ids (a Go 1.21+ debug=2 dump prints `created by … in goroutine N`)"),
            Some(false) => return Match::No,
            Some(true) => {}
        }
        if s.parent_state
            .is_some_and(|p| p.accumulating * 2 > p.gone + p.waiting + p.alive)
        {
            return Match::Undecided("the goroutine ids or the source: their parents are long-lived callers that started more of them between snapshots, which the leftovers of any call they make share");
        }
    }
    if e.has_rule("needs_source") {
        return Match::Undecided("the source code around the blocking line and the go statement");
    }
    Match::Yes
}

/// FNV-1a's offset basis: the hash of nothing.
const FNV_OFFSET: u32 = 0x811c9dc5;

/// One FNV-1a step over `bytes` from the hash `h`.
fn fnv1a(mut h: u32, bytes: &[u8]) -> u32 {
    for &x in bytes {
        h ^= u32::from(x);
        h = h.wrapping_mul(0x01000193);
    }
    h
}

fn stable_id(kind: FindingKind, s: &Series) -> String {
    // FNV-1a over the representative key: stable across runs and machines.
    let mut h = FNV_OFFSET;
    let mut eat = |b: &[u8]| h = fnv1a(h, b);
    eat(match kind {
        FindingKind::Goroutine => b"g",
        FindingKind::Heap => b"h",
    });
    eat(s.op.as_str().as_bytes());
    for f in s
        .frames
        .iter()
        .filter(|f| !crate::model::normalize::is_runtime_function(&f.function))
    {
        eat(f.function.as_bytes());
        eat(&f.line.to_le_bytes());
    }
    if let Some(c) = &s.created_by {
        eat(c.function.as_bytes());
    }
    format!(
        "{}{:08x}",
        if kind == FindingKind::Goroutine {
            "G"
        } else {
            "H"
        },
        h
    )
}

fn site_text(f: &FrameRef) -> String {
    if f.file.is_empty() {
        f.function.clone()
    } else {
        format!("{} ({}:{})", f.function, f.file, f.line)
    }
}

/// With one snapshot, a blocked group this large and waiting a minute or more
/// is reported (at low severity), as in Uber's single-profile LeakProf.
pub const SINGLE_MIN_COUNT: i64 = 10;

/// Smallest heap growth (bytes, first to last snapshot) reported.
pub const MIN_HEAP_GROWTH: i64 = 16 << 10;

/// Whether a series is worth a finding at all, before any pattern.
fn is_candidate(s: &Series, kind: FindingKind, n: usize) -> bool {
    if s.background {
        return false;
    }
    let t = &s.trend;
    match kind {
        FindingKind::Goroutine => {
            if s.last() <= 0 {
                return false;
            }
            // The runtime's own verdict holds whatever the counts do.
            if s.leaked > 0 {
                return true;
            }
            match t.verdict {
                Verdict::Growing | Verdict::GrowingNoisy => {
                    s.op != BlockingOp::Running || patterns::running_group_survives(s, n)
                }
                Verdict::Steady | Verdict::Stepped => s.leaked > 0 || s.op.never_wakes(),
                Verdict::Single => {
                    let blocked = s.op.is_blocked()
                        && s.op != BlockingOp::IoWait
                        && s.op != BlockingOp::Sleep;
                    let wait = s.max_wait().unwrap_or(0);
                    s.leaked > 0
                        || (s.op.never_wakes() && n == 1)
                        || (blocked && s.last() >= SINGLE_MIN_COUNT && wait >= 1)
                        || (blocked && s.last() >= 1000)
                }
                _ => false,
            }
        }
        FindingKind::Heap => heap_shape(s).is_some(),
    }
}

/// How a heap series qualifies for a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeapShape {
    /// Grows, and did not slow to a fill.
    Growing,
    /// Rose beyond the sampling error, never clearly fell back, then held
    /// (or slowed to a fill): a cache filling up looks the same, so only objects
    /// nothing but the runtime keeps ([`UNREFERENCED_PATTERNS`]) make it a
    /// finding.
    Held,
    /// Over three or more steps, each within the sampling error: never
    /// fell, rose at two or more and at the last, beyond the error from
    /// first to last, with a trend in its sample counts ([`poisson_trend_z`]
    /// at one-sided 5%), and fits steady growth better than a step to a
    /// level: a leak slow against the sampling period, not a fill (which
    /// stops rising).
    Rising,
}

/// The score test for a trend in Poisson counts (the samples behind each
/// value, `(value / sigma)²`) against snapshot order: under no change every
/// count has the pooled mean as its variance. Unlike a slope weighted by
/// each value's own error, it does not discount the larger, later values
/// of a series that grows. One-sided 5% is 1.645. 0 when the profiles
/// hold fewer than three samples each on average.
fn poisson_trend_z(values: &[i64], sigma: &[f64]) -> f64 {
    let counts: Vec<f64> = values
        .iter()
        .zip(sigma)
        .map(|(&v, &s)| {
            if v > 0 && s > 0.0 {
                (v as f64 / s).powi(2)
            } else {
                0.0
            }
        })
        .collect();
    let n = counts.len();
    if n < 2 {
        return 0.0;
    }
    let mean = counts.iter().sum::<f64>() / n as f64;
    // Below three samples a profile on average the normal approximation
    // does not hold (0 → 1 → 2 → 4 samples is any site that grew at all).
    if mean < 3.0 {
        return 0.0;
    }
    let mid = (n - 1) as f64 / 2.0;
    let num: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, c)| (i as f64 - mid) * c)
        .sum();
    let spread: f64 = (0..n).map(|i| (i as f64 - mid).powi(2)).sum();
    num / (mean * spread).sqrt()
}

fn heap_shape(s: &Series) -> Option<HeapShape> {
    let t = &s.trend;
    // Sampled estimates: growth must be clear in absolute and relative
    // terms: at least MIN_HEAP_GROWTH bytes and a fifth of the start.
    let delta = t.last - t.first;
    // A site made only of runtime frames (goroutine descriptors and
    // stacks) grows with goroutines; the goroutine findings say why.
    let runtime_only = s
        .frames
        .iter()
        .all(|f| crate::model::normalize::is_runtime_function(&f.function));
    if runtime_only || delta < MIN_HEAP_GROWTH || (t.first > 0 && delta * 5 < t.first) {
        return None;
    }
    // Growth that slows to under half its first step is a cache or a
    // pool filling up, not a leak.
    // With a known sampling error, only a last step clearly (beyond
    // two standard errors) under half the first one counts.
    let steps: Vec<i64> = s.values.windows(2).map(|w| w[1] - w[0]).collect();
    let k = steps.len();
    let sampled = s.sigma.len() == s.values.len() && k >= 1;
    let last_step_error = if sampled {
        (s.sigma[k].powi(2) + s.sigma[k - 1].powi(2)).sqrt()
    } else {
        0.0
    };
    let saturating =
        k >= 2 && (steps[k - 1] as f64 + 2.0 * last_step_error) * 2.0 <= steps[0] as f64;
    if t.verdict == Verdict::Growing && !saturating {
        return Some(HeapShape::Growing);
    }
    // A rise beyond the sampling error of first and last (the test a step
    // up passes in `Trend::judge_sampled`), and no value clearly (beyond
    // two standard errors, as a step down there) above the last: what a
    // leak holds, it keeps.
    let n = s.values.len();
    let sd = |i: usize, j: usize| (s.sigma[i].powi(2) + s.sigma[j].powi(2)).sqrt();
    if sampled
        && k >= 3
        && steps.iter().all(|&d| d >= 0)
        && steps.iter().filter(|&&d| d > 0).count() >= 2
        && steps[k - 1] > 0
        && poisson_trend_z(&s.values, &s.sigma) >= 1.645
        && t.sustained
        && !saturating
        && delta as f64 > sd(0, n - 1)
    {
        return Some(HeapShape::Rising);
    }
    let held = sampled
        && n >= 3
        && matches!(t.verdict, Verdict::Growing | Verdict::Stepped)
        && (0..n - 1).all(|i| (s.values[i] - t.last) as f64 <= 2.0 * sd(i, n - 1))
        && delta as f64 > sd(0, n - 1);
    held.then_some(HeapShape::Held)
}

/// Classifies the series of one kind of snapshot.
pub fn classify(ks: &KindSeries, catalog: &Catalog, opts: &ClassifyOptions) -> Vec<Finding> {
    let kind = if ks.kind.is_memory() {
        FindingKind::Heap
    } else {
        FindingKind::Goroutine
    };
    let unit = if kind == FindingKind::Heap {
        "bytes"
    } else {
        "goroutines"
    };
    let n = ks.snapshots;
    // Every goroutine of a goroutineleak profile is one the garbage
    // collector proved unreachable: the runtime marked it leaked.
    let marked: Vec<Series>;
    let series: &[Series] = if ks.kind == ProfileKind::GoroutineLeak && !ks.marks_each {
        marked = ks
            .series
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.leaked = s
                    .leaked
                    .max(s.values.iter().copied().max().unwrap_or(0).max(0) as u64);
                s
            })
            .collect();
        &marked
    } else {
        ks.series
    };
    let mut candidates: Vec<&Series> = series
        .iter()
        .filter(|s| !ignored(s, opts) && is_candidate(s, kind, n))
        // A leak profile speaks only of the goroutines it marks.
        .filter(|s| ks.kind != ProfileKind::GoroutineLeak || s.leaked > 0)
        .collect();
    // An HTTP connection's pair is reported as its readLoop, the side that
    // holds the response body, with its writeLoop folded in: readLoops first.
    candidates.sort_by_key(|s| s.site().is_some_and(|f| f.function == HTTP_WRITE_LOOP));
    let growing: Vec<&Series> = candidates
        .iter()
        .copied()
        .filter(|s| s.trend.verdict.is_growth())
        .collect();
    // Functions some goroutine of the last snapshot is in: a closure's
    // creator that is in none of them has returned.
    let running: std::collections::BTreeSet<&str> = series
        .iter()
        .filter(|s| s.last() > 0)
        .flat_map(|s| s.frames.iter().map(|f| f.function.as_str()))
        .collect();
    let mut findings: Vec<Finding> = Vec::new();
    let mut merged_into: BTreeMap<String, usize> = BTreeMap::new();
    let user_files = if opts.source.is_some() {
        user_files(ks.series)
    } else {
        Vec::new()
    };
    for s in &candidates {
        let mut yes: Vec<&catalog::Compiled> = Vec::new();
        let mut undecided: Vec<(&catalog::Compiled, &'static str)> = Vec::new();
        for e in &catalog.entries {
            match match_entry(e, s, kind, &growing) {
                Match::Yes => yes.push(e),
                Match::Undecided(why) => undecided.push((e, why)),
                Match::No => {}
            }
        }
        yes.sort_by(|a, b| {
            b.entry
                .signature
                .priority
                .cmp(&a.entry.signature.priority)
                .then(a.entry.id.cmp(&b.entry.id))
        });
        undecided.sort_by(|a, b| {
            b.0.entry
                .signature
                .priority
                .cmp(&a.0.entry.signature.priority)
        });
        let Some(top) = yes.first().copied().or_else(|| {
            catalog.get(if kind == FindingKind::Heap {
                "heap-growth"
            } else {
                fallback_pattern(s.op)
            })
        }) else {
            continue;
        };
        // An HTTP connection's writeLoop waits in select whatever the
        // connection does, so it says nothing its readLoop does not: it is
        // reported only with its pair (bodies left open), never alone.
        if !top.has_rule("grows_with_pair")
            && s.site().is_some_and(|f| f.function == HTTP_WRITE_LOOP)
        {
            continue;
        }
        // Pairs (HTTP read and write loops) become one finding.
        if top.has_rule("grows_with_pair") {
            if let Some(&i) = merged_into.get(&top.entry.id) {
                findings[i].related.push(Related {
                    site: s.site().cloned(),
                    counts: s.values.clone(),
                    wait: s.op,
                });
                findings[i].evidence.push(format!(
                    "{} grows in lockstep: {}",
                    s.site().map(site_text).unwrap_or_default(),
                    fmt_counts(&s.values, unit)
                ));
                continue;
            }
        }
        let mut alternatives: Vec<String> = Vec::new();
        let mut push_alt = |id: &str| {
            if id != top.entry.id && !alternatives.iter().any(|a| a == id) {
                alternatives.push(id.to_string());
            }
        };
        for e in yes.iter().skip(1) {
            push_alt(&e.entry.id);
        }
        for (e, _) in &undecided {
            if e.entry.signature.priority >= top.entry.signature.priority || yes.len() <= 1 {
                push_alt(&e.entry.id);
            }
        }
        for a in &top.entry.alternatives {
            push_alt(a);
        }
        // The most probable pattern first where the stack only names a
        // generic operation: a debug=2 `chan receive` is also how a `for
        // range` loop (runtime.chanrecv2, which text dumps hide) waits, and
        // a receive loop over a channel nobody closes is the common leak.
        let inferred = most_probable(s, &top.entry.id, &running)
            // With the source, it decides; only the text dump's hidden
            // range receive (the stack's own reading) stays as before.
            .filter(|(p, _)| {
                opts.source.is_none()
                    || (*p == "range-unclosed-channel" && top.entry.id == "chan-receive-blocked")
            })
            .and_then(|(p, why)| catalog.get(p).map(|p| (p, why)));
        let mut inferred_evidence = None;
        // A pattern inferred without the source names the likeliest cause;
        // the severity stays the one the stack's own pattern earns.
        let stack_top = top;
        let top = match inferred {
            Some((p, why)) => {
                let old = top.entry.id.clone();
                alternatives.retain(|a| *a != p.entry.id);
                alternatives.insert(0, old.clone());
                for a in &p.entry.alternatives {
                    if !alternatives.contains(a) && *a != p.entry.id {
                        alternatives.push(a.clone());
                    }
                }
                inferred_evidence = Some(format!(
                    "inferred without source: {} rather than {old}, because {why}; the stack alone cannot decide (run with --source to decide from the code)",
                    p.entry.id
                ));
                p
            }
            None => top,
        };
        let mut decide = top.entry.decide.clone();
        let undecided_higher: Vec<_> = undecided
            .iter()
            .filter(|(e, _)| e.entry.signature.priority >= top.entry.signature.priority)
            .collect();
        if !undecided_higher.is_empty() {
            let mut whats: Vec<&str> = undecided_higher.iter().map(|(_, w)| *w).collect();
            whats.dedup();
            let ids: Vec<&str> = undecided_higher
                .iter()
                .map(|(e, _)| e.entry.id.as_str())
                .collect();
            let extra = format!(
                "To tell {} from {}: {}.",
                top.entry.id,
                ids.join(", "),
                whats.join("; ")
            );
            decide = if decide.is_empty() {
                extra
            } else {
                format!("{extra} {decide}")
            };
        }
        // The source decides what the stack alone cannot.
        let mut top = top;
        let mut wait = s.op;
        let mut source_info = None;
        let mut source_evidence = Vec::new();
        let mut bound = None;
        let mut cycle = None;
        let mut awaits_child = None;
        let mut scoped = None;
        let mut stopped = None;
        let mut read_wait = false;
        if let Some(index) = &opts.source {
            // Plain heap growth allocated in the standard library (the key
            // fmt.Sprintf builds for a map): the program's own line that
            // called it is what the source can judge.
            let site_at = s
                .site()
                .and_then(|site| s.frames.iter().position(|f| std::ptr::eq(f, site)))
                .map(|i| {
                    if kind == FindingKind::Heap
                        && top.entry.id == "heap-growth"
                        && !patterns::is_own(&s.frames[i].function)
                    {
                        patterns::own_frame(&s.frames[i..]).map_or(i, |k| i + k)
                    } else {
                        i
                    }
                });
            let mut verdict = source::examine(
                index,
                &source::Subject {
                    op: s.op,
                    heap: kind == FindingKind::Heap,
                    site: site_at.map(|i| &s.frames[i]),
                    caller: site_at.and_then(|i| s.frames.get(i + 1)),
                    created_by: s.created_by.as_ref(),
                    frames: &s.frames,
                    library: is_library_signature(top, s).then_some(top.entry.id.as_str()),
                    user_files: &user_files,
                    exact_op: !s.states.is_empty()
                        || s.frames.first().is_some_and(|f| {
                            crate::model::normalize::is_runtime_function(&f.function)
                        }),
                },
            );
            if let Some(op) = verdict.op {
                wait = op;
            }
            let decided = verdict.pattern.or_else(|| verdict.op.map(fallback_pattern));
            if let Some(p) = decided.and_then(|p| catalog.get(p)) {
                top = decided_by_source(top, p, &mut alternatives);
                decide = format!("Decided by the source: {}", verdict.evidence.join("; "));
            }
            // Issue-20 patterns the code decides (busy loops, boxed values,
            // global slices, defer in loops, finalizer cycles, captured data).
            if let Some((p, ev)) = patterns::decide(index, s, kind, top, verdict.pattern) {
                if let Some(p) = catalog.get(p) {
                    top = decided_by_source(top, p, &mut alternatives);
                    decide = format!("Decided by the source: {}", ev.join("; "));
                    verdict.evidence = ev;
                    if p.entry.id == "busy-loop" {
                        wait = BlockingOp::Running;
                    }
                }
            }
            source_evidence = verdict
                .evidence
                .iter()
                .map(|e| format!("source: {e}"))
                .collect();
            bound = verdict.bound.take();
            cycle = verdict.cycle.take();
            awaits_child = verdict.awaits_child.take();
            scoped = verdict.scoped.take();
            stopped = verdict.stopped_elsewhere.take();
            read_wait = verdict.info.site.is_some();
            if verdict.info.site.is_some() || verdict.info.go_statement.is_some() {
                source_info = Some(verdict.info);
            }
        }
        // A heap site that rose and then held is a cache or a pool filling
        // up unless what it holds is pending timers.
        if kind == FindingKind::Heap
            && heap_shape(s) == Some(HeapShape::Held)
            && !UNREFERENCED_PATTERNS.contains(&top.entry.id.as_str())
        {
            continue;
        }
        let inferred_only =
            inferred_evidence.is_some() && !decide.starts_with("Decided by the source");
        let mut j = judge(
            s,
            if inferred_only { stack_top } else { top },
            kind,
            n,
            read_wait,
        );
        let bounded_wait = bound.is_some();
        if let Some(b) = bound.filter(|_| kind == FindingKind::Goroutine) {
            if bounded(&mut j, s, &b) {
                // Said once, as what decided.
                source_evidence.retain(|e| !e.ends_with(&b.evidence));
            }
        }
        if let Some(c) = cycle.filter(|_| kind == FindingKind::Goroutine) {
            if cycling(&mut j, s, &c) {
                source_evidence.retain(|e| !e.ends_with(&c.evidence));
            }
        }
        if let Some(a) = awaits_child.filter(|_| kind == FindingKind::Goroutine) {
            if waits_for_children(&mut j, s, &a) {
                source_evidence.retain(|e| !e.ends_with(&a));
            }
        }
        if let Some(why) = scoped.filter(|_| kind == FindingKind::Goroutine && !bounded_wait) {
            outlived_their_call(&mut j, s, ks.series, &why, top.entry.severity);
        }
        if let Some(why) = stopped.filter(|_| kind == FindingKind::Goroutine) {
            if timer_stopped_elsewhere(&mut j, s, &why, top.entry.severity) {
                source_evidence.retain(|e| !e.ends_with(&why));
            }
        }
        if ks.runtime_checked && kind == FindingKind::Goroutine && s.leaked == 0 {
            runtime_unmarked(&mut j.notes, j.severity, &mut j.confidence);
        }
        let (severity, confidence) = (j.severity, j.confidence);
        let mut evidence = vec![format!("decided by: {}", j.decided_by)];
        evidence.extend(self::evidence(s, kind, unit, n));
        evidence.extend(j.notes.iter().cloned());
        if inferred_only {
            evidence.extend(inferred_evidence);
        }
        evidence.extend(source_evidence);
        if let Some(what) = &j.would_decide {
            decide = if decide.is_empty() {
                what.clone()
            } else {
                format!("{what} {decide}")
            };
        }
        // The loaders set an operation that never wakes only on evidence
        // (a wait reason, the park of runtime frames or their hidden
        // addresses, the source): patterns of other operations are then no
        // alternative.
        // Conversely a debug=2 wait reason names a nil channel or a select
        // with no cases where there is one.
        if wait.never_wakes() || !s.states.is_empty() {
            let possible = |ops: &[BlockingOp]| {
                ops.is_empty()
                    || if wait.never_wakes() {
                        ops.contains(&wait)
                    } else {
                        !ops.iter().all(|o| o.never_wakes())
                    }
            };
            alternatives.retain(|a| catalog.get(a).is_none_or(|e| possible(&e.ops)));
        }
        let score = score(s, confidence);
        let f = Finding {
            id: stable_id(kind, s),
            rank: 0,
            kind,
            profile: ks.kind,
            pattern: top.entry.id.clone(),
            alternatives,
            title: top.entry.title.clone(),
            severity,
            confidence,
            score,
            counts: s.values.clone(),
            unit,
            wait,
            wait_minutes: s.waits.clone(),
            max_wait_minutes: s.max_wait(),
            trend: s.trend.verdict,
            frames: s
                .frames
                .iter()
                .filter(|f| f.function != "runtime.goexit")
                .cloned()
                .collect(),
            site: s.site().cloned(),
            created_by: s.created_by.clone(),
            labels: s
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.iter().cloned().collect()))
                .collect(),
            evidence,
            decide,
            explanation: top.entry.why.trim().to_string(),
            fix: top.entry.fix.trim().to_string(),
            snippet: top.entry.snippet.trim_matches('\n').to_string(),
            references: top.entry.references.clone(),
            related: Vec::new(),
            source: source_info,
            linked: Vec::new(),
            functions: s.stacks.functions(),
            survivors: s
                .survivors
                .iter()
                .zip(&s.moved)
                .map(|(a, b)| Some(a.as_ref()? + b.as_ref()?))
                .collect(),
            moved: s.moved.clone(),
            left: s.left.clone(),
            exited: s.survivors_gone.clone(),
            leaked_at_least: s.leaked_at_least(),
            present_since: s.oldest_survivors().map(|(k, _)| k + 1),
            decided_by: j.decided_by,
            instances: Vec::new(),
            instances_total: None,
            counts_only: j.counts_only,
        };
        if top.has_rule("grows_with_pair") {
            merged_into.insert(top.entry.id.clone(), findings.len());
        }
        findings.push(f);
    }
    findings
}

/// The pattern the source decided takes the top; the one it replaces
/// becomes the first alternative (the decided one is no longer one).
fn decided_by_source<'c>(
    top: &'c catalog::Compiled,
    decided: &'c catalog::Compiled,
    alternatives: &mut Vec<String>,
) -> &'c catalog::Compiled {
    if decided.entry.id == top.entry.id {
        return top;
    }
    alternatives.retain(|a| *a != decided.entry.id);
    if !alternatives.contains(&top.entry.id) {
        alternatives.insert(0, top.entry.id.clone());
    }
    decided
}

/// Without the source: the pattern the evidence of the profile makes most
/// probable when only a generic, operation-level entry matched, with the
/// evidence that made it so. The generic entry stays first among the
/// alternatives; only the source (`--source`) decides.
fn most_probable(
    s: &Series,
    top: &str,
    running: &std::collections::BTreeSet<&str>,
) -> Option<(&'static str, String)> {
    let in_package =
        |f: &FrameRef, pkg: &str| crate::model::normalize::package_path(&f.function) == Some(pkg);
    // A goroutine started by the context or time package, or waiting under
    // one of their frames, waits for a context or a timer.
    let by = |pkg: &str| {
        s.created_by
            .iter()
            .chain(s.frames.iter())
            .any(|f| in_package(f, pkg))
    };
    let receive = matches!(
        s.op,
        BlockingOp::ChanReceive | BlockingOp::RangeReceive | BlockingOp::Select
    );
    if receive && by("context") {
        return Some((
            "context-not-cancelled",
            "the goroutine waits under a context frame (or the context package started it): a context nobody cancels".into(),
        ));
    }
    if receive && by("time") {
        return Some((
            "ticker-not-stopped",
            "the goroutine waits under a time frame (or the time package started it): a timer or ticker nobody stops".into(),
        ));
    }
    match top {
        "chan-send-blocked" => match send_by_id_runs(s) {
            Runs::Decide(p, why) => Some((p, why)),
            Runs::Batch => None,
            Runs::Unknown => closure_of_returned(s, running)
                .map(|f| {
                    (
                        "premature-return",
                        format!(
                            "the sender is a function literal of {f}, and no goroutine is in {f} any more: it captured a channel of a call that returned without receiving (a timeout, a fan-out or a second send leave the same trace)"
                        ),
                    )
                })
                .or_else(|| {
                    started_by_returned(s, running).map(|f| {
                        (
                            "premature-return",
                            format!(
                                "the sender was started by {f} (its `created by` line), and no goroutine is in {f} any more: the call that started it returned without receiving (a timeout, a fan-out or a second send leave the same trace)"
                            ),
                        )
                    })
                }),
        },
        "chan-receive-blocked" => {
            // Text dumps hide chanrecv2 (debug=2 says `chan receive`, debug=1's
            // hidden frames may only say receive); a protobuf profile shows
            // which, and so do debug=1's hidden addresses where they order
            // two wrappers, and a function literal on one line.
            let plain = if s.frames.iter().any(|f| f.function == "runtime.chanrecv1") {
                Some("one plain receive (runtime.chanrecv1), not a loop (runtime.chanrecv2)".to_string())
            } else if s.plain_receive {
                Some("debug=1 hides the receive's wrapper, but its address lies below another record's wrapper under the same park address: runtime.chanrecv1, one plain receive, not a loop (runtime.chanrecv2)".to_string())
            } else {
                one_line_literal(s).map(|(f, at)| {
                    format!(
                        "the function literal {f} waits on the line of its own go statement ({at}): a literal on one line holds no loop (gofmt gives a loop's body lines of its own), so this is one plain receive, not a `for range`"
                    )
                })
            };
            let text_receive = s.op == BlockingOp::ChanReceive
                && plain.is_none()
                && s.states
                    .keys()
                    .all(|k| k.starts_with("chan receive") && !k.contains("nil"));
            if let Some(why) = plain {
                Some((
                    "context-not-cancelled",
                    format!("{why}: a goroutine that waits once for a signal that never comes, most often `<-ctx.Done()` of a context nobody cancels"),
                ))
            } else if text_receive {
                Some((
                    "range-unclosed-channel",
                    "a text dump names a receive without telling a plain one (runtime.chanrecv1) from a `for range` or comma-ok one (runtime.chanrecv2, which it hides): a receive loop over a channel nobody closes is the commonest such leak".into(),
                ))
            } else {
                None
            }
        }
        // Three hidden frames are gopark under a channel operation and its
        // wrapper (chansend1, chanrecv1, chanrecv2).
        "goroutine-blocked"
            if s.op == BlockingOp::Other && s.hidden_frames == 3 && !s.frames.is_empty() =>
        {
            Some((
                "range-unclosed-channel",
                "debug=1 text hides the three runtime frames of a channel operation, and no other record of the profile orders them to tell a send from a receive; a receive loop over a channel nobody closes is the commonest such wait that never ends".into(),
            ))
        }
        _ => None,
    }
}

/// A blocked send: how the goroutine ids of the group (debug=2) run. The
/// runtime hands out ids in order, so goroutines started together are
/// consecutive: runs of the same few ids, again and again, are the siblings
/// of a fan-out that took only the first reply (NCast); ids that never run
/// together are one goroutine per call, left by a caller that returned
/// without receiving.
fn send_by_id_runs(s: &Series) -> Runs {
    if let Some(r) = send_by_parents(s) {
        return r;
    }
    let total: u32 = s.id_runs.iter().sum();
    if total < 6 {
        return Runs::Unknown;
    }
    let singles: u32 = s.id_runs.iter().filter(|&&r| r == 1).sum();
    let mut by_len: BTreeMap<u32, u32> = BTreeMap::new();
    for &r in &s.id_runs {
        *by_len.entry(r).or_default() += 1;
    }
    if singles * 10 >= total * 8 {
        return Runs::Decide(
            "premature-return",
            format!(
                "{singles} of the {total} goroutine ids have no consecutive id in the group: each was started alone, one per call, and left blocked when its caller returned without receiving (a timeout or a second send leave the same trace)"
            ),
        );
    }
    // Most goroutines started in runs of many: a loop that starts a batch
    // of senders nobody reads (the generic entry says so).
    let long: u32 = s.id_runs.iter().filter(|&&r| r >= 6).sum();
    if long * 2 >= total {
        return Runs::Batch;
    }
    let Some((&m, &runs)) = by_len
        .iter()
        .filter(|(&len, _)| len >= 2)
        .max_by_key(|(&len, &n)| (len * n, len))
    else {
        return Runs::Unknown;
    };
    if runs >= 3 && m <= 5 && (m * runs) * 10 >= total * 7 {
        return Runs::Decide(
            "ncast",
            format!(
                "{} of the {total} goroutine ids come in {runs} runs of {m} consecutive ids: siblings started together, {m} left per fan-out after the first reply was taken",
                m * runs
            ),
        );
    }
    Runs::Unknown
}

/// A blocked send whose goroutines name their parents (Go 1.21+ debug=2:
/// `created by F in goroutine N`), where three or more parents started them:
/// one sender per parent is one per call (the caller returned without
/// receiving); the same few (2 to 5) per parent are the siblings of one
/// fan-out (NCast). Ids run consecutively for both when many calls start
/// at once, so the parents decide first; one shared parent (a long-lived
/// loop calling F) leaves it to the ids.
fn send_by_parents(s: &Series) -> Option<Runs> {
    let parents = s.parents.len() as u32;
    if parents < 3 {
        return None;
    }
    let total: u32 = s.parents.values().sum();
    let alone = s.parents.values().filter(|&&c| c == 1).count() as u32;
    // Parents with 2 to 5 senders, and how many senders they started.
    let (few, siblings) = s
        .parents
        .values()
        .filter(|&&c| (2..=5).contains(&c))
        .fold((0u32, 0u32), |(n, sum), &c| (n + 1, sum + c));
    if alone * 10 >= parents * 8 {
        return Some(Runs::Decide(
            "premature-return",
            format!(
                "{alone} of the {parents} parent goroutines (`created by … in goroutine N`) started one blocked sender each: one per call, left blocked when its caller returned without receiving (a timeout or a second send leave the same trace)"
            ),
        ));
    }
    (few * 10 >= parents * 8).then(|| {
        Runs::Decide(
            "ncast",
            format!(
                "{siblings} of the {total} blocked senders share a parent goroutine with 1 to 4 siblings (`created by … in goroutine N`, {few} parents): a fan-out per call whose first reply was taken"
            ),
        )
    })
}

/// What the goroutine ids of a blocked send say.
enum Runs {
    Decide(&'static str, String),
    /// Started in large batches by a loop: the generic entry stands.
    Batch,
    /// No ids, too few, or no clear shape.
    Unknown,
}

/// The function whose literal the group's goroutines run (`F.func1`,
/// `F.gowrap2`, `F.func3.1`) when no goroutine of the snapshot is in `F`.
fn closure_of_returned<'a>(
    s: &'a Series,
    running: &std::collections::BTreeSet<&str>,
) -> Option<&'a str> {
    let user = s
        .frames
        .iter()
        .find(|f| !crate::model::normalize::is_runtime_function(&f.function))?;
    let name = user.function.as_str();
    let cut = crate::model::closure_suffix(name)?;
    let creator = &name[..cut];
    // Where the go statement's line is known (debug=2 `created by`), the
    // shape is a literal that sends as its first statement; a send further
    // down may be a producer's loop or a second send.
    let deeper = s.created_by.as_ref().is_some_and(|by| {
        by.function == creator && by.file == user.file && user.line > by.line + 1
    });
    (!running.contains(creator) && !deeper).then_some(creator)
}

/// A named function (not a literal) whose goroutines a debug=2 dump says a
/// user function `F` started (`created by F`), when no goroutine of the
/// snapshot is in `F`: the call that started them has returned.
fn started_by_returned<'a>(
    s: &'a Series,
    running: &std::collections::BTreeSet<&str>,
) -> Option<&'a str> {
    let by = s.created_by.as_ref()?;
    let entry = entry_frame(s)?;
    (crate::model::closure_suffix(&entry.function).is_none()
        && patterns::is_own(&entry.function)
        && patterns::is_own(&by.function)
        && !running.contains(by.function.as_str()))
    .then_some(by.function.as_str())
}

/// The function the group's goroutines were started in: the outermost
/// frame outside the runtime.
fn entry_frame(s: &Series) -> Option<&FrameRef> {
    s.frames
        .iter()
        .rev()
        .find(|f| !crate::model::normalize::is_runtime_function(&f.function))
}

/// A group blocked in a function literal written on one line with its go
/// statement (`go func() { <-ctx.Done(); release() }()`): the literal is the
/// goroutine's own function and the blocking frame, and its file and line are
/// those of the `created by` frame (the go statement). Returns the literal's
/// name and `file:line`.
fn one_line_literal(s: &Series) -> Option<(&str, String)> {
    let site = s.site()?;
    let entry = entry_frame(s)?;
    let by = s.created_by.as_ref()?;
    let cut = crate::model::closure_suffix(&entry.function)?;
    let one_line = std::ptr::eq(site, entry)
        && entry.function[..cut] == by.function
        && !entry.file.is_empty()
        && entry.file == by.file
        && entry.line > 0
        && entry.line == by.line;
    one_line.then(|| {
        (
            entry.function.as_str(),
            format!("{}:{}", entry.file, entry.line),
        )
    })
}

/// Whether the entry names a library's own goroutine by its frames
/// (database/sql's connectionOpener, net/http's persistConn loops …): every
/// frame regex matches a standard-library frame of the stack. The source
/// never overrides such a signature.
fn is_library_signature(e: &catalog::Compiled, s: &Series) -> bool {
    !e.frames.is_empty()
        && e.frames.iter().all(|re| {
            s.frames.iter().any(|f| {
                re.is_match(&f.function)
                    && crate::model::normalize::package_path(&f.function)
                        .is_some_and(crate::model::normalize::is_std_package)
            })
        })
}

/// Files of the program's own frames (and go statements) in the series, in
/// order of first appearance: where the source scan looks for the user of a
/// library goroutine or a go statement in another file.
fn user_files(series: &[Series]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for s in series {
        for f in s.frames.iter().chain(s.created_by.iter()) {
            let own = crate::model::normalize::package_path(&f.function)
                .is_some_and(|p| !crate::model::normalize::is_std_package(p));
            if own && !f.raw_file.is_empty() && seen.insert(f.raw_file.as_str()) {
                out.push(f.raw_file.clone());
            }
        }
    }
    out
}

/// The stack-only pattern for an operation when no entry matched.
fn fallback_pattern(op: BlockingOp) -> &'static str {
    match op {
        BlockingOp::ChanSend => "chan-send-blocked",
        BlockingOp::RangeReceive => "range-unclosed-channel",
        BlockingOp::Select => "select-no-exit",
        BlockingOp::SelectNoCases => "select-no-cases",
        BlockingOp::NilChan => "nil-channel",
        BlockingOp::Sleep => "sleep-loop",
        BlockingOp::Mutex | BlockingOp::RwMutex => "mutex-never-unlocked",
        BlockingOp::WaitGroup => "waitgroup-never-done",
        BlockingOp::Cond => "cond-never-signalled",
        _ => "chan-receive-blocked",
    }
}

/// What the evidence of one series allows: severity, confidence, the
/// evidence that decided, and what would decide an ambiguous case.
struct Judgement {
    severity: Severity,
    confidence: f64,
    decided_by: String,
    /// Evidence lines beyond the common ones (disagreements, parents).
    notes: Vec<String>,
    would_decide: Option<String>,
    /// Decided by goroutine counts alone.
    counts_only: bool,
}

impl Judgement {
    fn new(severity: Severity, confidence: f64, decided_by: impl Into<String>) -> Self {
        Judgement {
            severity,
            confidence,
            decided_by: decided_by.into(),
            notes: Vec::new(),
            would_decide: None,
            counts_only: false,
        }
    }

    /// `why` decides now; what decided before is kept as a note, `was:
    /// …` (what it rested on).
    fn decide(&mut self, why: String, was: &str) {
        let before = std::mem::replace(&mut self.decided_by, why);
        self.notes.push(format!("{was}: {before}"));
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The longest wait per snapshot in minutes, as `0 → 0 → 1 min` (`?` where
/// unknown).
fn waits_text(waits: &[Option<u32>]) -> String {
    let parts: Vec<String> = waits
        .iter()
        .map(|w| w.map_or_else(|| "?".to_string(), |w| w.to_string()))
        .collect();
    format!("{} min", parts.join(" → "))
}

/// Severity and confidence follow the strongest evidence present (see the
/// README, "Severity and confidence"): the runtime's `(leaked)` mark;
/// survivors (goroutine ids that outlive snapshots; growth without any is
/// churn); parents that are gone or waiting; waits that grow, operations
/// that can never wake; counts alone, ambiguous over two or three snapshots.
///
/// `read_wait`: the source was read at the group's wait (`--source`), so
/// whether a timer or a deadline bounds it is known there.
fn judge(
    s: &Series,
    top: &catalog::Compiled,
    kind: FindingKind,
    n: usize,
    read_wait: bool,
) -> Judgement {
    let mut j = match kind {
        FindingKind::Heap => judge_heap(s, top, n),
        FindingKind::Goroutine => judge_goroutines(s, top, n, read_wait),
    };
    j.confidence = (j.confidence.clamp(0.05, 0.99) * 100.0).round() / 100.0;
    j
}

/// Heap patterns whose objects nothing in the program refers to: the
/// runtime alone keeps them until they fire (`time.After`'s timer and
/// channel, Go <= 1.22). A pool cannot hold them, so a rise that then holds
/// is pending timers, not a pool or a cache that filled. Tickers, files and
/// contexts are held by the program, and a pool of connections each with a
/// ticker fills and holds just like a cache.
const UNREFERENCED_PATTERNS: [&str; 1] = ["time-after-in-loop"];

fn judge_heap(s: &Series, top: &catalog::Compiled, n: usize) -> Judgement {
    let t = &s.trend;
    let base = top.entry.severity.max(Severity::Medium);
    let sampled = s.sigma.len() == s.values.len() && !s.sigma.is_empty();
    let every_step = t.increases + 1 == n;
    // Growth that stopped after the first step, as far as the sampling
    // error can tell, is a cache or a pool that filled (maps, slices,
    // buffers, and resources a program holds: tickers, files, contexts);
    // only objects nothing but the runtime refers to (pending timers) keep
    // such a series at medium.
    let generic = !UNREFERENCED_PATTERNS.contains(&top.entry.id.as_str());
    let shape = heap_shape(s);
    let mut j = if t.jump_at_end(&s.values) {
        let mut j = Judgement::new(
            Severity::Low,
            0.25,
            format!(
                "growth confined to one step ({}): one step is not a trend",
                fmt_counts(&s.values, "bytes")
            ),
        );
        j.would_decide = Some("A later heap profile would show whether the growth goes on.".into());
        j
    } else if shape == Some(HeapShape::Rising) {
        let mut j = Judgement::new(
            Severity::Medium,
            0.35,
            format!(
                "in-use bytes never fell and rose at the last step ({}), each step within the sampling error but beyond it from first to last, their sample counts trend up (Poisson score test, z = {:.1}), and steady growth fits them better than a step to a level: a leak slow against the sampling period, or a cache still filling",
                fmt_counts(&s.values, "bytes"),
                poisson_trend_z(&s.values, &s.sigma)
            ),
        );
        j.would_decide = Some(
            "More heap profiles, further apart, or a lower runtime.MemProfileRate would show whether the site keeps growing or levels off."
                .into(),
        );
        j
    } else if shape == Some(HeapShape::Held) {
        // Only pending timers get here (see `classify`).
        let mut j = Judgement::new(
            Severity::Medium,
            0.35,
            format!(
                "in-use bytes rose beyond the sampling error and never clearly fell back ({}), then held; what holds is pending timers, which nothing but the runtime refers to: each stays until it fires",
                fmt_counts(&s.values, "bytes")
            ),
        );
        j.would_decide = Some(
            "More heap profiles, further apart, would show whether the site keeps growing with traffic or drains as the timers fire."
                .into(),
        );
        j
    } else if sampled && t.verdict == Verdict::Growing && !t.sustained {
        let mut j = Judgement::new(
            if generic {
                Severity::Low
            } else {
                Severity::Medium
            },
            if generic { 0.25 } else { 0.45 },
            format!(
                "in-use bytes rose beyond the sampling error, but one step to a level that holds fits the series better than steady growth{}",
                if generic {
                    " (a cache or a pool filling up looks the same)"
                } else {
                    "; yet what grows is pending timers, which nothing but the runtime refers to"
                }
            ),
        );
        j.would_decide = Some(
            "More heap profiles, or a smaller sampling period (runtime.MemProfileRate), would tell whether the growth goes on."
                .into(),
        );
        j
    } else if t.verdict == Verdict::Growing && n >= 4 && every_step {
        Judgement::new(
            base,
            0.8,
            format!(
                "in-use bytes grew beyond the sampling error at each of {} steps",
                n - 1
            ),
        )
    } else if t.verdict == Verdict::Growing && n >= 3 && every_step {
        Judgement::new(
            Severity::Medium,
            0.7,
            format!(
                "in-use bytes grew beyond the sampling error at each of {} steps",
                n - 1
            ),
        )
    } else if t.verdict == Verdict::Growing && n >= 3 {
        Judgement::new(
            Severity::Medium,
            0.5,
            "in-use bytes rose over the snapshots beyond the sampling error, though not at every step",
        )
    } else if t.verdict == Verdict::Growing {
        let mut j = Judgement::new(
            Severity::Medium,
            0.45,
            "in-use bytes grew between two snapshots beyond the sampling error",
        );
        j.would_decide = Some(
            "Two heap profiles show growth, not whether it goes on: a third profile later would tell a leak from a cache filling up."
                .into(),
        );
        j
    } else {
        Judgement::new(
            Severity::Low,
            0.3,
            format!("in-use bytes {}", t.verdict.as_str()),
        )
    };
    if sampled {
        let raw: Vec<String> = s
            .values
            .iter()
            .zip(&s.sigma)
            .map(|(&v, &e)| {
                format!(
                    "{} ±{}",
                    fmt_value(v, "bytes"),
                    fmt_value(e.round() as i64, "bytes")
                )
            })
            .collect();
        j.notes.push(format!(
            "sampling error (from the samples kept and the sampling period): {}",
            raw.join(", ")
        ));
        if s.sigma
            .iter()
            .zip(&s.values)
            .any(|(&e, &v)| v > 0 && e * 3.0 >= v as f64)
        {
            j.confidence -= 0.1;
            j.would_decide = Some(
                "Few samples back these sizes: a profile with a smaller sampling period (runtime.MemProfileRate) or more snapshots would narrow the error."
                    .into(),
            );
        }
    }
    j
}

fn judge_goroutines(s: &Series, top: &catalog::Compiled, n: usize, read_wait: bool) -> Judgement {
    let t = &s.trend;
    // A heap entry's severity rates its heap side (a context child, a
    // ticker: small objects); goroutines that never exit rate as every
    // goroutine entry does, whatever the name the source or stack gave.
    let base = if top.entry.kind == catalog::EntryKind::Heap {
        top.entry.severity.max(Severity::High)
    } else {
        top.entry.severity.max(Severity::Medium)
    };
    let never = s.op.never_wakes();
    let growth = t.verdict.is_growth();
    let counts = fmt_counts(&s.values, "goroutines");
    // 1. The runtime's own verdict.
    if s.leaked > 0 {
        let mut j = Judgement::new(
            base.max(Severity::High),
            0.95,
            format!(
                "the Go runtime marked {} (leaked): unreachable, they can never wake",
                plural(s.leaked as usize, "goroutine", "goroutines")
            ),
        );
        if n >= 2 && !growth {
            j.notes.push(format!(
                "growth and the runtime disagree: the count is {} ({counts}), yet the runtime proved these goroutines leaked",
                t.verdict.as_str()
            ));
        }
        return j;
    }
    let ids_known = s.ids_known();
    // 2. Survivors, where goroutine ids are known.
    if ids_known {
        if s.churning() && s.loops_accumulate() {
            // Not churn: the goroutines stay (same ids), each in a new call
            // of its loop at the next snapshot, and there are more of them
            // each time. Not stuck, but not gone either: a pool that grows
            // with the load, or loops started per call that never exit.
            let moved = s.moved().unwrap_or(0);
            let mut j = Judgement::new(
                Severity::Low,
                0.3,
                format!(
                    "{} stayed in the group, each in a new call of its loop or woken at the next snapshot ({counts}): long-lived goroutines that go round a loop and accumulate, not stuck in one call; a pool that grows with the load, or loops started per call that never exit",
                    plural(moved, "goroutine", "goroutines")
                ),
            );
            j.would_decide = Some(
                "Later snapshots would show whether the group levels off (a pool bounded by the load) or keeps growing (a loop per call that nothing stops); the source shows what ends the loop."
                    .into(),
            );
            parents_evidence(s, &mut j);
            return j;
        }
        if s.churning() {
            let moved = s.moved().unwrap_or(0);
            return Judgement::new(
                Severity::Info,
                0.1,
                if moved > 0 {
                    format!(
                        "churning: no goroutine stayed blocked from one snapshot to the next ({counts}; ids known in all {n} snapshots): {} kept their id but were in a new call or woken in between, long-lived goroutines (connections, workers) taking one request after another",
                        plural(moved, "goroutine", "goroutines")
                    )
                } else {
                    format!(
                        "churning: no goroutine outlived a snapshot ({counts}; ids known in all {n} snapshots)"
                    )
                },
            );
        }
        if t.jump_at_end(&s.values) && s.leaked_at_least() == Some(0) {
            let mut j = Judgement::new(
                Severity::Low,
                0.2,
                format!(
                    "growth confined to one step ({counts}): these goroutines are only in the last snapshot, so none could outlive one yet"
                ),
            );
            j.would_decide = Some(
                "One step is not a trend: a later goroutine?debug=2 snapshot would show whether these goroutines stay."
                    .into(),
            );
            parents_evidence(s, &mut j);
            return j;
        }
        // A WaitGroup.Wait whose goroutines all have children alive: they
        // wait for those, and end when those do (a tenant's Run waiting
        // for its pollers, a job waiting for its shards). Whether that is
        // a leak is the children's to say, in their own group; a Wait
        // whose children have all exited (a Done skipped on a path) is
        // not this. The same where every waiter's WaitGroup is a field of
        // its own object (the receiver its stack prints) and goroutines of
        // other groups alive work for that object: a desk waiting for the
        // holds and referrals its WaitGroup counts, whoever started them
        // (a follow-up started by another follow-up names that one as its
        // parent, gone by then).
        let waiting_for = (s.op == BlockingOp::WaitGroup)
            .then(|| {
                s.all_with_live_children()
                    .map(|total| (total, false))
                    .or_else(|| {
                        s.same_object
                            .filter(|o| o.all_waiting_for_live())
                            .map(|o| (o.total, true))
                    })
            })
            .flatten();
        if let Some((total, object)) = waiting_for {
            let one = total == 1;
            let what = if object {
                "on a WaitGroup of their own object (a field of the receiver their stacks print, one object each) while goroutines of other groups alive work for that object".to_string()
            } else {
                format!(
                    "with goroutines {} started still alive",
                    if one { "it" } else { "they" }
                )
            };
            let mut j = Judgement::new(
                Severity::Low,
                0.3,
                format!(
                    "{} of the group in the last snapshot {} in WaitGroup.Wait {what}: {} for those, and {} when those do ({counts}); {}, and their own group says whether they are",
                    if one { "the goroutine".to_string() } else { format!("all {total} goroutines") },
                    if one { "waits" } else { "wait" },
                    if one { "it waits" } else { "they wait" },
                    if one { "ends" } else { "end" },
                    if object {
                        "a waiter stays stuck only where they are"
                    } else {
                        "a parent stays stuck only where its children are"
                    },
                ),
            );
            j.would_decide = Some(if object {
                "The findings of the goroutines that work for the same objects: a Wait for live goroutines leaks only where those do; one whose goroutines have all exited (a Done skipped on a path) never returns, and shows here with none alive."
                    .into()
            } else {
                "The findings of the goroutines they started: a Wait for live children leaks only where those do; one whose children have all exited (a Done skipped on a path) never returns, and shows here with no live child."
                    .into()
            });
            parents_evidence(s, &mut j);
            return j;
        }
        let l = s.leaked_at_least().unwrap_or(0);
        let oldest = s.oldest_survivors();
        let since = match oldest {
            Some((k, c)) if k + 2 < n => format!(", {c} of them present since snapshot {}", k + 1),
            _ => String::new(),
        };
        if s.survivors_accumulate() {
            // Survivors that accumulate are long-lived, as leaked goroutines
            // are, and as the members of a pool (connections, per-key
            // workers) that grows with the load are, caught idle in the
            // frame that loops. A second kind of evidence makes the leak:
            // an operation that never wakes, waits that grow with the time
            // between snapshots (the wait clock; a pool's members are woken
            // by their work), or growth at every step of four or more
            // snapshots. Parents that have exited are not one for a pool's
            // workers: a manager that starts them and returns leaves them
            // with whoever holds their channels (they receive). They are
            // one for a plain send: a goroutine started to hand a result
            // back sends to the caller that started it, and once that has
            // returned nobody receives (the first answer taken, a timeout
            // that left). Weaker than the clock, so no step up.
            // Growth at every step of four or more snapshots is not one:
            // a set of long-lived goroutines still filling up (a pipeline
            // configured stage by stage, per-key workers, daemons started in
            // phases) grows at every step too (on held-out services whose
            // sets filled during four snapshots, 21 false `high`).
            // Survivors blocked for a minute or more in an operation a live
            // program completes within seconds (a send, a lock, a
            // WaitGroup) are stuck, whatever the clock between snapshots
            // shows; a pool's members wait that long only where waiting is
            // their job (receives, selects, the network).
            // A connection's writer waits for something to write as long
            // as its connection is idle: where every one's reader is alive,
            // waits that grow are no evidence.
            // So does a server's read-ahead while its handler runs: the
            // handler is what may be stuck.
            let open_writers = writes_for_open_connection(s);
            let reads_ahead = reads_ahead_for_handler(s);
            let timer_unseen = timer_may_end(s).filter(|_| !read_wait);
            let waits_grow =
                s.waits_grow() && !open_writers && !reads_ahead && timer_unseen.is_none();
            let stuck_minutes = s.stuck_for_minutes();
            let strong = never || waits_grow || stuck_minutes.is_some();
            let orphaned = s.orphaned_senders().filter(|_| !strong);
            let alone = s
                .outlived_readers()
                .filter(|_| !strong && orphaned.is_none());
            let second = strong || orphaned.is_some() || alone.is_some();
            let (sev, conf) = match (n >= 3, second) {
                (true, true) if orphaned.is_some() || alone.is_some() => (base, 0.8),
                (true, true) => (base, 0.9),
                (true, false) => (Severity::Medium, 0.65),
                (false, true) => (base.down().max(Severity::Medium), 0.8),
                (false, false) => (Severity::Medium, 0.6),
            };
            let mut j = Judgement::new(
                sev,
                conf,
                if let Some(waiting) = stuck_minutes.filter(|_| !never && !waits_grow) {
                    format!(
                        "{} survived from snapshot {} to {}{since}, {waiting} of them blocked in {} for a minute or more, which a live program completes within seconds: at least {l} leaked",
                        plural(l, "goroutine", "goroutines"),
                        n - 1,
                        n,
                        s.op.as_str()
                    )
                } else if let Some((gone, total)) = orphaned {
                    format!(
                        "{} survived from snapshot {} to {}{since}, blocked sending on a channel, {gone} of {total} of them started by a goroutine that has exited: a goroutine that hands a result back sends to the caller that started it, and once that has returned nobody receives: at least {l} leaked",
                        plural(l, "goroutine", "goroutines"),
                        n - 1,
                        n
                    )
                } else if let Some(p) = alone {
                    format!(
                        "{} survived from snapshot {} to {}{since}, {} of which outlived the reader of their connection ({}, started with them for the same object): it exited between snapshots, the connection ended, and they stayed, working for it: at least {l} leaked",
                        plural(l, "goroutine", "goroutines"),
                        n - 1,
                        n,
                        p.outlived,
                        p.function
                    )
                } else if second {
                    format!(
                        "{} survived from snapshot {} to {}{since}: at least {l} leaked",
                        plural(l, "goroutine", "goroutines"),
                        n - 1,
                        n
                    )
                } else {
                    format!(
                        "{} survived from snapshot {} to {}{since}: at least {l} leaked, or long-lived goroutines of a pool that grows with the load (survival alone does not tell them apart)",
                        plural(l, "goroutine", "goroutines"),
                        n - 1,
                        n
                    )
                },
            );
            if !second {
                j.would_decide = Some(
                    "A later snapshot would show whether the group levels off (a pool, bounded by the peak load) or keeps growing (a leak); snapshots minutes apart would show whether the waits of these goroutines grow with the time between them (stuck) or are cut short (woken by work)."
                        .into(),
                );
                if let Some(grew) = timer_unseen.filter(|_| s.waits_grow()) {
                    j.notes.push(format!(
                        "the longest wait grew ({}), by {}, but a {} may wait on a timer the dump does not show (a retry's backoff, a deadline, a long poll), whose wait grows as long as a stuck one's until it fires: no evidence of its own without the source (--source reads the wait) or snapshots two minutes or more apart",
                        waits_text(&s.waits),
                        plural(grew as usize, "minute", "minutes"),
                        s.op
                    ));
                } else if let Some(woken) = s.grown_wait_of_woken_select() {
                    // The longest wait grew, but the select wakes.
                    j.notes.push(format!(
                        "the longest wait grew ({}), but {} of the group finished this select between snapshots, alive at the next (back in it with the same id and stack in a new call, or on to other work): it wakes for its goroutines, as an event loop's or a long poll's does, so a wait that grows is one that has not woken yet, not proof of a stuck one",
                        waits_text(&s.waits),
                        plural(woken, "goroutine", "goroutines")
                    ));
                } else if let Some(o) = s.woken_oldest() {
                    // The longest wait grew with the clock, but not the
                    // waits of most of those that were there all along.
                    j.notes.push(format!(
                        "the longest wait grew ({}), but only {} of the {} goroutines present since snapshot {} had waited longer at snapshot {n} than then: the others were woken in between and came back (the members of a set woken by work, such as per-key workers, whose idle ones wait long); a stuck goroutine's wait grows with the clock",
                        waits_text(&s.waits),
                        o.grew,
                        o.present,
                        o.since + 1
                    ));
                }
            }
            if n >= 3 && strong {
                j.severity = j.severity.up();
                j.confidence += 0.05;
            }
            if let Some(why) = long_lived_by_design(s, top) {
                // Waits that grow are evidence for a handler, not for an
                // idle connection (idle ones wait on the network for long,
                // and their writers for something to write).
                let idle = s.op == BlockingOp::IoWait || open_writers;
                let stuck = (waits_grow && !idle) || stuck_minutes.is_some();
                if !never && !stuck {
                    j.severity = j.severity.min(Severity::Medium);
                    j.confidence = j.confidence.min(0.5);
                    if !(open_writers || reads_ahead) || second {
                        // Otherwise the open connections decide, below.
                        j.notes.push(why.into());
                    }
                    // What is left is the counts' growth.
                    j.counts_only = true;
                    j.would_decide = Some(
                        "Later snapshots would show whether the group plateaus (a pool of connections, bounded by the peak concurrency) or keeps growing; the process's socket count, and the idle timeouts of the client and server, tell how long connections may live."
                            .into(),
                    );
                }
            }
            parents_evidence(s, &mut j);
            if !second {
                j.confidence = j.confidence.min(0.65);
            }
            // What shows the survivors are not stuck, where survival is the
            // only evidence: the first that holds decides, `low` at 0.3.
            let not_stuck = if second {
                None
            } else if let Some(left) = s.left_the_wait() {
                // A leaked goroutine never leaves its wait. Where some did,
                // and went on working elsewhere, the wait ends: those still
                // in it were caught waiting again, as the members of a pool
                // are.
                Some((
                    format!(
                        "{} of the group {} alive in another call or wait at the next snapshot: this {} ends, and its goroutines go on working (long-lived goroutines of a pool caught waiting again); a leaked goroutine never leaves its wait",
                        plural(left, "goroutine", "goroutines"),
                        if left == 1 { "was" } else { "were" },
                        s.op
                    ),
                    "Later snapshots would show whether the group levels off (a pool bounded by the load) or keeps growing; snapshots minutes apart would show whether the goroutines that stay have waits that grow with the time between them."
                        .to_string(),
                ))
            } else if let Some((o, passed)) = s.woken_while_minutes_passed() {
                // A stuck goroutine's wait grows with the clock: those
                // whose waits did not were woken in between.
                let how = match passed {
                    MinutesPassed::Clock(clock) => format!(
                        "though more than {} passed between them (a goroutine of the process waited {clock} minutes longer)",
                        plural(clock as usize - 1, "minute", "minutes")
                    ),
                    MinutesPassed::Stamped { id, minutes } => format!(
                        "though a garbage collection ran between them, a minute or more before snapshot {n} (goroutine {id}, started after snapshot {}, had waited {} at snapshot {n}; the runtime stamps a parked goroutine's wait when a collection scans it, so one stuck in {} all along would show a minute more)",
                        o.since + 1,
                        plural(minutes as usize, "minute", "minutes"),
                        s.op
                    ),
                };
                Some((
                    format!(
                        "{} of the {} goroutines present since snapshot {} had waited no longer at snapshot {n} than then, {how}: they were woken in between and came back, as the members of a pool or of a set of per-key workers are; a stuck goroutine's wait grows with the clock",
                        o.present - o.grew,
                        o.present,
                        o.since + 1,
                    ),
                    "Later snapshots would show whether the group levels off (a set of long-lived goroutines woken by their work) or keeps growing."
                        .to_string(),
                ))
            } else if let Some(gone) = s.exits_after_staying() {
                // A leaked goroutine never exits. Where goroutines that had
                // waited here a whole interval exited by the next snapshot,
                // waits here end, if slowly: those still waiting are the
                // current members of a set that turns over (timers,
                // retries, sessions).
                Some((
                    format!(
                        "{gone} goroutines of the group that had waited in it from one snapshot to the next were gone at the snapshot after: waits here end, if slowly (timers, retries, sessions), and those still waiting are a set that turns over; a leaked goroutine never exits"
                    ),
                    "Later snapshots would show whether the group levels off (goroutines that live long and end) or keeps growing; snapshots minutes apart would show whether the goroutines that stay have waits that grow with the time between them."
                        .to_string(),
                ))
            } else if let Some((conns, requests)) = s.connections_follow_requests() {
                // A Transport holds a connection per request in flight and
                // a bounded number idle: connections that grow with the
                // requests are in use, not leaked.
                Some((
                    connections_follow_text(conns, requests),
                    CONNECTIONS_DECIDE.to_string(),
                ))
            } else if reads_ahead {
                // net/http starts it when a handler begins and stops it
                // when the handler returns: the handler is what may stick.
                Some((
                    format!(
                        "each of these {} goroutines reads ahead on a server connection for the request its handler is serving ({BACKGROUND_READ}, which net/http starts when a handler begins and stops when it returns): they live as long as their requests, and whether requests are stuck is for the handlers' group to show",
                        s.last()
                    ),
                    "The finding on the handlers decides: a handler that never returns keeps its connection's background read too.".to_string(),
                ))
            } else if open_writers {
                // A connection's writer, heartbeat or flusher lives as long
                // as its connection, whose reader is alive: connections that
                // leak are their readers' group to show, and it does.
                Some((
                    format!(
                        "each of these {} goroutines works for a connection whose reader is alive and blocked on the network (a connection of its own: the receiver their stacks print, the reader in another group): they live as long as their connection, and the connections are open; whether connections leak is for their readers' group to show, where it grows",
                        s.last()
                    ),
                    "The finding on the connections' readers decides: if the connections leak, their writers are part of it; a later snapshot would show whether those goroutines outlive their readers (a connection that ended).".to_string(),
                ))
            } else if let Some(sib) = &s.waits_for {
                // A closer or supervisor (`go func() { wg.Wait(); close(out)
                // }()`) waits for workers that are alive and stay: it ends
                // when they do. Were they stuck, their own group is the leak
                // to fix; this one follows from it.
                Some((
                    format!(
                        "waits for long-lived goroutines started with it: {} of {} ({} of them survived the last step, started by the same function{}); a closer or supervisor waiting for its workers ends when they do, and if they never end, their group is the leak to fix",
                        sib.count,
                        sib.function,
                        sib.survived,
                        if s.parents.is_empty() { "" } else { " in the same goroutine" }
                    ),
                    format!(
                        "The finding on {} decides: if those goroutines are a leak, this wait is part of it.",
                        sib.function
                    ),
                ))
            } else if let Some(why) = (s.left_total() > 0)
                .then(|| fixed_set(s, &counts, true))
                .flatten()
            {
                // Where ids show it: some of the group left it again (a
                // fixed set whose members stay stuck one by one is a pool
                // draining, not changing state).
                Some(why)
            } else {
                // Ids are a clock of the goroutines the process started: a
                // leak takes a steady share of them, a set that fills takes
                // ever fewer.
                let fill = s
                    .id_clock
                    .filter(|c| c.crowds_early() && fills(&s.values, c.paces));
                fill.map(|clock| (
                    format!(
                        "a set that fills: the ids of these {} goroutines crowd at the start of the ids the process handed out since the first of them ({}–{}; on average at {:.0}% of that range, where a steady share of the goroutines it starts would put them near 50%, z = {:.1}), and the group grew less at the last step than at the first ({counts}); a leak keeps its share of the calls, a set of long-lived goroutines (one per key, tenant or connection) takes ever fewer as it nears its bound",
                        clock.members + 1,
                        clock.first,
                        clock.latest,
                        clock.mean * 100.0,
                        clock.z
                    ),
                    "Later snapshots would show whether the group levels off (a set bounded by its keys) or keeps growing; snapshots minutes apart would show whether the waits of these goroutines grow with the time between them."
                        .to_string(),
                ))
                // Survivors on the network are open connections.
                .or_else(|| open_connections(s, true))
            };
            if let Some((why, decide)) = not_stuck {
                j.severity = Severity::Low;
                j.confidence = j.confidence.min(0.3);
                j.decide(why, "survival alone");
                j.would_decide = Some(decide);
            }
            if let Some((before, after)) = slowing(&s.values).filter(|_| !never && !s.waits_grow())
            {
                // Survival shows these goroutines live long, not that
                // nothing will end them: a set of long-lived goroutines that
                // fills up to its bound slows as it nears it.
                j.severity = j.severity.min(Severity::Medium);
                j.confidence = j.confidence.min(0.6);
                j.notes.push(format!(
                    "the growth slowed from +{before} to +{after} at the last step: a set of long-lived goroutines that fills up to a bound (one per key, tenant or connection; a pool) slows so as it nears the bound, where a leak keeps the pace of the calls that leak"
                ));
                j.would_decide = Some(
                    "Later snapshots would show whether the group levels off (a bounded set of long-lived goroutines: per-key workers, a pool) or keeps growing (a leak)."
                        .into(),
                );
            }
            if s.op == BlockingOp::WaitGroup && !never {
                children_unpaired(&mut j, s, None);
            }
            return j;
        }
        if l > 0 && s.nil_send() {
            // Stuck for good, however many survived: nobody sends on a nil
            // channel to park a goroutine on purpose.
            let mut j = stuck_nil_senders(s, &counts);
            parents_evidence(s, &mut j);
            return j;
        }
        // Some goroutines live on, but no more than at the start: long-lived
        // goroutines with short-lived ones around them.
        let mut j = Judgement::new(
            if never && growth {
                Severity::Medium
            } else {
                Severity::Low
            },
            0.3,
            if l > 0 && never && s.values[n - 1] <= s.values[0] {
                format!(
                    "{} wait in {}, which never completes, no more than at the start ({counts}): goroutines a program parks for good on purpose (`select {{}}`, a receive from a channel left nil), or stuck ones that stopped coming before the first snapshot",
                    plural(l, "goroutine", "goroutines"),
                    s.op
                )
            } else if l > 0 && s.values[n - 1] <= s.values[0] {
                format!(
                    "the group did not grow over the snapshots ({counts}; {} outlived the last step): long-lived goroutines that do not accumulate",
                    plural(l, "goroutine", "goroutines")
                )
            } else if l > 0 && s.grew_by_one_at_most() {
                format!(
                    "the group grew by one goroutine over the snapshots ({counts}; {} outlived the last step): one step of one goroutine is not an accumulation",
                    plural(l, "goroutine", "goroutines")
                )
            } else if l > 0 && (l as i64) <= s.values[0] {
                format!(
                    "only {} outlived the last step, no more than were there at the start ({counts}): the growth is short-lived goroutines",
                    plural(l, "goroutine", "goroutines")
                )
            } else if l > 0 {
                format!(
                    "only {} outlived the last step ({counts}), too few, or too few of those before it stayed, to tell goroutines that stay from goroutines in flight: the rest of the growth is short-lived goroutines",
                    plural(l, "goroutine", "goroutines")
                )
            } else {
                format!("no goroutine of the group survived the last step ({counts})")
            },
        );
        parents_evidence(s, &mut j);
        return j;
    }
    if t.verdict == Verdict::Single {
        return judge_single(s, base, never);
    }
    // 3. Counts only (pprof, debug=1): ambiguous with bursts.
    let every_step = t.increases + 1 == n;
    let one_step = t.jump_at_end(&s.values) || (n >= 3 && t.increases == 1);
    // Goroutines started in sets come and go a set at a time: the tests of
    // goroutines in flight count sets.
    let set = s.sibling_set.as_ref().map_or(1, |x| x.size);
    let units: Vec<i64> = s.values.iter().map(|v| v / set).collect();
    // Before the last step, no more than goroutines in flight fluctuate.
    let late_jump =
        !one_step && t.late_jump(&s.values) && in_flight_z(units[0], units[n - 2]) < RISE_Z;
    let rise = in_flight_z(units[0], units[n - 1]);
    // How often goroutines in flight rise like this by chance: three
    // snapshots growing at each step only; computed once, when asked.
    let chance_of = std::cell::OnceCell::new();
    let chance = || {
        *chance_of.get_or_init(|| {
            (t.verdict == Verdict::Growing && n == 3 && every_step).then(|| rise_by_chance(&units))
        })
    };
    let in_sets = s
        .sibling_set
        .as_ref()
        .map(|x| {
            format!(
                "these goroutines come {} at a time: in every snapshot they number {} for each goroutine of {} ({}), started in the same function (a set being started or finishing is short of it), so those in flight come and go by sets, and their fluctuation is counted in sets",
                x.size,
                x.size,
                x.partner,
                fmt_counts(&x.partner_counts, "goroutines")
            )
        });
    let ambiguous = if s.across_processes {
        format!(
            "Counts only: the {n} snapshots are not all of one process, so goroutine ids cannot be followed across them, and counts of different processes are no trend in time. Two or more goroutine?debug=2 snapshots of one process (do the same goroutine ids stay?) would decide."
        )
    } else {
        format!(
            "Counts only: {n} snapshots without goroutine ids cannot tell leaked goroutines from a burst of short-lived ones. A goroutine?debug=2 snapshot (do the same goroutine ids stay?) or more snapshots would decide."
        )
    };
    let mut j = if never && growth {
        Judgement::new(
            if n >= 3 { base.up() } else { base },
            0.85,
            format!("{} never completes, and the group grew ({counts})", s.op),
        )
    } else if never && t.verdict == Verdict::Stepped && !t.jump_at_end(&s.values) {
        // A rise that held: the goroutines it added can never leave the
        // wait, so the count cannot fall back; what held is leaked, though
        // the leak did not go on.
        Judgement::new(
            base,
            0.8,
            format!(
                "{} never completes: the goroutines the group gained ({counts}) can never exit",
                s.op
            ),
        )
    } else if one_step {
        Judgement::new(
            Severity::Low,
            0.25,
            format!("growth confined to one step ({counts}): one step is not a trend"),
        )
    } else if late_jump {
        let mut j = Judgement::new(
            Severity::Low,
            0.25,
            format!(
                "nearly all the growth came at the last step ({counts}): a burst caught by the last snapshot, or something that began just before it; one step is not a trend"
            ),
        );
        j.notes.push(
            "were the growth steady, each interval would add alike: so few before the last step happens by chance less than 0.1% of the time".into(),
        );
        j.notes.extend(in_sets.clone());
        j
    } else if t.verdict == Verdict::Growing && n >= 4 && every_step {
        // Steady growth over four or more snapshots is the most counts can
        // say; bursts that grow from one snapshot to the next look the same,
        // so it stays at medium.
        Judgement::new(
            Severity::Medium,
            0.6,
            format!("counts grew at each of {} steps ({counts})", n - 1),
        )
    } else if let Some(chance) = chance().filter(|&p| p >= RISE_P) {
        // A rise at each step is what a leak of a few goroutines per
        // interval gives, and what goroutines in flight give by chance about
        // one time in six: growth, counts only, and no surer than that.
        let mut j = Judgement::new(
            Severity::Medium,
            0.3,
            format!(
                "counts grew at each step ({counts}), but no more than goroutines in flight do by chance (p = {chance:.2}): a small leak, or a burst"
            ),
        );
        j.notes.push(format!(
            "goroutines started at random and running a while (requests, batches, probes) number a Poisson count at any instant: three snapshots of such a count with this mean rise at each step, by {} or more, with probability {chance:.2}; growth rarer than {RISE_P} is surer",
            units[n - 1] - units[0]
        ));
        j.notes.extend(in_sets.clone());
        j
    } else if t.verdict == Verdict::Growing && !every_step && rise < RISE_Z {
        let mut j = Judgement::new(
            Severity::Low,
            0.3,
            format!(
                "counts grew ({counts}), but by no more than goroutines in flight fluctuate ({rise:+.1} standard deviations)"
            ),
        );
        j.notes.push(format!(
            "goroutines started at random and running a while (requests, batches, probes) number a Poisson count at any instant, whose variance is its mean: from {} to {}{} is {rise:+.1} standard deviations of such a count's change, and growth must exceed {RISE_Z}",
            units[0],
            units[n - 1],
            if set > 1 { " sets" } else { "" }
        ));
        j.notes.extend(in_sets.clone());
        j
    } else if t.verdict == Verdict::Growing && n >= 3 {
        let mut j = Judgement::new(
            Severity::Medium,
            0.5,
            format!("counts grew over {n} snapshots ({counts})"),
        );
        if let Some(chance) = chance().filter(|&p| p >= RISE_P / 2.0) {
            // Rarer than RISE_P by chance, but not by much: less sure.
            j.confidence = 0.4;
            j.notes.push(format!(
                "goroutines in flight (a Poisson count at any instant) rise like this over three snapshots with probability {chance:.2}: growth, but not far beyond what chance gives"
            ));
        }
        j
    } else if t.verdict == Verdict::Growing {
        let clear = t.last - t.first >= 3;
        Judgement::new(
            if clear {
                Severity::Medium
            } else {
                Severity::Low
            },
            0.4,
            format!("counts grew between two snapshots ({counts})"),
        )
    } else if t.verdict == Verdict::GrowingNoisy {
        Judgement::new(
            if never {
                Severity::Medium
            } else {
                Severity::Low
            },
            0.4,
            format!("counts rose with dips ({counts})"),
        )
    } else if s.nil_send() && t.last > 0 {
        stuck_nil_senders(s, &counts)
    } else {
        Judgement::new(
            Severity::Low,
            0.35,
            format!("{} never completes ({counts})", s.op),
        )
    };
    if let Some(creator) = s
        .waiting_creator
        .as_deref()
        .filter(|_| !never && j.severity > Severity::Low)
    {
        // Children of a parent that waits for them are in flight: were they
        // stuck, it would wait for ever and start no more.
        let how = if matches!(s.op, BlockingOp::Sleep | BlockingOp::Running) {
            "on a WaitGroup or a channel, while they work"
        } else {
            "on a WaitGroup"
        };
        j = Judgement::new(
            Severity::Low,
            j.confidence.min(0.3),
            format!(
                "{creator}, which starts them, waits for them ({how}) in every snapshot they are in: a fan-out in flight that it collects ({counts})"
            ),
        );
        j.notes.push(format!(
            "were they stuck, {creator} would wait for ever and start no more of them, and its own goroutines would pile up instead"
        ));
    }
    // What shows the growth is not new goroutines: a fixed set changing
    // state (where waits did not grow), or client connections that follow
    // the requests in flight.
    let shift = (!never && j.severity > Severity::Low)
        .then(|| {
            (!s.waits_grow())
                .then(|| fixed_set(s, &counts, false))
                .flatten()
                .or_else(|| {
                    let (conns, requests) = s.connections_follow_requests()?;
                    Some((
                        connections_follow_text(conns, requests),
                        CONNECTIONS_DECIDE.to_string(),
                    ))
                })
                .or_else(|| open_connections(s, false))
        })
        .flatten();
    if let Some((why, decide)) = shift {
        j = Judgement::new(Severity::Low, j.confidence.min(0.3), why);
        j.would_decide = Some(decide);
    } else if !never {
        j.would_decide = Some(ambiguous);
    }
    // (`shift` requires `!never`.)
    if !never {
        j.counts_only = true;
        if s.across_processes {
            // Each process started afresh: its count says how far it got,
            // not that the same goroutines piled up.
            j.confidence = (j.confidence - 0.1).max(0.1);
            j.notes.push(
                "the snapshots are not all of one process (see the notes): counts taken in different processes, each from its own start, are weaker evidence of growth than counts of one".into(),
            );
        }
    }
    // (A fixed set's waits did not grow: `shift` requires it of one.)
    if !never && s.waits_grow() {
        j.confidence += 0.1;
        j.notes.push(
            "the longest wait grew between the snapshots: the oldest goroutines stay blocked"
                .into(),
        );
    }
    j
}

/// A group blocked sending on a nil channel that is not judged a growing
/// leak by its survivors or its counts (see
/// [`Series::nil_send`]): such a send never completes, and unlike
/// `select {}` or a receive from a channel left nil no program parks a
/// goroutine so on purpose, so every goroutine of the group is stuck for
/// good: `medium`, confidence 0.8, where no rule of growth said more (it
/// did not grow, or its survivors did not accumulate).
fn stuck_nil_senders(s: &Series, counts: &str) -> Judgement {
    let held = if s.trend.verdict.is_growth() {
        ""
    } else {
        ", though the group did not grow"
    };
    let mut j = Judgement::new(
        Severity::Medium,
        0.8,
        format!(
            "{} blocked sending on a nil channel ({counts}): such a send never completes, so they are stuck for good{held}",
            plural(s.last().max(0) as usize, "goroutine", "goroutines")
        ),
    );
    j.notes.push(
        "a send on a nil channel outside a select is never a way to wait: the channel was used before it was made, or after it was cleared"
            .into(),
    );
    j
}

/// How far counts must rise, first to last, in standard deviations of the
/// fluctuation of goroutines in flight, to be growth (as a heap series must
/// rise two standard errors beyond its sampling error).
const RISE_Z: f64 = 2.0;

/// The change from `a` to `b` goroutines in standard deviations of the
/// fluctuation of goroutines in flight. Goroutines started at random times
/// and running a while each (an M/G/∞ queue: requests, batches, probes)
/// number a Poisson count at any instant, whose variance is its mean; two
/// snapshots of such a group differ by about `sqrt(a + b)`. Bursts vary
/// more than that, so this is the least a rise must clear.
fn in_flight_z(a: i64, b: i64) -> f64 {
    let (a, b) = (a.max(0) as f64, b.max(0) as f64);
    (b - a) / (a + b).max(1.0).sqrt()
}

/// How rare growth of three counts must be by chance (see
/// [`rise_by_chance`]) to be more than goroutines in flight.
const RISE_P: f64 = 0.1;

/// The probability that three independent Poisson counts with the mean of
/// `values` rise at each step and by at least `values`' rise from first to
/// last: how often goroutines in flight (an M/G/∞ queue, whose count at any
/// instant is Poisson) grow like this between three snapshots by chance.
fn rise_by_chance(values: &[i64]) -> f64 {
    let n = values.len();
    if n < 3 {
        return 1.0;
    }
    let lambda = values.iter().map(|&v| v.max(0) as f64).sum::<f64>() / n as f64;
    let rise = values[n - 1].saturating_sub(values[0]).max(2) as usize;
    if lambda <= 0.0 {
        return 0.0;
    }
    // The Poisson probabilities over the range that holds all but a
    // negligible part of the mass, from ln P(lo) (Stirling's series for
    // ln lo!) up. Beyond a million (counts no process reaches, but a
    // profile may claim) the normal curve in bins of a 200th of a standard
    // deviation stands in, so that time and memory stay bounded.
    let (probs, rise) = if lambda > 1e6 {
        let sd = lambda.sqrt();
        let width = sd / 200.0;
        let probs: Vec<f64> = (0..4800)
            .map(|i| {
                let z = (i as f64 + 0.5 - 2400.0) / 200.0;
                (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() / 200.0
            })
            .collect();
        (probs, ((rise as f64) / width).ceil() as usize)
    } else {
        let spread = 12.0 * lambda.sqrt() + 12.0;
        let lo = (lambda - spread).max(0.0) as usize;
        let hi = (lambda + spread) as usize;
        let ln_factorial = |k: usize| -> f64 {
            if k < 20 {
                (2..=k).map(|i| (i as f64).ln()).sum()
            } else {
                let k = k as f64;
                k * k.ln() - k + 0.5 * (2.0 * std::f64::consts::PI * k).ln() + 1.0 / (12.0 * k)
                    - 1.0 / (360.0 * k * k * k)
            }
        };
        let mut log_p = -lambda + lo as f64 * lambda.ln() - ln_factorial(lo);
        let mut probs = Vec::with_capacity(hi - lo + 1);
        for k in lo..=hi {
            if k > lo {
                log_p += lambda.ln() - (k as f64).ln();
            }
            probs.push(log_p.exp());
        }
        (probs, rise)
    };
    // prefix[i]: the mass of probs[..i]; from c on, tail[c] is the mass
    // and tail_prefix[c] the sum of probs[c'] * prefix[c'].
    let m = probs.len();
    let mut prefix = Vec::with_capacity(m + 1);
    prefix.push(0.0);
    for p in &probs {
        prefix.push(prefix.last().copied().unwrap_or(0.0) + p);
    }
    let mut tail = vec![0.0; m + 1];
    let mut tail_prefix = vec![0.0; m + 1];
    for c in (0..m).rev() {
        tail[c] = tail[c + 1] + probs[c];
        tail_prefix[c] = tail_prefix[c + 1] + probs[c] * prefix[c];
    }
    // Over a < b < c with c - a >= rise: P(a) P(c) P(a < b < c), summed
    // over c in linear time.
    let mut total = 0.0;
    for a in 0..m {
        let c = a.saturating_add(rise).min(m);
        total += probs[a] * (tail_prefix[c] - prefix[a + 1] * tail[c]);
    }
    total.min(1.0)
}

/// The group grew less at its last step than at its first (three or more
/// snapshots), and no step more than the one before it, and its pace fell
/// at least as much as the process's pace of
/// starting goroutines rose (`paces`: the ids handed out over the first
/// step and over the last, when known): then its ids crowd early because
/// it slows, as a set that fills does. A leak whose goroutines start
/// others (a poller's requests dial connections) speeds the process up
/// while keeping its own pace, and crowds its ids early too.
fn fills(values: &[i64], paces: Option<(u64, u64)>) -> bool {
    let n = values.len();
    if n < 3 {
        return false;
    }
    let rises: Vec<i64> = values.windows(2).map(|w| w[1] - w[0]).collect();
    let (first, last) = (rises[0], rises[n - 2]);
    let (ids_first, ids_last) = paces.unwrap_or((1, 1));
    // A set nears its bound step by step: no step adds more than the one
    // before it. A leak's pace goes up and down with its calls.
    last < first
        && rises.windows(2).all(|r| r[1] <= r[0])
        && (last.max(0) as u128) * u128::from(ids_last)
            <= (first.max(0) as u128) * u128::from(ids_first)
}

/// Growth that slowed at the last step: `(before, after)`, the rises of
/// the last two steps, when the last added at most half as many as the one
/// before (which added at least 3).
fn slowing(values: &[i64]) -> Option<(i64, i64)> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let before = values[n - 2] - values[n - 3];
    let after = values[n - 1] - values[n - 2];
    (before >= 3 && after >= 0 && after * 2 <= before).then_some((before, after))
}

// The two goroutines of an HTTP/1 client connection.
pub(crate) use crate::diff::{HTTP_READ_LOOP, HTTP_WRITE_LOOP};

/// The goroutine net/http's server starts to read ahead on a connection
/// while a handler runs (`startBackgroundRead`), and stops when the
/// handler returns (`abortPendingRead`).
const BACKGROUND_READ: &str = "net/http.(*connReader).backgroundRead";

/// Goroutines of net/http's server reading ahead for a request in
/// progress ([`BACKGROUND_READ`]): one per handler running, never longer.
fn reads_ahead_for_handler(s: &Series) -> bool {
    s.frames.iter().any(|f| f.function == BACKGROUND_READ)
}

/// What would decide client connections that follow the requests in
/// flight.
const CONNECTIONS_DECIDE: &str = "Later snapshots would show whether the connections level off with the load; the callers' own group, waiting in the round trip, is judged on its own (requests that never get an answer hold their connections).";

/// Goroutines blocked on the network (`IO wait`) whose only evidence is
/// that they stay, or that their count grows: each is an open
/// connection's (or a listener's) reader, and connections that stay open
/// stay whether they leaked or belong to a set of clients, streams or
/// pooled connections that grows with the load. On the held-out services
/// (set29-37), every leak was found without such a group, and such groups
/// were a third of the false `medium` findings of debug=2 and two fifths
/// of those with counts only. What it says, and what would decide.
fn open_connections(s: &Series, ids: bool) -> Option<(String, String)> {
    (s.op == BlockingOp::IoWait).then(|| {
        (
            format!(
                "{} goroutines wait on the network: each reads for an open connection (or a listener), and {}; a connection that leaked and one that a growing set of clients, streams or pooled connections keeps open look the same",
                s.last(),
                if ids {
                    "connections that stay open keep their readers from one snapshot to the next, whether they leaked or not"
                } else {
                    "a growing count is more connections open, whether they leaked or not"
                }
            ),
            "Later snapshots would show whether the connections level off with the clients (a pool, a set of streams) or keep growing; the source (--source) whether the code closes every connection it opens or sets a deadline; the process's socket count against its clients', which connections are open. A reader whose connection's other goroutines have exited, or a wait that never completes, would decide on their own.".to_string(),
        )
    })
}

/// What [`Series::connections_follow_requests`] found, in words.
fn connections_follow_text(conns: &[i64], requests: &[i64]) -> String {
    format!(
        "the client connections follow the requests in flight: {} connections, {} goroutines waiting on a round trip over one (net/http.(*persistConn).roundTrip); a Transport keeps a connection per request in flight and a bounded number idle, and the idle ones did not grow, so the growth is connections in use; a leak of connections (a Transport per request, a response body left open) grows them without the requests",
        fmt_counts(conns, "goroutines"),
        fmt_counts(requests, "goroutines")
    )
}

/// Goroutines whose ids outlive snapshots by design, so that survival is
/// no proof of a leak: a connection's goroutines (net/http's persistConn
/// loops, a server's per-connection serve loop, any goroutine reading the
/// network) live as long as the connection, and a keep-alive pool that
/// fills keeps them just as a leak does; an HTTP handler runs on its
/// connection's goroutine, which serves request after request, so the
/// same id at two snapshots may be two requests. An HTTP pair decided by
/// its readLoop's state (bodies left open) is not such a case.
fn long_lived_by_design(s: &Series, top: &catalog::Compiled) -> Option<&'static str> {
    if top.has_rule("grows_with_pair") {
        return None;
    }
    let has = |name: &str| s.frames.iter().any(|f| f.function == name);
    if s.op == BlockingOp::IoWait || reads_network(s) || has(HTTP_READ_LOOP) || has(HTTP_WRITE_LOOP)
    {
        return Some("these are connections' goroutines, which live as long as their connection: survival shows the connections are open, not that they leaked (a keep-alive pool that fills keeps them just the same)");
    }
    if writes_for_open_connection(s) {
        return Some("each of these works for a connection whose reader is alive and blocked on the network (the same object: the receiver their stacks print), so they live as long as their connection: survival shows the connections are open, not that they leaked");
    }
    if has("net/http.(*conn).serve") {
        return Some("these run on their connection's goroutine (net/http.(*conn).serve), which serves request after request: the same goroutine id at two snapshots may be two requests");
    }
    None
}

/// A select or a receive whose longest wait grew by less than two minutes
/// over the snapshots: how much it grew. Either may wait on a timer (`case
/// <-time.After(d)`, `<-t.C`, a context's deadline) that the dump does not
/// show, and a timer of minutes (a retry's backoff, a long poll) shows a
/// wait that grows with the clock until it fires, as a stuck goroutine's
/// does; a growth of two minutes or more takes a longer timer, and the
/// source, where it was read, says whether one bounds the wait. `None`
/// otherwise.
fn timer_may_end(s: &Series) -> Option<u32> {
    if !matches!(s.op, BlockingOp::Select | BlockingOp::ChanReceive) {
        return None;
    }
    let known: Vec<u32> = s.waits.iter().flatten().copied().collect();
    let grew = known.last()?.saturating_sub(*known.first()?);
    (grew < 2).then_some(grew)
}

/// Goroutines not blocked on the network themselves, each working for a
/// connection of its own whose reader is ([`crate::diff::SameObject`]): a
/// connection's writer, as long-lived as its reader.
fn writes_for_open_connection(s: &Series) -> bool {
    s.op != BlockingOp::IoWait && s.same_object.is_some_and(|o| o.all_with_reader())
}

/// One snapshot: no trend; large groups blocked for long are reported at
/// low confidence, parents gone raise it, parents waiting lower it.
fn judge_single(s: &Series, base: Severity, never: bool) -> Judgement {
    let wait = s.max_wait().unwrap_or(0);
    let sev = if never && s.last() >= 10 || s.last() >= 100 && wait >= 10 || s.last() >= 1000 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let _ = base;
    let mut j = Judgement::new(
        sev,
        0.3,
        format!(
            "one snapshot: {} {}{}",
            plural(s.last().max(0) as usize, "goroutine", "goroutines"),
            if never {
                format!("in {}, which never completes", s.op)
            } else {
                format!("blocked in {}", s.op)
            },
            if wait > 0 {
                format!(", for up to {wait} minutes")
            } else {
                String::new()
            }
        ),
    );
    if never {
        j.confidence += 0.2;
    }
    if wait >= 1 {
        j.confidence += 0.05;
    }
    parents_evidence(s, &mut j);
    j.would_decide = Some(
        "One snapshot shows no trend: a second goroutine?debug=2 snapshot later (do the same goroutine ids stay?) would decide.".into(),
    );
    j
}

/// A group that grew at two or more steps while the goroutines that run
/// the same function, in every state (its [`crate::diff::Family`]), grew
/// at one of them at most, or, with `ids_known`, grew and then held to
/// the end ([`crate::diff::Family::shift`]): the rest of its
/// growth is the same goroutines moving into it from another state (the
/// workers of a fixed pool between jobs, caught idle more often), not new
/// goroutines, which a leak adds at each step. The decision and what
/// would decide, for `low`; `ids_known`: goroutine ids were followed in
/// every snapshot (else counts alone cannot tell a pool draining).
fn fixed_set(s: &Series, counts: &str, ids_known: bool) -> Option<(String, String)> {
    let family = s.family.as_ref()?;
    let shift = family.shift(&s.values, ids_known)?;
    let set = fmt_counts(&family.counts, "goroutines");
    let why = match (shift.held_from, shift.family_grew.first()) {
        (Some(h), _) => format!(
            "a set that stopped growing: the goroutines that run {} number {set} in all their states, and held from step {} → {} on, while this group ({counts}) grew with it, and {} of its goroutines left it again between snapshots: the members of a pool that grew to its bound, moving between its states; a leak's goroutines never leave their wait, and a leak adds new ones at each step",
            family.entry,
            h + 1,
            h + 2,
            s.left_total()
        ),
        (None, Some(&k)) => format!(
            "a set that stopped growing: the goroutines that run {} number {set} in all their states, and from step {} → {} on grew at that step only; at its other steps this group ({counts}) grew by goroutines of that set moving into it from another state (the workers of a fixed pool between jobs), not by new goroutines, which a leak adds at each step",
            family.entry,
            k + 1,
            k + 2
        ),
        (None, None) => format!(
            "a fixed set changing state: the goroutines that run {} number {set} in all their states, so this group ({counts}) grew only by goroutines of that set moving into it from another state (the workers of a fixed pool between jobs), not by new goroutines, which a leak adds at each step",
            family.entry
        ),
    };
    let decide = if ids_known {
        format!(
            "Later snapshots would show whether the goroutines that run {} keep their number (a fixed set) or grow (a leak).",
            family.entry
        )
    } else {
        // Counts only: a set whose members get stuck one by one (a pool
        // draining) holds its number too.
        format!(
            "Counts only: a fixed set whose goroutines come and go between states and one whose goroutines get stuck in this state one by one (a pool draining: it holds its number too) give the same counts. Two goroutine?debug=2 snapshots{} (do goroutines leave this group again?) would decide; later snapshots would show whether the goroutines that run {} keep their number.",
            if s.across_processes { " of one process" } else { "" },
            family.entry
        )
    };
    Some((why, decide))
}

/// Parents (Go 1.21+ `created by … in goroutine N`): children whose parent
/// has exited have nobody left to wake them; children whose parent is alive
/// and waiting are most likely in flight.
fn parents_evidence(s: &Series, j: &mut Judgement) {
    let Some(p) = s.parent_state else { return };
    let total = p.gone + p.waiting + p.alive;
    if total == 0 {
        return;
    }
    if p.gone * 2 > total {
        j.confidence += 0.05;
        j.notes.push(format!(
            "{} of {total} have no parent left (the goroutine that started them has exited): nobody is left to wake them",
            p.gone
        ));
    } else if p.waiting * 2 > total {
        // In flight, most likely: the parent may still collect them.
        j.confidence -= 0.15;
        if j.severity > Severity::Low && s.trend.verdict == Verdict::Single {
            j.severity = Severity::Low;
        } else if j.severity > Severity::Medium && !s.op.never_wakes() {
            j.severity = Severity::Medium;
        }
        j.notes.push(format!(
            "{} of {total} have a parent that is alive and waiting (WaitGroup, receive, select): they may be in flight",
            p.waiting
        ));
    }
}

fn score(s: &Series, confidence: f64) -> f64 {
    let t = &s.trend;
    let last = t.last.max(0) as f64;
    // Where ids are known, the leak's lower bound (survivors) ranks it.
    let sized = match s.leaked_at_least() {
        Some(l) if !s.memory => l as f64,
        _ => last,
    };
    let growth = match t.verdict {
        Verdict::Single => 0.3,
        _ if last > 0.0 => ((t.last - t.first).max(0) as f64 / last).min(1.0),
        _ => 0.0,
    };
    let growth = if t.verdict == Verdict::GrowingNoisy {
        growth * 0.6
    } else {
        growth
    };
    // Size on a log scale: 10 goroutines ≈ 0.25, 10k ≈ 1 (bytes: 1 MiB ≈ 0.5).
    let size = if s.all_values.first().map(|v| v.len()).unwrap_or(1) > 1 {
        ((last / 1024.0).ln_1p() / (1024.0f64 * 1024.0).ln_1p()).min(1.0)
    } else {
        (sized.ln_1p() / 10001f64.ln()).min(1.0)
    };
    let wait = (s.max_wait().unwrap_or(0).min(60) as f64) / 60.0;
    let v = 100.0 * (0.4 * growth + 0.25 * size + 0.25 * confidence + 0.1 * wait);
    (v * 10.0).round() / 10.0
}

fn evidence(s: &Series, kind: FindingKind, unit: &str, n: usize) -> Vec<String> {
    let t = &s.trend;
    let mut ev = Vec::new();
    let what = if kind == FindingKind::Heap {
        "in-use bytes"
    } else {
        "goroutines"
    };
    if n >= 2 {
        let how = match t.verdict {
            Verdict::Growing if t.increases == n - 1 => "grew at every snapshot".to_string(),
            Verdict::Growing => "never shrank and grew overall".to_string(),
            Verdict::GrowingNoisy => format!("rose with dips (Kendall tau {:.2})", t.tau),
            v => v.as_str().to_string(),
        };
        let slope = if unit == "bytes" {
            format!("{}/snapshot", fmt_value(t.slope.round() as i64, unit))
        } else {
            format!("{:+.1}/snapshot", t.slope)
        };
        ev.push(format!(
            "{what} {} over {n} snapshots: {how} (slope {slope})",
            fmt_counts(&s.values, unit)
        ));
    } else {
        ev.push(format!(
            "{} {what} in the only snapshot; no trend can be judged from one snapshot",
            fmt_value(s.last(), unit)
        ));
    }
    if kind == FindingKind::Goroutine {
        if let Some(site) = s.site() {
            ev.push(format!("blocked in {} at {}", s.op, site_text(site)));
        }
        if s.ids_known() {
            let steps = |xs: &[Option<usize>]| {
                xs.iter()
                    .enumerate()
                    .map(|(k, x)| format!("{}→{}: {}", k + 1, k + 2, x.unwrap_or(0)))
                    .collect::<Vec<String>>()
                    .join(", ")
            };
            ev.push(format!(
                "survivors (goroutine ids of the group still in it, in the same call, at the next snapshot): {}",
                steps(&s.survivors)
            ));
            if s.left_total() > 0 {
                ev.push(format!(
                    "left the group (goroutine ids of the group alive in another call or wait at the next snapshot): {}",
                    steps(&s.left)
                ));
            }
            if s.survivors_gone_total() > 0 {
                ev.push(format!(
                    "exited after staying (goroutines that had stayed in the group from one snapshot to the next and were in no group at the snapshot after: a leaked goroutine never exits): {}",
                    steps(&s.survivors_gone)
                ));
            }
            if s.long_ended_total() > 0 {
                ev.push(format!(
                    "long waits of this call end: goroutines that had waited a minute or more and were gone from the group at the next snapshot (a leaked goroutine never leaves its wait; a timer or a long poll does): {}; waits that grow are then no sign that the others are stuck",
                    steps(&s.long_ended)
                ));
            }
            if let Some(p) = s.partners.as_ref().filter(|p| p.outlived > 0) {
                ev.push(format!(
                    "outlived their connection: {} stayed in the group after the reader started with them for the same object ({}, the receiver their stacks print) exited between snapshots, with no reader of that object left; {} exited with theirs",
                    plural(p.outlived as usize, "goroutine", "goroutines"),
                    p.function,
                    p.together
                ));
            }
            if s.moved().unwrap_or(0) > 0 {
                ev.push(format!(
                    "not counted as survivors: goroutines that kept their id and stack but finished the wait they were in (a new call of their top frames: other arguments or offset; or woken in between: a wait shorter than the time between the snapshots): {}",
                    steps(&s.moved)
                ));
            }
        }
        if let Some(p) = s.persistent_ids {
            if n >= 2 && p > 0 {
                ev.push(format!("{p} goroutine ids are present in every snapshot: those goroutines never finished"));
            }
        }
        if let Some(w) = s.max_wait() {
            if w > 0 {
                ev.push(format!("blocked for up to {w} minutes (debug=2 wait time)"));
            }
        }
        if s.leaked > 0 {
            ev.push(format!("the Go runtime marked {} of these goroutines (leaked): unreachable, they can never wake", s.leaked));
        }
        if s.op.never_wakes() {
            ev.push(format!(
                "{} never completes: nothing can wake these goroutines",
                s.op
            ));
        }
        if let Some(c) = &s.created_by {
            let mut line = format!("created by {}", site_text(c));
            let max_siblings = s.parents.values().max().copied().unwrap_or(0);
            if !s.parents.is_empty() && (max_siblings >= 2 || s.parents.len() == 1) {
                let total: u32 = s.parents.values().sum();
                let max = max_siblings;
                line.push_str(&format!(
                    "; {total} goroutines from {} parent goroutine{} (up to {max} from one parent)",
                    s.parents.len(),
                    if s.parents.len() == 1 { "" } else { "s" }
                ));
            }
            ev.push(line);
        }
    } else if let Some(site) = s.site() {
        ev.push(format!("allocated at {}", site_text(site)));
    }
    if !s.labels.is_empty() {
        let l: Vec<String> = s
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={}", v.iter().cloned().collect::<Vec<_>>().join("|")))
            .collect();
        ev.push(format!("labels: {}", l.join(", ")));
    }
    ev
}

/// Orders findings by severity, then score, and numbers them. Ids are
/// made unique first: see `distinct_ids`.
pub fn rank(findings: &mut [Finding]) {
    distinct_ids(findings);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(
                b.score
                    .partial_cmp(&a.score)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
            .then(a.id.cmp(&b.id))
    });
    for (i, f) in findings.iter_mut().enumerate() {
        f.rank = i + 1;
    }
}

/// Gives every finding an id of its own. A stable id hashes the stack and
/// the creating function ([`stable_id`]), so two groups with one stack that
/// one function starts at two `go` statements share it; those that do are
/// told apart by the creating line (and, were they still alike, by their
/// order among themselves, by their counts). Ids no other finding shares
/// are left as they are.
fn distinct_ids(findings: &mut [Finding]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter() {
        *seen.entry(f.id.clone()).or_default() += 1;
    }
    if seen.values().all(|&n| n == 1) {
        return;
    }
    let rehash = |id: &str, salt: &str| {
        let h = fnv1a(fnv1a(FNV_OFFSET, id.as_bytes()), salt.as_bytes());
        format!("{}{h:08x}", &id[..1])
    };
    let mut order: Vec<usize> = (0..findings.len())
        .filter(|&i| seen[&findings[i].id] > 1)
        .collect();
    order.sort_by(|&a, &b| {
        let key = |f: &Finding| {
            (
                f.id.clone(),
                f.created_by.as_ref().map(|c| (c.file.clone(), c.line)),
                f.counts.clone(),
            )
        };
        key(&findings[a])
            .partial_cmp(&key(&findings[b]))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut taken: HashSet<String> = findings.iter().map(|f| f.id.clone()).collect();
    for i in order {
        let line = findings[i]
            .created_by
            .as_ref()
            .map_or(String::new(), |c| format!("{}:{}", c.file, c.line));
        let mut id = rehash(&findings[i].id, &line);
        let mut k = 0;
        while taken.contains(&id) {
            k += 1;
            id = rehash(&findings[i].id, &format!("{line}#{k}"));
        }
        taken.insert(id.clone());
        findings[i].id = id;
    }
}

#[cfg(test)]
mod tests {
    use super::{rise_by_chance, slowing};

    #[test]
    fn rises_by_chance_against_a_direct_sum() {
        // The sum over all triples a < b < c with c - a >= rise.
        fn direct(values: &[i64]) -> f64 {
            let l = values.iter().sum::<i64>() as f64 / 3.0;
            let r = (values[2] - values[0]).max(2);
            let p = |k: i64| {
                (-l + k as f64 * l.ln() - (1..=k).map(|i| (i as f64).ln()).sum::<f64>()).exp()
            };
            let mut t = 0.0;
            for a in 0..80 {
                for b in a + 1..80 {
                    for c in b + 1..80 {
                        if c - a >= r {
                            t += p(a) * p(b) * p(c);
                        }
                    }
                }
            }
            t
        }
        for v in [
            [0, 1, 3],
            [3, 6, 9],
            [16, 17, 19],
            [6, 10, 11],
            [10, 20, 30],
        ] {
            let (a, b) = (rise_by_chance(&v), direct(&v));
            assert!((a - b).abs() < 1e-6, "{v:?}: {a} vs {b}");
        }
        // Small steady leaks are rarer than 5% by chance; small rises of
        // a larger count are not.
        assert!(rise_by_chance(&[3, 6, 9]) < 0.05);
        assert!(rise_by_chance(&[16, 17, 19]) > 0.1);
        // Large counts stay close to the normal picture: a rise of three
        // standard deviations is rare, one of a half is not.
        assert!(rise_by_chance(&[100_000, 100_600, 101_300]) < 0.01);
        assert!(rise_by_chance(&[100_000, 100_100, 100_200]) > 0.05);
        // Very large counts start from Stirling's ln k! and sum in linear
        // time: six standard deviations are rare, a tenth of one is not.
        let big = 100_000_000;
        assert!(rise_by_chance(&[big, big + 30_000, big + 60_000]) < 1e-3);
        let p = rise_by_chance(&[big, big + 500, big + 1_000]);
        assert!(p > 0.1 && p < 1.0 / 6.0, "{p}");
        // Both sides of a million agree (Poisson below, the normal curve
        // above), and a count a profile may claim but no process reaches
        // stays bounded.
        let (a, b) = (
            rise_by_chance(&[999_000, 1_000_000, 1_001_000]),
            rise_by_chance(&[1_001_000, 1_002_000, 1_003_000]),
        );
        assert!((a - b).abs() < 0.01, "{a} vs {b}");
        let huge = i64::MAX / 4;
        assert!(rise_by_chance(&[huge, huge + 1, huge + 2]) > 0.1);
        assert!(rise_by_chance(&[1, huge / 2, huge]) < 1e-6);
        assert!(rise_by_chance(&[i64::MIN, 0, i64::MAX]) <= 1.0);
        assert!(rise_by_chance(&[-5, 3, 9]) <= 1.0);
    }

    #[test]
    fn slowing_growth() {
        assert_eq!(slowing(&[6, 10, 11]), Some((4, 1)));
        assert_eq!(slowing(&[10, 20, 25]), Some((10, 5)));
        assert_eq!(slowing(&[10, 20, 30]), None);
        assert_eq!(slowing(&[10, 20, 26]), None);
        assert_eq!(slowing(&[1, 3, 3]), None);
        assert_eq!(slowing(&[3, 4]), None);
    }
}
