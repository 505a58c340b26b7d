//! Several processes (instances) of one service: each instance's snapshots
//! are analyzed as its own series, then the findings are merged by group
//! key, so one finding lists every instance that shows it.
//!
//! The key is what stays the same across instances, even when they run
//! different builds or Go versions: the source lines (file:line) of the
//! first non-standard-library frames (compiler wrappers such as `gowrap`
//! skipped), or, for stacks entirely inside the standard library (an HTTP
//! connection's read loop), the functions without line numbers.

use super::{rank, Finding, FindingKind, Severity};
use crate::diff::Verdict;
use crate::model::normalize::{is_std_package, package_path};
use crate::model::FrameRef;
use serde::Serialize;
use std::collections::BTreeMap;

/// One instance's view of a merged finding.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceSeen {
    /// The instance (its directory name).
    pub name: String,
    /// The finding's id in that instance's own analysis.
    pub id: String,
    pub severity: Severity,
    /// Goroutines (or bytes) per snapshot of the instance.
    pub counts: Vec<i64>,
    pub trend: Verdict,
    /// Goroutines of the group that survived the instance's last step
    /// (its `leaked_at_least`; null where the format has no ids).
    pub survivors: Option<usize>,
    #[serde(skip)]
    pub score: f64,
}

impl InstanceSeen {
    /// Growth over the instance's snapshots (never negative); with one
    /// snapshot, its count.
    pub fn growth(&self) -> i64 {
        match (self.counts.first(), self.counts.last()) {
            (Some(&a), Some(&b)) if self.counts.len() >= 2 => (b - a).max(0),
            (_, Some(&b)) => b.max(0),
            _ => 0,
        }
    }
}

/// Frames the compiler adds and older toolchains do not (`go f(x)`
/// wrappers since Go 1.21).
fn is_wrapper(f: &FrameRef) -> bool {
    f.function.contains(".gowrap") || f.function.contains("·gowrap")
}

fn is_user(f: &FrameRef) -> bool {
    package_path(&f.function).is_some_and(|p| !is_std_package(p)) && !is_wrapper(f)
}

/// Frames of the key taken from the leaf down.
const KEY_FRAMES: usize = 3;

/// The group key findings of different instances are merged by.
pub fn merge_key(f: &Finding) -> String {
    merge_keys(f).swap_remove(0)
}

/// The keys a finding is known by: its own, then (for stacks entirely
/// inside the standard library) those of the groups reported with it, so
/// that an HTTP connection's read loop in one instance and its write loop
/// in another, whichever became the finding, are one.
fn merge_keys(f: &Finding) -> Vec<String> {
    let kind = match f.kind {
        FindingKind::Goroutine => "g",
        FindingKind::Heap => "h",
    };
    let user: Vec<&FrameRef> = f
        .frames
        .iter()
        .filter(|fr| is_user(fr))
        .take(KEY_FRAMES)
        .collect();
    if !user.is_empty() {
        let mut key = kind.to_string();
        for fr in user {
            key.push_str(&format!("|{}:{}", fr.file, fr.line));
        }
        let mut keys = vec![key];
        // Groups reported together (one population, one busy loop): each
        // instance makes the surest of them the finding, so one instance's
        // reader and another's writer are one finding, known by every site
        // of the set.
        if !f.related.is_empty() {
            let together = |fr: &FrameRef| format!("{kind}|together|{}:{}", fr.file, fr.line);
            keys.extend(f.site.iter().map(together));
            keys.extend(
                f.related
                    .iter()
                    .filter_map(|r| r.site.as_ref())
                    .map(together),
            );
        }
        return keys;
    }
    // Standard library only: line numbers change with the Go version, and
    // the frames below the site with the build; the pattern and the site's
    // function do not.
    let std_key = |site: &str| format!("{kind}|{}|{site}", f.pattern);
    let site = f
        .frames
        .iter()
        .find(|fr| !crate::model::normalize::is_runtime_function(&fr.function))
        .or(f.frames.first())
        .map(|fr| fr.function.as_str())
        .unwrap_or_default();
    let mut keys = vec![std_key(site)];
    keys.extend(
        f.related
            .iter()
            .filter_map(|r| r.site.as_ref())
            .map(|fr| std_key(&fr.function)),
    );
    keys
}

/// Merges the findings of each instance (`(name, findings)`, in the order
/// the instances were given) into one ranked list. A merged finding is the
/// one of its worst instance (severity, then score), with `instances`
/// listing every instance that shows it; its score is the mean over all
/// instances (0 where it is absent), so a group growing in most instances
/// ranks above one growing in one of ten at the same severity.
pub fn merge(per_instance: Vec<(String, Vec<Finding>)>) -> Vec<Finding> {
    let total = per_instance.len();
    let mut groups: Vec<Vec<(String, Finding)>> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (name, findings) in per_instance {
        for f in findings {
            let keys = merge_keys(&f);
            // The first group known by one of its keys that this instance
            // has not joined yet; a second finding of one instance under
            // the same key (two groups at the same lines) stays apart.
            let found = keys
                .iter()
                .filter_map(|k| index.get(k).copied())
                .find(|&g| groups[g].iter().all(|(n, _)| *n != name));
            let g = match found {
                Some(g) => g,
                None => {
                    groups.push(Vec::new());
                    groups.len() - 1
                }
            };
            for k in keys {
                index.entry(k).or_insert(g);
            }
            groups[g].push((name.clone(), f));
        }
    }
    let mut out: Vec<Finding> = Vec::new();
    for group in groups {
        let instances: Vec<InstanceSeen> = group.iter().map(|(n, f)| seen(n, f)).collect();
        let counts_only_group = group.iter().all(|(_, f)| f.counts_only);
        let best = group
            .iter()
            .enumerate()
            .rev()
            .max_by(|(_, (_, a)), (_, (_, b))| {
                a.severity.cmp(&b.severity).then(
                    a.score
                        .partial_cmp(&b.score)
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
            })
            .map(|(i, _)| i)
            .unwrap_or(0);
        let rep_name = group[best].0.clone();
        let mut f = group.into_iter().nth(best).map(|(_, f)| f).expect("group");
        let sum: f64 = instances.iter().map(|i| i.score).sum();
        f.score = sum / total.max(1) as f64;
        let growing: Vec<&str> = instances
            .iter()
            .filter(|i| i.trend.is_growth())
            .map(|i| i.name.as_str())
            .collect();
        f.evidence.insert(
            0,
            format!(
                "instances: in {} of {} ({}), growing in {}; counts and trend shown are {}'s",
                instances.len(),
                total,
                instances
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                growing.len(),
                rep_name
            ),
        );
        f.instances = instances;
        f.instances_total = Some(total);
        if counts_only_group {
            // Instances whose own counts made a case (growth beyond one step).
            let steady = f
                .instances
                .iter()
                .filter(|i| i.severity >= Severity::Medium)
                .count();
            not_replicated(&mut f, steady, total);
        }
        out.push(f);
    }
    rank(&mut out);
    out
}

/// Growth seen in enough instances to be the code's rather than chance:
/// at least two, and at least two thirds of those analyzed.
pub fn replicated(growing: usize, total: usize) -> bool {
    growing >= 2 && 3 * growing >= 2 * total
}

/// Counts alone, over several instances: a leak in the code grows in every
/// instance that runs it, while a burst caught growing by three snapshots
/// of one instance is a coincidence of timing that the others do not
/// repeat. Growth that is not replicated stays at `low`.
fn not_replicated(f: &mut Finding, growing: usize, total: usize) {
    if total < 2 || replicated(growing, total) || f.severity < Severity::Medium {
        return;
    }
    f.severity = Severity::Low;
    f.confidence = f.confidence.min(0.3);
    f.set_decided_by(format!(
        "counts only, and the growth is not replicated: it grew over the snapshots (beyond one step) in {growing} of {total} instances, where a leak in the code grows in each instance that runs it (a burst caught growing in one is a coincidence of timing)"
    ));
    let what = "A goroutine?debug=2 snapshot of an instance where it grew (do the same goroutine ids stay?), or more snapshots of each instance, would decide.";
    if !f.decide.starts_with(what) {
        f.decide = format!("{what} {}", f.decide);
    }
}

fn seen(name: &str, f: &Finding) -> InstanceSeen {
    InstanceSeen {
        name: name.to_string(),
        id: f.id.clone(),
        severity: f.severity,
        counts: f.counts.clone(),
        trend: f.trend,
        survivors: f.leaked_at_least,
        score: f.score,
    }
}

/// Goroutines leaked by a finding, over its instances: the growth of each
/// instance (its count where it has one snapshot). Heap findings: 0.
pub fn leaked_goroutines(f: &Finding) -> i64 {
    if f.kind != FindingKind::Goroutine {
        return 0;
    }
    sum_growth(f)
}

/// Bytes leaked by a finding: a heap finding's growth over its instances,
/// or for a goroutine finding the heap growth linked to it.
pub fn leaked_bytes(f: &Finding) -> i64 {
    if f.kind == FindingKind::Heap {
        return sum_growth(f);
    }
    f.linked
        .iter()
        .map(|l| match (l.counts.first(), l.counts.last()) {
            (Some(&a), Some(&b)) if l.counts.len() >= 2 => (b - a).max(0),
            (_, Some(&b)) => b.max(0),
            _ => 0,
        })
        .sum()
}

fn sum_growth(f: &Finding) -> i64 {
    if f.instances.is_empty() {
        return seen("", f).growth();
    }
    f.instances.iter().map(|i| i.growth()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BlockingOp;

    fn frame(function: &str, file: &str, line: u32) -> FrameRef {
        FrameRef {
            function: function.into(),
            file: file.into(),
            line,
            raw_file: String::new(),
        }
    }

    fn finding(id: &str, line: u32, counts: &[i64], trend: Verdict, sev: Severity) -> Finding {
        Finding {
            id: id.into(),
            rank: 0,
            kind: FindingKind::Goroutine,
            profile: crate::model::ProfileKind::Goroutine,
            pattern: "chan-send-blocked".into(),
            alternatives: vec![],
            title: String::new(),
            severity: sev,
            confidence: 0.7,
            score: counts.last().copied().unwrap_or(0) as f64,
            counts: counts.to_vec(),
            unit: "goroutines",
            wait: BlockingOp::ChanSend,
            wait_minutes: vec![],
            max_wait_minutes: None,
            trend,
            frames: vec![
                frame("runtime.gopark", "runtime/proc.go", 400),
                frame("example.com/svc.worker.gowrap1", "svc/w.go", 9),
                frame("example.com/svc.worker", "svc/w.go", line),
                frame("net/http.(*conn).serve", "net/http/server.go", 1),
            ],
            site: None,
            created_by: None,
            labels: Default::default(),
            evidence: vec![],
            decide: String::new(),
            explanation: String::new(),
            fix: String::new(),
            snippet: String::new(),
            references: vec![],
            related: vec![],
            source: None,
            linked: vec![],
            functions: vec![],
            survivors: vec![],
            moved: vec![],
            left: vec![],
            exited: vec![],
            leaked_at_least: Some(3),
            present_since: None,
            decided_by: String::new(),
            instances: vec![],
            instances_total: None,
            counts_only: false,
        }
    }

    #[test]
    fn counts_only_growth_must_be_replicated() {
        let counts_only = |counts: &[i64], sev: Severity| {
            let mut f = finding("b", 10, counts, Verdict::Growing, sev);
            f.counts_only = true;
            f.evidence = vec!["decided by: counts grew over 3 snapshots".into()];
            f
        };
        // A burst caught growing in one of two instances: low.
        let merged = merge(vec![
            (
                "a".into(),
                vec![counts_only(&[10, 40, 90], Severity::Medium)],
            ),
            ("b".into(), vec![counts_only(&[50, 0, 0], Severity::Low)]),
        ]);
        assert_eq!(merged[0].severity, Severity::Low);
        assert!(merged[0].confidence <= 0.3);
        assert!(merged[0].decided_by.contains("1 of 2 instances"));
        assert!(merged[0]
            .evidence
            .iter()
            .any(|e| e.starts_with("decided by: counts only, and the growth is not replicated")));
        // Growth in every instance keeps the instances' verdict.
        let merged = merge(vec![
            (
                "a".into(),
                vec![counts_only(&[10, 20, 30], Severity::Medium)],
            ),
            (
                "b".into(),
                vec![counts_only(&[12, 19, 33], Severity::Medium)],
            ),
        ]);
        assert_eq!(merged[0].severity, Severity::Medium);
        // Where ids decided, one instance is enough.
        let merged = merge(vec![
            (
                "a".into(),
                vec![finding(
                    "s",
                    10,
                    &[10, 20, 30],
                    Verdict::Growing,
                    Severity::High,
                )],
            ),
            ("b".into(), vec![]),
        ]);
        assert_eq!(merged[0].severity, Severity::High);
        // Two thirds of the instances, at least two.
        assert!(replicated(2, 2) && replicated(2, 3) && replicated(7, 10));
        assert!(!replicated(1, 1) && !replicated(1, 2) && !replicated(6, 10));
    }

    #[test]
    fn key_ignores_std_lines_and_wrappers() {
        let a = finding("a", 10, &[1, 2], Verdict::Growing, Severity::High);
        let mut b = a.clone();
        b.frames.remove(1);
        b.frames[2].line = 999;
        assert_eq!(merge_key(&a), merge_key(&b));
        let c = finding("c", 11, &[1, 2], Verdict::Growing, Severity::High);
        assert_ne!(merge_key(&a), merge_key(&c));
    }

    #[test]
    fn growing_in_most_instances_ranks_above_growing_in_one() {
        // Group at line 10 grows in 9 of 10 instances by 5; group at line
        // 20 grows in 1 of 10, by more.
        let mut per = Vec::new();
        for i in 0..10 {
            let mut fs = Vec::new();
            if i < 9 {
                fs.push(finding(
                    "w",
                    10,
                    &[1, 3, 6],
                    Verdict::Growing,
                    Severity::High,
                ));
            }
            if i == 9 {
                fs.push(finding(
                    "o",
                    20,
                    &[1, 20, 40],
                    Verdict::Growing,
                    Severity::High,
                ));
            }
            per.push((format!("pod-{i}"), fs));
        }
        let merged = merge(per);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].instances.len(), 9);
        assert_eq!(merged[0].instances_total, Some(10));
        assert_eq!(merged[0].rank, 1);
        assert_eq!(merged[1].instances.len(), 1);
        assert_eq!(merged[1].instances[0].name, "pod-9");
        assert!(merged[0].evidence[0].starts_with("instances: in 9 of 10"));
        assert_eq!(leaked_goroutines(&merged[0]), 9 * 5);
        assert_eq!(leaked_goroutines(&merged[1]), 39);
    }

    #[test]
    fn std_only_findings_merge_through_their_related_groups() {
        // One instance reports the read loop (write loop related), the
        // other the write loop (read loop related), at other lines.
        let http = |leaf: &str, line: u32, other: &str| {
            let mut f = finding(leaf, 0, &[2, 4, 6], Verdict::Growing, Severity::High);
            f.pattern = "http-body-not-closed".into();
            f.frames = vec![frame(leaf, "net/http/transport.go", line)];
            f.related = vec![super::super::Related {
                site: Some(frame(other, "net/http/transport.go", line + 600)),
                counts: vec![2, 4, 6],
                wait: BlockingOp::Select,
            }];
            f
        };
        let read = "net/http.(*persistConn).readLoop";
        let write = "net/http.(*persistConn).writeLoop";
        let merged = merge(vec![
            ("a".into(), vec![http(read, 2213, write)]),
            ("b".into(), vec![http(write, 2833, read)]),
        ]);
        assert_eq!(merged.len(), 1, "{merged:#?}");
        assert_eq!(merged[0].instances.len(), 2);
    }

    #[test]
    fn populations_merge_whichever_group_an_instance_reported() {
        // One instance reports the readers (writers related), the other
        // the writers (readers related): their surest group differed.
        let pop = |leaf: &str, line: u32, other: &str, other_line: u32| {
            let mut f = finding(
                leaf,
                line,
                &[10, 15, 20],
                Verdict::Growing,
                Severity::Medium,
            );
            f.frames = vec![frame(leaf, "svc/conn.go", line)];
            f.site = Some(frame(leaf, "svc/conn.go", line));
            f.related = vec![super::super::Related {
                site: Some(frame(other, "svc/conn.go", other_line)),
                counts: vec![10, 15, 20],
                wait: BlockingOp::Select,
            }];
            f
        };
        let read = "example.com/svc.(*Conn).readLoop";
        let write = "example.com/svc.(*Conn).writeLoop";
        let merged = merge(vec![
            ("a".into(), vec![pop(read, 50, write, 70)]),
            ("b".into(), vec![pop(write, 70, read, 50)]),
        ]);
        assert_eq!(merged.len(), 1, "{merged:#?}");
        assert_eq!(merged[0].instances.len(), 2);
        // Without the related groups, two findings.
        let alone = |leaf: &str, line: u32| {
            let mut f = pop(leaf, line, leaf, line);
            f.related.clear();
            f
        };
        let merged = merge(vec![
            ("a".into(), vec![alone(read, 50)]),
            ("b".into(), vec![alone(write, 70)]),
        ]);
        assert_eq!(merged.len(), 2, "{merged:#?}");
    }

    #[test]
    fn the_worst_instance_represents_the_finding() {
        let per = vec![
            (
                "a".to_string(),
                vec![finding("x", 10, &[1, 1], Verdict::Steady, Severity::Low)],
            ),
            (
                "b".to_string(),
                vec![finding("y", 10, &[1, 9], Verdict::Growing, Severity::High)],
            ),
        ];
        let merged = merge(per);
        assert_eq!(merged.len(), 1);
        let f = &merged[0];
        assert_eq!(f.id, "y");
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.instances.len(), 2);
        assert_eq!(f.instances[0].name, "a");
        assert_eq!(f.instances[0].survivors, Some(3));
    }
}
