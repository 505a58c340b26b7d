//! Groups of one population are reported once (issue 13): goroutines a
//! program starts together (a connection's reader and writer, a session and
//! the watcher it starts) count the same in every snapshot and raise the
//! same alarm; debug=2 dumps written here tie them, or not, by their
//! `created by` frames.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write as _;

/// A group of goroutines in a dump: leaf function and line, state, the
/// function and line of its `created by` frame, the first id, and the
/// parent of each goroutine (given its index).
struct Group {
    function: &'static str,
    line: u32,
    state: &'static str,
    creator: &'static str,
    creator_line: u32,
    first_id: u64,
    parent: fn(u64) -> u64,
}

/// A dump holding `counts[i]` goroutines of group `i` (ids from the
/// group's first id: the same goroutines stay from one dump to the next).
fn dump(groups: &[Group], counts: &[u64]) -> String {
    let mut s = String::from(
        "goroutine 1 [select]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\ngoroutine 5 [IO wait]:\nmain.accept()\n\t/src/app/main.go:30 +0x1d\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x2e\n\n",
    );
    for (g, &n) in groups.iter().zip(counts) {
        for i in 0..n {
            let _ = write!(
                s,
                "goroutine {} [{}]:\nmain.{}(0xc000{:06x})\n\t/src/app/main.go:{} +0x2b\ncreated by main.{} in goroutine {}\n\t/src/app/main.go:{} +0x4c\n\n",
                g.first_id + i,
                g.state,
                g.function,
                i,
                g.line,
                g.creator,
                (g.parent)(i),
                g.creator_line
            );
        }
    }
    s
}

fn analyze(groups: &[Group], series: &[&[u64]]) -> Vec<Finding> {
    let texts: Vec<String> = series.iter().map(|c| dump(groups, c)).collect();
    written::analyze_written(&texts, "debug2.txt")
}

fn find<'a>(found: &'a [Finding], function: &str) -> Option<&'a Finding> {
    found.iter().find(|f| {
        f.site
            .as_ref()
            .is_some_and(|s| s.function == format!("main.{function}"))
    })
}

/// The findings at medium or above.
fn alarms(found: &[Finding]) -> Vec<&Finding> {
    found
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect()
}

/// How many findings at medium or above report one group alone.
fn apart(found: &[Finding]) -> usize {
    alarms(found)
        .iter()
        .filter(|f| f.related.is_empty())
        .count()
}

fn accept(_: u64) -> u64 {
    5
}

/// 10 → 15 → 20 readers and 10 → 15 → 20 writers that a connection
/// handler starts together, every id staying: one alarm, not two.
fn pair(writer_creator_line: u32) -> [Group; 2] {
    [
        Group {
            function: "(*Conn).readLoop",
            line: 50,
            state: "select",
            creator: "serveConn",
            creator_line: 40,
            first_id: 1000,
            parent: accept,
        },
        Group {
            function: "(*Conn).writeLoop",
            line: 70,
            state: "select",
            creator: "serveConn",
            creator_line: writer_creator_line,
            first_id: 2000,
            parent: accept,
        },
    ]
}

#[test]
fn groups_started_together_in_lockstep_are_one_finding() {
    let found = analyze(&pair(41), &[&[10, 10], &[15, 15], &[20, 20]]);
    let alarms = alarms(&found);
    assert_eq!(alarms.len(), 1, "{alarms:#?}");
    let f = alarms[0];
    assert_eq!(f.related.len(), 1, "{f:#?}");
    let other = if f.site.as_ref().unwrap().function == "main.(*Conn).readLoop" {
        "main.(*Conn).writeLoop"
    } else {
        "main.(*Conn).readLoop"
    };
    assert_eq!(f.related[0].site.as_ref().unwrap().function, other);
    assert_eq!(f.related[0].counts, vec![10, 15, 20]);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("one population with")
                && e.contains("started with these by main.serveConn")),
        "{:#?}",
        f.evidence
    );
    // Started at one `go` statement, the same function's groups are not
    // tied (one goroutine that blocks at two places is two groups of one
    // kind of goroutine, not partners): two findings.
    let found = analyze(&pair(40), &[&[10, 10], &[15, 15], &[20, 20]]);
    assert_eq!(apart(&found), 2, "{found:#?}");
}

#[test]
fn groups_that_count_apart_are_not_folded() {
    // One writer short at the second snapshot (busy elsewhere at that
    // instant, or caught between the two `go` statements): still partners.
    let found = analyze(&pair(41), &[&[10, 10], &[15, 14], &[20, 20]]);
    let alarms = alarms(&found);
    assert_eq!(alarms.len(), 1, "{alarms:#?}");
    assert_eq!(alarms[0].related.len(), 1, "{:#?}", alarms[0]);
    // Tied by their creator, but four writers short: not partners that
    // live and end together.
    let found = analyze(&pair(41), &[&[10, 10], &[15, 11], &[20, 20]]);
    assert_eq!(apart(&found), 2, "{found:#?}");
}

#[test]
fn equal_counts_without_a_tie_are_two_findings() {
    // Two leaks of two handlers that happen to count alike: nothing in
    // their `created by` frames ties them.
    let groups = [
        Group {
            function: "(*Cache).refresh",
            line: 50,
            state: "chan send",
            creator: "handleGet",
            creator_line: 40,
            first_id: 1000,
            parent: accept,
        },
        Group {
            function: "(*Audit).flush",
            line: 70,
            state: "chan send",
            creator: "handlePut",
            creator_line: 80,
            first_id: 2000,
            parent: accept,
        },
    ];
    let found = analyze(&groups, &[&[10, 10], &[15, 15], &[20, 20]]);
    for function in ["(*Cache).refresh", "(*Audit).flush"] {
        let f = find(&found, function).expect("a finding each");
        assert!(f.severity >= Severity::Medium, "{f:#?}");
        assert!(f.related.is_empty(), "{f:#?}");
    }
}

fn session_of(i: u64) -> u64 {
    1000 + i
}

#[test]
fn goroutines_and_the_watchers_they_start_are_one_finding() {
    // Each session (created by main.accept) starts a watcher: the
    // watchers' parents are the sessions. The sessions wait in a send for
    // minutes (stuck), the watchers in a select: the finding is the
    // sessions' (the surer), and lists the watchers.
    let groups = [
        Group {
            function: "watch",
            line: 90,
            state: "select",
            creator: "session",
            creator_line: 61,
            first_id: 3000,
            parent: session_of,
        },
        Group {
            function: "session",
            line: 66,
            state: "chan send, 3 minutes",
            creator: "accept",
            creator_line: 33,
            first_id: 1000,
            parent: accept,
        },
    ];
    let found = analyze(&groups, &[&[8, 8], &[12, 12], &[16, 16]]);
    let f = find(&found, "session").expect("the sessions' finding");
    assert!(f.severity >= Severity::High, "{f:#?}");
    assert!(find(&found, "watch").is_none(), "{found:#?}");
    assert_eq!(f.related.len(), 1, "{f:#?}");
    assert_eq!(
        f.related[0].site.as_ref().unwrap().function,
        "main.watch",
        "{f:#?}"
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("goroutines these start (created by main.session)")),
        "{:#?}",
        f.evidence
    );
}
