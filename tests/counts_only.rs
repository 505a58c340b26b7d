//! Counts only (issue 13): debug=1 profiles carry no goroutine ids, so a
//! growing group is judged by its counts, the fluctuation of goroutines in
//! flight and, for closures, whether their creator waits for them. The
//! profiles are written here, so each case holds one kind of evidence.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write as _;

/// A record: count and its frames (function, file line), leaf first, after
/// the runtime frames debug=1 hides (`hidden` addresses).
type Record = (i64, usize, &'static [(&'static str, u32)]);

const SLEEP: &[(&str, u32)] = &[("time.Sleep", 195), ("main.fanout.func1", 21)];
const SEND: &[(&str, u32)] = &[("main.fanout.func1", 22)];
const WG_WAIT: &[(&str, u32)] = &[
    ("sync.runtime_Semacquire", 62),
    ("sync.(*WaitGroup).Wait", 116),
    ("main.fanout", 27),
    ("main.main", 33),
];
const RECEIVE: &[(&str, u32)] = &[("main.fanout", 29), ("main.main", 33)];
const WORKER: &[(&str, u32)] = &[("time.Sleep", 195), ("main.worker", 40)];

fn profile(records: &[Record]) -> String {
    let total: i64 = records.iter().map(|r| r.0).sum();
    let mut s = format!("goroutine profile: total {total}\n");
    for (n, &(count, hidden, frames)) in records.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let base = 0x4a0000 + 0x1000 * n as u64;
        let mut addrs: Vec<String> = (0..hidden)
            .map(|h| format!("{:#x}", 0x43a1b6 + 0x100 * h as u64))
            .collect();
        addrs.extend((0..frames.len()).map(|i| format!("{:#x}", base + 0x10 * i as u64 + 1)));
        let _ = writeln!(s, "{count} @ {}", addrs.join(" "));
        for (i, (function, line)) in frames.iter().enumerate() {
            let file = if function.starts_with("main.") {
                "/src/app/main.go".to_string()
            } else {
                format!(
                    "/usr/local/go/src/{}.go",
                    function.split('.').next().unwrap()
                )
            };
            let _ = writeln!(
                s,
                "#\t{:#x}\t{function}+0x3c\t{file}:{line}",
                base + 0x10 * i as u64
            );
        }
        s.push('\n');
    }
    s
}

fn analyze(texts: &[String]) -> Vec<Finding> {
    written::analyze_written(texts, "debug1.txt")
}

fn find<'a>(found: &'a [Finding], function: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.site.as_ref().is_some_and(|s| s.function == function))
        .unwrap_or_else(|| panic!("no finding at {function}: {found:#?}"))
}

/// The finding at `function` over one profile per count, each holding one
/// record of `frames` (after `hidden` runtime frames).
fn one_group(
    counts: &[i64],
    hidden: usize,
    frames: &'static [(&'static str, u32)],
    function: &str,
) -> Finding {
    let p: Vec<String> = counts
        .iter()
        .map(|&n| profile(&[(n, hidden, frames)]))
        .collect();
    find(&analyze(&p), function).clone()
}

/// Three profiles of `children` goroutines (5 → 20 → 45) beside their
/// creator, present as `creator` says in each.
fn series(
    children: &'static [(&'static str, u32)],
    hidden: usize,
    creator: [Option<Record>; 3],
) -> Vec<String> {
    [5, 20, 45]
        .iter()
        .zip(creator)
        .map(|(&n, c)| {
            let mut r = vec![(n, hidden, children)];
            r.extend(c);
            profile(&r)
        })
        .collect()
}

#[test]
fn closures_whose_creator_waits_for_them_are_a_fan_out_in_flight() {
    let wg = Some((1, 3, WG_WAIT));
    let rx = Some((2, 3, RECEIVE));
    // The closures' finding, for their stack and their creator's presence.
    let closures = |children, hidden, creator| {
        find(
            &analyze(&series(children, hidden, creator)),
            "main.fanout.func1",
        )
        .clone()
    };
    // Sleeping (working) closures whose creator waits on a WaitGroup.
    let f = closures(SLEEP, 0, [wg, wg, wg]);
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(f.confidence <= 0.3);
    assert!(
        f.decided_by
            .contains("main.fanout, which starts them, waits for them"),
        "{}",
        f.decided_by
    );
    let cases = [
        // Working closures whose creator receives their results.
        (SLEEP, 0, [rx, rx, rx], Severity::Low),
        // Blocked closures (a hidden channel operation) under a WaitGroup.
        (SEND, 3, [wg, wg, wg], Severity::Low),
        // Blocked closures whose creator is in a receive or a select: it
        // may have given up on them (a timeout), so counts decide.
        (SEND, 3, [rx, rx, rx], Severity::Medium),
        // The creator gone from one snapshot: nothing collects those.
        (SLEEP, 0, [wg, None, wg], Severity::Medium),
        // No creator at all: counts decide.
        (SLEEP, 0, [None, None, None], Severity::Medium),
    ];
    for (children, hidden, creator, severity) in cases {
        let f = closures(children, hidden, creator);
        assert_eq!(f.severity, severity, "{creator:?}: {f:?}");
        if severity == Severity::Medium {
            assert!(
                f.decided_by.contains("counts grew over 3 snapshots"),
                "{}",
                f.decided_by
            );
        }
    }
}

#[test]
fn a_rise_within_the_fluctuation_of_goroutines_in_flight_is_medium_and_unsure() {
    let run = |counts: &[i64]| one_group(counts, 0, WORKER, "main.worker");
    // Three Poisson counts of these means rise at each step like this by
    // chance in more than 10% of cases (16 → 17 → 19: 13%): what a small
    // leak gives, and what goroutines in flight give about one time in
    // six. Counts cannot tell: medium, at the lowest confidence a finding
    // at medium has, with the figure in the evidence.
    for counts in [[16, 17, 19], [10, 11, 12], [30, 31, 33], [50, 52, 56]] {
        let f = run(&counts);
        assert_eq!(f.severity, Severity::Medium, "{counts:?}: {f:?}");
        assert!(f.counts_only);
        assert!((f.confidence - 0.3).abs() < 1e-9, "{counts:?}: {f:?}");
        assert!(
            f.decided_by
                .contains("no more than goroutines in flight do by chance"),
            "{}",
            f.decided_by
        );
        assert!(
            f.evidence.iter().any(|e| e.contains("Poisson")),
            "{:?}",
            f.evidence
        );
    }
    // Over four snapshots, a rise with a flat step that stays within the
    // fluctuation is low.
    for counts in [[30, 32, 32, 35], [16, 16, 18, 19], [50, 52, 52, 55]] {
        let f = run(&counts);
        written::assert_decided(
            &f,
            Severity::Low,
            "no more than goroutines in flight fluctuate",
            &counts,
        );
    }
    // Rarer than that (small steady leaks, 2 → 4 → 6: 6%, 3 → 6 → 9:
    // 3.7%; a set filling up, 6 → 10 → 11: 8%): medium, counts only.
    for counts in [
        [3, 6, 9],
        [2, 4, 6],
        [1, 2, 3],
        [6, 10, 11],
        [0, 2, 4],
        [8, 16, 22],
        [10, 40, 80],
        [2, 6, 8],
    ] {
        let f = run(&counts);
        assert_eq!(f.severity, Severity::Medium, "{counts:?}: {f:?}");
        assert!(f.counts_only);
    }
    // Rarer than 10% but not than 5%: less sure, and the evidence says why.
    let f = run(&[2, 4, 6]);
    assert!((f.confidence - 0.4).abs() < 1e-9, "{f:?}");
    assert!(
        f.evidence.iter().any(|e| e.contains("probability 0.06")),
        "{:?}",
        f.evidence
    );
    let f = run(&[3, 6, 9]);
    assert!((f.confidence - 0.5).abs() < 1e-9, "{f:?}");
    // Four snapshots, one step flat: the rise from first to last must
    // clear two standard deviations of the fluctuation.
    let f = run(&[5, 8, 8, 13]);
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(f
        .decided_by
        .contains("no more than goroutines in flight fluctuate"));
    let f = run(&[5, 12, 12, 25]);
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
}

#[test]
fn one_stack_keeps_one_operation_across_snapshots() {
    // control-keepalive-slow-handler's handlers wait in a select in
    // (*Backend).Lookup at every snapshot, with the same addresses; the
    // first profile's other records let the select be inferred, the next
    // ones' do not. One series, 3 → 6 → 10, not 3 → 0 → 0 beside
    // 0 → 6 → 10.
    let texts = written::capture_texts("go1.27", "control-keepalive-slow-handler", "debug1.txt");
    let found = analyze(&texts);
    let lookup: Vec<&Finding> = found
        .iter()
        .filter(|f| {
            f.site
                .as_ref()
                .is_some_and(|s| s.function == "main.(*Backend).Lookup")
        })
        .collect();
    assert_eq!(lookup.len(), 1, "{lookup:?}");
    assert_eq!(lookup[0].counts, vec![3, 6, 10]);
    assert_eq!(lookup[0].wait.as_str(), "select");
}

#[test]
fn goroutines_that_can_never_wake_are_leaked_once_their_count_has_risen() {
    // `select {}` (runtime.block): nothing can wake these goroutines, so a
    // rise that holds is goroutines leaked for good, though counts alone
    // would call one step no trend.
    const BLOCK: &[(&str, u32)] = &[("runtime.block", 114), ("main.report", 17)];
    let run = |counts: &[i64]| one_group(counts, 1, BLOCK, "main.report");
    for counts in [&[1, 3, 3][..], &[0, 14, 14, 14], &[2, 9, 9, 9, 9]] {
        let f = run(counts);
        assert!(f.severity >= Severity::High, "{counts:?}: {f:?}");
        assert!(f.confidence >= 0.8, "{counts:?}: {f:?}");
        assert!(
            f.decided_by.contains("can never exit"),
            "{counts:?}: {}",
            f.decided_by
        );
    }
    // A count that never moved is a set parked for good by design
    // (`select {}` in plugins or main), not a leak that happened while the
    // snapshots were taken.
    for counts in [&[3, 3, 3][..], &[1, 1, 1, 1]] {
        let f = run(counts);
        assert_eq!(f.severity, Severity::Low, "{counts:?}: {f:?}");
    }
}

#[test]
fn growth_that_came_nearly_all_at_the_last_step_is_one_step() {
    let run = |counts: &[i64]| one_group(counts, 0, WORKER, "main.worker");
    // A burst caught by the last snapshot beside a trickle: the rises
    // before it are a fifth of the growth or less, and a steady leak would
    // have spread it over the intervals.
    for counts in [
        &[2, 3, 86][..],
        &[1, 2, 182],
        &[0, 1, 1, 40],
        &[30, 33, 400],
    ] {
        let f = run(counts);
        written::assert_decided(
            &f,
            Severity::Low,
            "nearly all the growth came at the last step",
            &counts,
        );
    }
    // A leak whose rate rose (more errors in the last interval), a leak
    // with a burst on top after growing beyond the fluctuation, and steady
    // growth: still growth.
    for counts in [&[11, 15, 31][..], &[5, 15, 25, 90], &[10, 20, 30]] {
        let f = run(counts);
        assert_eq!(f.severity, Severity::Medium, "{counts:?}: {f:?}");
    }
}

const IDLE: &[(&str, u32)] = &[("main.worker", 20)];
const BUSY: &[(&str, u32)] = &[("sync.(*Mutex).Lock", 81), ("main.worker", 30)];

#[test]
fn a_fixed_pool_changing_state_reads_low_in_counts_too() {
    // The idle workers (a receive: three hidden frames) grow 3 → 6 → 9 →
    // 12; `busy(idle)` of them wait in a Lock.
    let idle_group = |busy: fn(i64) -> i64| {
        let d: Vec<String> = [3, 6, 9, 12]
            .iter()
            .map(|&idle| profile(&[(idle, 3, IDLE), (busy(idle), 2, BUSY)]))
            .collect();
        analyze(&d)
            .into_iter()
            .find(|f| f.counts == vec![3, 6, 9, 12])
            .expect("the idle group")
    };
    // Twelve workers in every snapshot: the busy ones thin out.
    let f = idle_group(|idle| 12 - idle);
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(
        f.decided_by.starts_with("a fixed set changing state"),
        "{f:?}"
    );
    // The same idle group in a pool that grows with it is another matter.
    let f = idle_group(|_| 9);
    assert!(f.severity >= Severity::Medium, "{f:?}");
    // The set grew at the first step and then lost goroutines while the
    // group kept growing (9 → 18 → 16 → 14 in all): goroutines of that
    // function exit, so it is no fixed set, and the group's growth may be
    // new goroutines among those that end (a leak beside sessions).
    let busy_then_fewer = |idle: i64| match idle {
        3 => 6,
        6 => 12,
        9 => 7,
        _ => 2,
    };
    let f = idle_group(busy_then_fewer);
    assert!(f.severity >= Severity::Medium, "{f:?}");
    assert!(
        !f.decided_by.contains("a set that stopped growing"),
        "{f:?}"
    );
    // Held instead of falling (9 → 18 → 18 → 18): a set that stopped
    // growing, its members moving into the group.
    let f = idle_group(|idle| 18 - idle.max(6));
    assert_eq!(f.severity, Severity::Low, "{f:?}");
}

/// A call's three workers (a receive: three hidden frames) and the
/// goroutine that closes their output once they are done (in Wait).
const STAGE_WORKER: &[(&str, u32)] = &[("main.transform.func1", 60)];
const STAGE_CLOSER: &[(&str, u32)] = &[
    ("sync.runtime_Semacquire", 62),
    ("sync.(*WaitGroup).Wait", 116),
    ("main.transform.func2", 70),
];

#[test]
fn goroutines_started_in_sets_fluctuate_by_sets() {
    let run = |workers: &[i64], closers: &[i64]| {
        let d: Vec<String> = workers
            .iter()
            .zip(closers)
            .map(|(&w, &c)| profile(&[(w, 3, STAGE_WORKER), (c, 0, STAGE_CLOSER)]))
            .collect();
        find(&analyze(&d), "main.transform.func1").clone()
    };
    // Pipelines in flight: 0, 0, 1 and 2 of them, three workers each
    // (one set short of a worker: being started, or finishing).
    for workers in [[0, 0, 3, 6], [0, 0, 2, 6]] {
        let f = run(&workers, &[0, 0, 1, 2]);
        assert_eq!(f.severity, Severity::Low, "{f:?}");
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("these goroutines come 3 at a time")),
            "{f:?}"
        );
    }
    // Alone, the same workers rise beyond what goroutines started one by
    // one fluctuate.
    let f = run(&[0, 0, 3, 6], &[0, 0, 0, 0]);
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    // Counts that are no multiple of the other group's are no sets.
    let f = run(&[0, 0, 3, 6], &[0, 0, 1, 1]);
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    // A leak in sets still grows beyond sets in flight.
    let f = run(&[15, 30, 45, 60], &[5, 10, 15, 20]);
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
}
