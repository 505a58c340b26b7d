//! Survivors decide where goroutine ids are known (issue 13): debug=2 dumps
//! written here, so each case holds exactly one kind of evidence.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write as _;

/// One goroutine of a dump: id, state, leaf function, line, parent id.
type G = (u64, &'static str, &'static str, u32, u64);

fn dump(goroutines: &[G]) -> String {
    let mut s =
        String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
    for &(id, state, function, line, parent) in goroutines {
        let _ = write!(
            s,
            "goroutine {id} [{state}]:\nmain.{function}()\n\t/src/app/main.go:{line} +0x2b\ncreated by main.dispatch in goroutine {parent}\n\t/src/app/main.go:90 +0x4c\n\n"
        );
    }
    s
}

/// Whether a note of the report starts with `prefix`.
fn noted(report: &leakdiff::report::AnalysisReport, prefix: &str) -> bool {
    report.notes.iter().any(|n| n.starts_with(prefix))
}

fn analyze(texts: &[String]) -> Vec<Finding> {
    written::analyze_written(texts, "debug2.txt")
}

fn find<'a>(found: &'a [Finding], function: &str) -> Option<&'a Finding> {
    found.iter().find(|f| {
        f.site
            .as_ref()
            .is_some_and(|s| s.function == format!("main.{function}"))
    })
}

/// `count` goroutines of `function` with ids from `first`.
fn many(
    first: u64,
    count: u64,
    state: &'static str,
    function: &'static str,
    line: u32,
    parent: u64,
) -> Vec<G> {
    (first..first + count)
        .map(|id| (id, state, function, line, parent))
        .collect()
}

#[test]
fn goroutines_that_survive_and_accumulate_are_a_leak() {
    // 10 → 20 → 30 → 40 sending workers; every id stays; their parent (id
    // 5) is gone. Growth at every step of four snapshots is no second kind
    // of evidence beside survival (a set of long-lived goroutines still
    // filling up grows so too): medium, as survival alone.
    let d: Vec<String> = (1..=4)
        .map(|k| dump(&many(100, 10 * k, "chan send", "worker", 20, 5)))
        .collect();
    let found = analyze(&d);
    let f = find(&found, "worker").expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!((f.confidence - 0.65).abs() < 1e-9, "{f:?}");
    assert_eq!(f.survivors, vec![Some(10), Some(20), Some(30)]);
    assert_eq!(f.leaked_at_least, Some(30));
    assert_eq!(f.present_since, Some(1));
    // The same with waits that grow with the time between the snapshots
    // (ten minutes apart: the oldest blocked for 5, 15, 25, 35 minutes):
    // stuck, not idle members of a pool. High.
    let waited: Vec<String> = (1..=4u64)
        .map(|k| {
            let gs: Vec<(u64, String)> = (0..10 * k)
                .map(|i| {
                    let since = i / 10 + 1;
                    let minutes = 10 * (k - since) + 5;
                    (100 + i, format!("chan send, {minutes} minutes"))
                })
                .collect();
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            for (id, state) in gs {
                let _ = write!(
                    s,
                    "goroutine {id} [{state}]:\nmain.worker()\n\t/src/app/main.go:20 +0x2b\ncreated by main.dispatch in goroutine 5\n\t/src/app/main.go:90 +0x4c\n\n"
                );
            }
            s
        })
        .collect();
    let f = find(&analyze(&waited), "worker")
        .expect("a finding")
        .clone();
    assert!(f.severity >= Severity::High, "{f:?}");
    assert!(f.confidence >= 0.9, "{f:?}");
    // Three snapshots of it: survival alone, which a pool growing with
    // the load shows too.
    let f = find(&analyze(&d[..3]), "worker")
        .expect("a finding")
        .clone();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!((f.confidence - 0.65).abs() < 1e-9, "{f:?}");
    assert!(f.decided_by.contains("pool"), "{}", f.decided_by);
    assert_eq!(f.leaked_at_least, Some(20));
    assert!(f.decided_by.contains("survived"), "{}", f.decided_by);
    assert!(
        f.evidence.iter().any(|e| e.contains("no parent left")),
        "{:?}",
        f.evidence
    );
}

#[test]
fn survivors_whose_growth_slows_are_a_set_filling_up() {
    // `counts` goroutines of `refresh` in `state`, the same ids throughout.
    let judge = |counts: [u64; 3], state: &'static str| -> Finding {
        let d: Vec<String> = counts
            .iter()
            .map(|&c| dump(&many(100, c, state, "refresh", 30, 5)))
            .collect();
        find(&analyze(&d), "refresh").expect("a finding").clone()
    };
    // One long-lived goroutine per tenant, in a select (ticker or stop):
    // 6 → 10 → 11, every id stays. A set filling up to its bound slows so:
    // medium, not high, and later snapshots decide.
    let f = judge([6, 10, 11], "select");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!(f.confidence <= 0.6, "{f:?}");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("slowed from +4 to +1")),
        "{:?}",
        f.evidence
    );
    // The same, growing on at its pace: survivors that accumulate, medium
    // (as a pool growing with the load) without a second kind of evidence.
    let f = judge([6, 10, 14], "select");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!(f.confidence > 0.6, "{f:?}");
    // Slowing, but on a nil channel, which never wakes: still high.
    let f = judge([6, 10, 11], "chan receive (nil chan)");
    assert!(f.severity >= Severity::High, "{f:?}");
}

#[test]
fn a_set_that_fills_takes_ever_fewer_of_the_goroutines_started() {
    // Goroutine ids are a clock: between the snapshots the process starts
    // short-lived goroutines (requests, ids not in any dump), and the group
    // takes some of them. `ids(k)` are the group's ids in snapshot k, every
    // id staying; each snapshot's latest id is that of a request in flight.
    let judge = |ids: &dyn Fn(u64) -> Vec<u64>, latest: [u64; 3]| -> Finding {
        let d: Vec<String> = (0..3)
            .map(|k| {
                let mut gs: Vec<G> = ids(k as u64)
                    .into_iter()
                    .map(|id| (id, "select", "flushLoop", 30, 5))
                    .collect();
                gs.push((latest[k], "IO wait", "serveRequest", 60, 4));
                dump(&gs)
            })
            .collect();
        find(&analyze(&d), "flushLoop").expect("a finding").clone()
    };
    // A flusher per tenant, made on a tenant's first request: most tenants
    // come early, ever fewer later (16 → 21 → 23 of a bounded set while the
    // process starts 100, then 200, then 300 request goroutines).
    let tenants: Vec<u64> = vec![
        10, 12, 14, 17, 19, 22, 25, 28, 31, 35, 40, 44, 50, 57, 63, 70, // by 100
        90, 110, 135, 170, 200, // by 300
        260, 390, // by 600
    ];
    let upto = |n: usize| tenants[..n].to_vec();
    let fill = judge(&|k| upto([16, 21, 23][k as usize]), [100, 300, 600]);
    assert_eq!(fill.severity, Severity::Low, "{fill:?}");
    assert!(fill.confidence <= 0.3, "{fill:?}");
    assert!(
        fill.decided_by.contains("a set that fills"),
        "{}",
        fill.decided_by
    );
    assert!(
        fill.evidence.iter().any(|e| e.contains("survival alone")),
        "{:?}",
        fill.evidence
    );
    // A leak takes a steady share of the goroutines started: one in ten of
    // them, 10 → 30 → 60. Medium, survival alone.
    let leak = judge(
        &|k| (0..[10, 30, 60][k as usize]).map(|i| 5 + i * 10).collect(),
        [100, 300, 600],
    );
    assert_eq!(leak.severity, Severity::Medium, "{leak:?}");
    assert!(leak.decided_by.contains("survived"), "{}", leak.decided_by);
    // Crowded ids with growth that kept its pace (a burst of other
    // requests at the end moves the clock, not the leak): not a fill.
    let paced = judge(&|k| upto([7, 14, 21][k as usize]), [100, 300, 600]);
    assert_eq!(paced.severity, Severity::Medium, "{paced:?}");
    // A leak that keeps its pace (+11, then +9) while the process speeds
    // up, three times as many goroutines started over the last step as
    // over the first (its own goroutines start others: a poller's
    // requests): its ids crowd early, but its pace did not fall as much as
    // the process's rose. Not a fill.
    let spread = |lo: u64, hi: u64, m: u64| (0..m).map(move |i| lo + (hi - lo) * i / m + 7);
    let sped = judge(
        &|k| {
            let mut ids: Vec<u64> = spread(0, 100, 10).collect();
            if k >= 1 {
                ids.extend(spread(100, 300, 11));
            }
            if k >= 2 {
                ids.extend(spread(300, 900, 9));
            }
            ids
        },
        [105, 305, 905],
    );
    assert!(
        sped.evidence
            .iter()
            .all(|e| !e.contains("a set that fills")),
        "{:?}",
        sped.evidence
    );
    assert_eq!(sped.severity, Severity::Medium, "{sped:?}");
}

#[test]
fn waiters_beside_the_workers_they_wait_for_follow_them() {
    // A pipeline configured stage by stage: three workers per stage
    // receiving their input, and a closer per stage in WaitGroup.Wait, all
    // started by one function in one goroutine (5), every id staying.
    let stage = |k: u64, workers: bool| -> Vec<G> {
        let mut gs = many(500, k, "sync.WaitGroup.Wait", "closer", 40, 5);
        if workers {
            gs.extend(many(100, 3 * k, "chan receive", "runStage", 20, 5));
        }
        gs
    };
    let d: Vec<String> = (1..=3).map(|k| dump(&stage(k * 2, true))).collect();
    let found = analyze(&d);
    let closer = find(&found, "closer").expect("a finding");
    assert_eq!(closer.severity, Severity::Low, "{closer:?}");
    assert!(closer.confidence <= 0.3, "{closer:?}");
    assert!(
        closer.decided_by.contains("main.runStage"),
        "{}",
        closer.decided_by
    );
    // The workers themselves stay a finding: survival alone.
    let workers = find(&found, "runStage").expect("a finding");
    assert_eq!(workers.severity, Severity::Medium, "{workers:?}");
    // Waiters whose workers are gone (exited without Done): nothing beside
    // them to wait for, so they stay a finding.
    let d: Vec<String> = (1..=3).map(|k| dump(&stage(k * 2, false))).collect();
    let alone = find(&analyze(&d), "closer").expect("a finding").clone();
    assert_eq!(alone.severity, Severity::Medium, "{alone:?}");
    assert!(
        alone.decided_by.contains("survived"),
        "{}",
        alone.decided_by
    );
}

#[test]
fn growth_without_survivors_is_churn() {
    // Bursts of 20, 60, 140 goroutines at a gate, fresh ids every time.
    let d = vec![
        dump(&many(100, 20, "chan receive", "gated", 30, 2)),
        dump(&many(1000, 60, "chan receive", "gated", 30, 2)),
        dump(&many(5000, 140, "chan receive", "gated", 30, 2)),
    ];
    let found = analyze(&d);
    let f = find(&found, "gated").expect("shown as info");
    assert_eq!(f.severity, Severity::Info);
    assert!(f
        .decided_by
        .starts_with("churning: no goroutine outlived a snapshot"));
    assert_eq!(f.leaked_at_least, Some(0));
}

#[test]
fn a_few_long_lived_goroutines_among_churn_are_not_a_leak() {
    // One goroutine stays, the rest are new each time.
    let snap = |fresh: u64, n: u64| {
        let mut g = vec![(50, "chan receive", "handler", 40, 2)];
        g.extend(many(fresh, n, "chan receive", "handler", 40, 2));
        dump(&g)
    };
    let found = analyze(&[snap(100, 5), snap(1000, 20), snap(5000, 60)]);
    let f = find(&found, "handler").unwrap();
    assert!(f.severity <= Severity::Low, "{f:?}");
    assert_eq!(f.leaked_at_least, Some(1));
}

#[test]
fn one_step_is_not_a_trend() {
    let d = vec![
        dump(&[]),
        dump(&[]),
        dump(&many(100, 30, "chan receive", "late", 50, 2)),
    ];
    let found = analyze(&d);
    let f = find(&found, "late").unwrap();
    assert!(f.severity <= Severity::Low, "{f:?}");
    assert!(f.decided_by.contains("one step"), "{}", f.decided_by);
}

#[test]
fn counts_alone_are_ambiguous() {
    // The same leak as a protobuf-free, id-free debug=1 profile: medium at
    // most over three snapshots, and the finding says what would decide.
    let texts: Vec<String> = (1..=3)
        .map(|k| {
            format!(
                "goroutine profile: total {}\n{} @ 0x1 0x2\n#\t0x1\tmain.worker+0x2b\t/src/app/main.go:20\n#\t0x2\tmain.dispatch+0x4c\t/src/app/main.go:90\n\n1 @ 0x3\n#\t0x3\tmain.main+0x1d\t/src/app/main.go:10\n",
                10 * k + 1,
                10 * k
            )
        })
        .collect();
    let found = written::analyze_written(&texts, "debug1.txt");
    let f = find(&found, "worker").unwrap();
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.confidence < 0.7);
    assert!(f.decide.contains("debug=2"), "{}", f.decide);
    assert!(f.survivors.iter().all(|s| s.is_none()));
}

#[test]
fn stragglers_of_bursts_are_not_survivors() {
    // Bursts of 20, 60, 140 where 2 and then 3 goroutines of the previous
    // burst happen to still be there: they do not stay.
    let d = vec![
        dump(&many(100, 20, "chan receive", "burst", 60, 2)),
        dump(
            &[
                many(100, 2, "chan receive", "burst", 60, 2),
                many(1000, 58, "chan receive", "burst", 60, 2),
            ]
            .concat(),
        ),
        dump(
            &[
                many(1000, 3, "chan receive", "burst", 60, 2),
                many(5000, 137, "chan receive", "burst", 60, 2),
            ]
            .concat(),
        ),
    ];
    let found = analyze(&d);
    let f = find(&found, "burst").unwrap();
    assert!(f.severity <= Severity::Low, "{f:?}");
    assert_eq!(f.survivors, vec![Some(2), Some(3)]);
}

#[test]
fn a_leak_inside_a_busy_group_is_found_by_what_stays() {
    // A handler that leaks one goroutine in ten: 3 stay, then 5, among
    // fresh ones each time.
    let d = vec![
        dump(
            &[
                many(100, 3, "chan send", "serve", 70, 5),
                many(200, 27, "chan send", "serve", 70, 5),
            ]
            .concat(),
        ),
        dump(
            &[
                many(100, 3, "chan send", "serve", 70, 5),
                many(300, 2, "chan send", "serve", 70, 5),
                many(1000, 30, "chan send", "serve", 70, 5),
            ]
            .concat(),
        ),
        dump(
            &[
                many(100, 3, "chan send", "serve", 70, 5),
                many(300, 2, "chan send", "serve", 70, 5),
                many(5000, 37, "chan send", "serve", 70, 5),
            ]
            .concat(),
        ),
    ];
    let found = analyze(&d);
    let f = find(&found, "serve").unwrap();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert_eq!(f.leaked_at_least, Some(5));
    assert_eq!(f.present_since, Some(1));
}

#[test]
fn senders_whose_callers_returned_have_nobody_to_receive() {
    // 10 → 20 → 30 goroutines blocked in a plain send, every id staying,
    // each started by a caller that has returned (its id is in no
    // snapshot): a result handed back to nobody. High, decided by that.
    let orphans = |k: u64, state: &'static str, parent: &dyn Fn(u64) -> u64| -> String {
        let gs: Vec<G> = (0..10 * k)
            .map(|i| (100 + i, state, "fetchOne", 20, parent(i)))
            .collect();
        dump(&gs)
    };
    let d: Vec<String> = (1..=3)
        .map(|k| orphans(k, "chan send", &|i| 5000 + i))
        .collect();
    let found = analyze(&d);
    let f = find(&found, "fetchOne").expect("a finding");
    assert!(f.severity >= Severity::High, "{f:?}");
    assert!(f.confidence >= 0.8, "{f:?}");
    assert!(
        f.decided_by
            .contains("30 of 30 of them started by a goroutine that has exited"),
        "{}",
        f.decided_by
    );
    // Their callers alive (main, running): survival alone, medium.
    let d: Vec<String> = (1..=3).map(|k| orphans(k, "chan send", &|_| 1)).collect();
    let f = find(&analyze(&d), "fetchOne").cloned().expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!(!f.decided_by.contains("has exited"), "{}", f.decided_by);
    // Receivers whose starter returned are a pool's workers, whose channel
    // someone else holds: survival alone too.
    let d: Vec<String> = (1..=3)
        .map(|k| orphans(k, "chan receive", &|i| 5000 + i))
        .collect();
    let f = find(&analyze(&d), "fetchOne").cloned().expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
}

/// A client's HTTP connections: each has a readLoop and a writeLoop
/// goroutine (ids 2k and 2k+1). Idle keep-alive connections read the
/// network (IO wait); connections whose response body is still open have
/// their readLoop parked in select.
fn http_dump(conns: std::ops::Range<u64>, read_state: &str) -> String {
    let mut s =
        String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
    for c in conns {
        let (r, w) = (1000 + 2 * c, 1001 + 2 * c);
        if read_state == "IO wait" {
            let _ = write!(
                s,
                "goroutine {r} [IO wait]:\ninternal/poll.runtime_pollWait(0x7f0, 0x72)\n\truntime/netpoll.go:351 +0x85\ninternal/poll.(*pollDesc).wait(0xc0, 0xc0, 0x0)\n\tinternal/poll/fd_poll_runtime.go:84 +0x27\ninternal/poll.(*FD).Read(0xc0, {{0xc0, 0x1000, 0x1000}})\n\tinternal/poll/fd_unix.go:165 +0x27a\nnet.(*conn).Read(0xc0, {{0xc0, 0x1000, 0x1000}})\n\tnet/net.go:196 +0x45\nnet/http.(*persistConn).Read(0xc0, {{0xc0, 0x1000, 0x1000}})\n\tnet/http/transport.go:2300 +0x4a\nbufio.(*Reader).fill(0xc0)\n\tbufio/bufio.go:113 +0x103\nbufio.(*Reader).Peek(0xc0, 0x1)\n\tbufio/bufio.go:152 +0x53\nnet/http.(*persistConn).readLoop(0xc0)\n\tnet/http/transport.go:2493 +0x17e\ncreated by net/http.(*Transport).dialConn in goroutine {c}\n\tnet/http/transport.go:2123 +0x1da5\n\n"
            );
        } else {
            let _ = write!(
                s,
                "goroutine {r} [select]:\nnet/http.(*persistConn).readLoop(0xc0)\n\tnet/http/transport.go:2616 +0xf05\ncreated by net/http.(*Transport).dialConn in goroutine {c}\n\tnet/http/transport.go:2123 +0x1da5\n\n"
            );
        }
        let _ = write!(
            s,
            "goroutine {w} [select]:\nnet/http.(*persistConn).writeLoop(0xc0)\n\tnet/http/transport.go:2833 +0x11c\ncreated by net/http.(*Transport).dialConn in goroutine {c}\n\tnet/http/transport.go:2124 +0x1e05\n\n"
        );
    }
    s
}

#[test]
fn idle_keep_alive_connections_are_not_open_bodies() {
    // A keep-alive pool filling up: every connection survives, and their
    // number grows, but each readLoop waits on the network (idle). The
    // writeLoop, in select in every case, is judged by its readLoop.
    let dumps: Vec<String> = [10, 14, 18]
        .iter()
        .map(|&n| http_dump(0..n, "IO wait"))
        .collect();
    let found = analyze(&dumps);
    assert!(
        found.iter().all(|f| f.pattern != "http-body-not-closed"),
        "{:?}",
        found.iter().map(|f| &f.pattern).collect::<Vec<_>>()
    );
    for f in &found {
        assert!(
            f.severity <= Severity::Medium,
            "{}: {:?}",
            f.pattern,
            f.severity
        );
    }
    // The writeLoop says nothing its readLoop does not: not reported alone.
    assert!(!found
        .iter()
        .any(|f| f.frames.iter().any(|fr| fr.function.ends_with("writeLoop"))));
    let r = found
        .iter()
        .find(|f| f.frames.iter().any(|fr| fr.function.ends_with("readLoop")))
        .expect("readLoop group");
    assert_eq!(r.pattern, "http-transport-not-reused");
    assert!(r.confidence <= 0.55, "{}", r.confidence);
    assert!(r
        .evidence
        .iter()
        .any(|e| e.contains("connections' goroutines")));

    // The same growth with the readLoops parked in select: bodies left open.
    let dumps: Vec<String> = [10, 14, 18]
        .iter()
        .map(|&n| http_dump(0..n, "select"))
        .collect();
    let open_bodies = |dumps: &[String]| -> Finding {
        analyze(dumps)
            .into_iter()
            .find(|f| f.pattern == "http-body-not-closed")
            .expect("http-body-not-closed")
    };
    let f = open_bodies(&dumps);
    assert!(f.severity >= Severity::Medium, "{:?}", f.severity);

    // The pair is reported as its readLoop (which holds the body), even
    // where more writeLoops than such readLoops wait in select (idle
    // connections add a writeLoop each).
    let dumps: Vec<String> = [10, 14, 18]
        .iter()
        .map(|&n| {
            let idle = http_dump(100..100 + n, "IO wait");
            let idle = idle.split_once("\n\n").map_or("", |(_, rest)| rest);
            http_dump(0..n, "select") + idle
        })
        .collect();
    let f = open_bodies(&dumps);
    assert!(
        f.site
            .as_ref()
            .is_some_and(|s| s.function.ends_with("readLoop")),
        "{:?}",
        f.site
    );
}

/// `n` goroutines of the program's callers, ids from `first`, each waiting
/// on a round trip over one of the client's connections.
fn round_trips(first: u64, n: u64) -> String {
    let mut s = String::new();
    for id in first..first + n {
        let _ = write!(
            s,
            "goroutine {id} [select]:\nnet/http.(*persistConn).roundTrip(0xc0, 0xc0)\n\tnet/http/transport.go:2759 +0x9b5\nnet/http.(*Transport).roundTrip(0xc0, 0xc0)\n\tnet/http/transport.go:696 +0x9a5\nnet/http.(*Client).Do(0xc0, 0xc0)\n\tnet/http/client.go:590 +0x1b\nmain.(*Caller).run(0xc0)\n\t/src/app/caller.go:74 +0x1c5\ncreated by main.main in goroutine 1\n\t/src/app/main.go:40 +0x7d\n\n"
        );
    }
    s
}

#[test]
fn client_connections_that_follow_the_requests_in_flight_are_in_use() {
    // A client whose callers ramp up 8 → 12 → 16: a Transport keeps a
    // connection per request in flight and two idle, 10 → 14 → 18, every
    // one surviving. The connections are in use: low, in every format
    // (counts show the same). The callers' own group is judged apart.
    let dumps = |conns: [u64; 3], callers: [u64; 3]| -> Vec<String> {
        conns
            .iter()
            .zip(callers)
            .map(|(&n, c)| http_dump(0..n, "IO wait") + &round_trips(5000, c))
            .collect()
    };
    let read_loop = |found: &[Finding]| -> Finding {
        found
            .iter()
            .find(|f| f.frames.iter().any(|fr| fr.function.ends_with("readLoop")))
            .cloned()
            .expect("readLoop group")
    };
    let d = dumps([10, 14, 18], [8, 12, 16]);
    let r = read_loop(&analyze(&d));
    assert_eq!(r.severity, Severity::Low, "{r:?}");
    assert!(r.confidence <= 0.3, "{}", r.confidence);
    assert!(
        r.decided_by
            .contains("the client connections follow the requests in flight: 10 → 14 → 18 connections, 8 → 12 → 16 goroutines waiting"),
        "{}",
        r.decided_by
    );
    // Idle connections that stay within the first snapshot's number (or
    // two) are the pool's: 10 → 14 → 18 with 6 → 12 → 16 in flight.
    let r = read_loop(&analyze(&dumps([10, 14, 18], [6, 12, 16])));
    assert_eq!(r.severity, Severity::Low, "{r:?}");
    // Connections that grow without the requests (a Transport made per
    // request and never closed leaves its idle connections): the idle
    // ones grow, 2 → 6 → 10. Not in use: open connections, which survival
    // alone does not tell from a pool that grows (low, saying so).
    let open_connections = |r: &Finding| {
        assert_eq!(r.severity, Severity::Low, "{r:?}");
        assert!(
            !r.decided_by.contains("follow the requests")
                && r.decided_by
                    .contains("goroutines wait on the network: each reads for an open connection"),
            "{}",
            r.decided_by
        );
    };
    open_connections(&read_loop(&analyze(&dumps([10, 14, 18], [8, 8, 8]))));
    // No caller in any snapshot: nothing to follow.
    open_connections(&read_loop(&analyze(&dumps([10, 14, 18], [0, 0, 0]))));

    // Response bodies left open: their readLoops wait in select, beside 5
    // busy connections whose callers wait on them. All the connections
    // count (13 → 17 → 21 for 5 requests): the open bodies stay a finding.
    let open: Vec<String> = [8u64, 12, 16]
        .iter()
        .map(|&n| {
            let busy = http_dump(100..105, "IO wait");
            let busy = busy.split_once("\n\n").map_or("", |(_, rest)| rest);
            http_dump(0..n, "select") + busy + &round_trips(5000, 5)
        })
        .collect();
    let f = analyze(&open)
        .into_iter()
        .find(|f| f.pattern == "http-body-not-closed")
        .expect("http-body-not-closed");
    assert!(f.severity >= Severity::Medium, "{f:?}");

    // The same client in counts only (debug=1): low likewise.
    let texts: Vec<String> = [(10u64, 8u64), (14, 12), (18, 16)]
        .iter()
        .map(|&(conns, callers)| {
            format!(
                "goroutine profile: total {}\n{conns} @ 0x1 0x2 0x3\n#\t0x1\tinternal/poll.runtime_pollWait+0x84\truntime/netpoll.go:351\n#\t0x2\tnet/http.(*persistConn).Read+0x49\tnet/http/transport.go:2300\n#\t0x3\tnet/http.(*persistConn).readLoop+0x17d\tnet/http/transport.go:2493\n\n{callers} @ 0x4 0x5 0x6\n#\t0x4\tnet/http.(*persistConn).roundTrip+0x9b4\tnet/http/transport.go:2759\n#\t0x5\tnet/http.(*Transport).roundTrip+0x9a4\tnet/http/transport.go:696\n#\t0x6\tmain.(*Caller).run+0x1c4\t/src/app/caller.go:74\n\n1 @ 0x7\n#\t0x7\tmain.main+0x1d\t/src/app/main.go:10\n",
                conns + callers + 1
            )
        })
        .collect();
    let found = written::analyze_written(&texts, "debug1.txt");
    let r = read_loop(&found);
    assert_eq!(r.severity, Severity::Low, "{r:?}");
    assert!(
        r.decided_by.contains("follow the requests in flight"),
        "{}",
        r.decided_by
    );
}

/// Goroutines `ids` blocked in `state` in `main.(*API).handle`, called by
/// a connection's serve loop, with `args` as its argument list.
fn serving_dump(ids: std::ops::Range<u64>, state: &str, args: impl Fn(u64) -> String) -> String {
    let mut s =
        String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
    for id in ids {
        let _ = write!(
            s,
            "goroutine {id} [{state}]:\nmain.(*API).handle({})\n\t/src/app/api.go:44 +0xf1\nmain.(*conn).serve(0xc000{id:06x}00)\n\t/src/app/conn.go:80 +0x6dc\ncreated by main.(*Server).Serve in goroutine 1\n\t/src/app/server.go:30 +0x4fd\n\n",
            args(id)
        );
    }
    s
}

#[test]
fn goroutines_in_a_new_call_are_not_survivors() {
    // Connection goroutines 100.. (3, 6, 9 of them) each wait in a handler
    // at every snapshot, each time for another request: the same ids and
    // stacks, other arguments. The dump shows they finished their waits.
    let serving: Vec<String> = (1..=3u64)
        .map(|k| {
            serving_dump(100..100 + 3 * k, "select", |id| {
                format!("0xc000010000, 0xc0002{k}{id:04x}0, 0xc0005{id:04x}{k}8")
            })
        })
        .collect();
    let found = analyze(&serving);
    let f = find(&found, "(*API).handle").expect("a finding");
    // Not stuck, but not churn either: they stay and there are more each
    // time (a pool growing with the load, or loops that never exit).
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert_eq!(f.survivors, vec![Some(3), Some(6)]);
    assert_eq!(f.moved, vec![Some(3), Some(6)]);
    assert_eq!(f.leaked_at_least, Some(0));
    assert!(f.decided_by.contains("new call"), "{}", f.decided_by);
    assert!(f.decided_by.contains("accumulate"), "{}", f.decided_by);
    // Three connections that serve request after request, with new
    // short-lived handlers around them each time: churn.
    let churn: Vec<String> = (1..=3u64)
        .map(|k| {
            let mut d = serving_dump(100..103, "select", |id| {
                format!("0xc000010000, 0xc0002{k}{id:04x}0, 0xc0005{id:04x}{k}8")
            });
            let fresh = serving_dump(200 * k..200 * k + 3 * k - 3, "select", |id| {
                format!("0xc000010000, 0xc0002{id:05x}0, 0xc0005{id:04x}08")
            });
            d.push_str(fresh.split_once("\n\n").map_or("", |(_, rest)| rest));
            d
        })
        .collect();
    let f = find(&analyze(&churn), "(*API).handle")
        .expect("a finding")
        .clone();
    assert_eq!(f.counts, vec![3, 6, 9]);
    assert_eq!(f.severity, Severity::Info, "{f:?}");
    assert!(f.decided_by.starts_with("churning"), "{}", f.decided_by);

    // The same goroutines blocked in the same call all along: a leak.
    let stuck: Vec<String> = (1..=3u64)
        .map(|k| {
            serving_dump(100..100 + 3 * k, "select", |id| {
                format!("0xc000010000, 0xc0002{id:05x}0, 0xc0005{id:04x}08")
            })
        })
        .collect();
    let found = analyze(&stuck);
    let f = find(&found, "(*API).handle").expect("a finding");
    // Their parent (the server, goroutine 1) is alive: survival alone
    // cannot tell them from a pool that grows with the load.
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert_eq!(f.moved, vec![Some(0), Some(0)]);
    assert_eq!(f.leaked_at_least, Some(6));

    // Two pointers that shift by one amount are a stack the runtime moved
    // (to shrink it), not a new call: still survivors.
    let shifted: Vec<String> = (1..=3u64)
        .map(|k| {
            serving_dump(100..100 + 3 * k, "select", |id| {
                let base = 0xc000200000 + id * 0x10000 + k * 0x800;
                format!("0xc000010000, 0x{:x}, 0x{:x}", base + 0x40, base + 0x98)
            })
        })
        .collect();
    let found = analyze(&shifted);
    let f = find(&found, "(*API).handle").expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert_eq!(f.leaked_at_least, Some(6));
    assert_eq!(f.moved, vec![Some(0), Some(0)]);

    // A sleep that loops for ever changes its duration, and the arguments
    // of a helper that sleeps for it (a growing backoff), in one call of
    // the loop: still survivors.
    let sleeping = |dispatch: &dyn Fn(u64, u64) -> String| -> Vec<String> {
        (1..=3u64)
            .map(|k| {
                sleeping_dump(
                    100..100 + 3 * k,
                    |id| format!("0x{:x}", 0x5f5e100 * k + id),
                    |id| format!("0xc000010000, 0x{:x}", 0x100 * k + id),
                    |id| dispatch(id, k),
                )
            })
            .collect()
    };
    let found = analyze(&sleeping(&|id, _| {
        format!("0xc000010000, 0xc0002{id:05x}0")
    }));
    let f = find(&found, "(*API).handle").expect("a finding");
    assert!(f.severity >= Severity::Medium, "{f:?}");
    assert_eq!(f.moved, vec![Some(0), Some(0)]);
    assert_eq!(f.leaked_at_least, Some(6));
    // A handler that sleeps (a slow backend, a rate limit) on a connection
    // that serves request after request: the frames below it are another
    // call at each snapshot (another request), so these are no survivors.
    let found = analyze(&sleeping(&|id, k| {
        format!("0xc000010000, 0xc0002{k}{id:04x}0")
    }));
    let f = find(&found, "(*API).handle").expect("a finding");
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert_eq!(f.moved, vec![Some(3), Some(6)]);
    assert_eq!(f.leaked_at_least, Some(0));
    assert!(f.decided_by.contains("new call"), "{}", f.decided_by);
}

/// Goroutines `ids` sleeping (`time.Sleep(DURATION)`) in
/// `main.(*API).handle(HANDLE)`, called by `main.(*mux).dispatch(DISPATCH)`
/// in a connection's serve loop.
fn sleeping_dump(
    ids: std::ops::Range<u64>,
    duration: impl Fn(u64) -> String,
    handle: impl Fn(u64) -> String,
    dispatch: impl Fn(u64) -> String,
) -> String {
    let mut s =
        String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
    for id in ids {
        let _ = write!(
            s,
            "goroutine {id} [sleep]:\ntime.Sleep({})\n\t/usr/local/go/src/runtime/time.go:195 +0x135\nmain.(*API).handle({})\n\t/src/app/api.go:44 +0xf1\nmain.(*mux).dispatch({})\n\t/src/app/mux.go:20 +0x2a\nmain.(*conn).serve(0xc000{id:06x}00)\n\t/src/app/conn.go:80 +0x6dc\ncreated by main.(*Server).Serve in goroutine 1\n\t/src/app/server.go:30 +0x4fd\n\n",
            duration(id),
            handle(id),
            dispatch(id)
        );
    }
    s
}

#[test]
fn waits_shorter_than_the_time_between_snapshots_were_woken() {
    // Snapshots ten minutes apart, as a daemon blocked all along shows
    // (5 → 15 → 25 minutes). Connection goroutines present in every
    // snapshot with the same arguments, but waiting under a minute or for
    // 3 minutes each time: they were woken in between (an idle pool that
    // serves requests), not stuck.
    let daemon = |k: u64| {
        format!(
            "goroutine 7 [chan receive, {} minutes]:\nmain.signals(0xc000020000)\n\t/src/app/signals.go:12 +0x3d\ncreated by main.main in goroutine 1\n\t/src/app/main.go:20 +0x55\n\n",
            5 + 10 * (k - 1)
        )
    };
    let snapshots = |state: &dyn Fn(u64, u64) -> String| -> Vec<String> {
        (1..=3u64)
            .map(|k| {
                let mut s = String::new();
                for id in 100..100 + 3 * k {
                    s += &serving_dump(id..id + 1, &state(k, id), |id| {
                        format!("0xc000010000, 0xc0002{id:05x}0")
                    })
                    .replacen(
                        "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
                        "",
                        1,
                    );
                }
                format!(
                    "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n{}{s}",
                    daemon(k)
                )
            })
            .collect()
    };
    let idle = snapshots(&|_, id| {
        if id % 2 == 0 {
            "IO wait".to_string()
        } else {
            "IO wait, 3 minutes".to_string()
        }
    });
    let found = analyze(&idle);
    let f = find(&found, "(*API).handle").expect("a finding");
    assert!(f.severity <= Severity::Low, "{f:?}");
    assert_eq!(f.moved, vec![Some(3), Some(6)]);
    assert_eq!(f.leaked_at_least, Some(0));

    // Blocked since they appeared: their waits grow with the clock.
    let stuck = snapshots(&|k, id| {
        let since = (id - 100) / 3 + 1; // the snapshot it appeared in
        let minutes = 10 * (k - since.min(k));
        if minutes == 0 {
            "IO wait".to_string()
        } else {
            format!("IO wait, {minutes} minutes")
        }
    });
    let found = analyze(&stuck);
    let f = find(&found, "(*API).handle").expect("a finding");
    assert!(f.severity >= Severity::Medium, "{f:?}");
    assert_eq!(f.moved, vec![Some(0), Some(0)]);
    assert_eq!(f.leaked_at_least, Some(6));

    // The same short waits in a select: a ticker wakes a loop that never
    // exits as often as work wakes a live one, so they stay survivors.
    let ticking = snapshots(&|_, id| {
        if id % 2 == 0 {
            "select".to_string()
        } else {
            "select, 3 minutes".to_string()
        }
    });
    let found = analyze(&ticking);
    let f = find(&found, "(*API).handle").expect("a finding");
    assert_eq!(f.moved, vec![Some(0), Some(0)]);
    assert_eq!(f.leaked_at_least, Some(6));
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
}

#[test]
fn goroutines_that_leave_the_wait_are_not_stuck_in_it() {
    // A pool that grows with the load: 4 → 8 → 12 workers wait to send on
    // a shared slot channel (line 20), and some of them are seen sleeping
    // at line 21 (their work) at the next snapshot, then waiting again.
    // Every id stays in the process, so survival alone reads as a leak;
    // the ones that left the send show that it ends.
    // Snapshot k: 4k workers waiting in `wait`, but those in `away` at
    // their work.
    let step = |wait: &'static str, k: u64, away: &[u64]| -> String {
        let g: Vec<G> = (100..100 + 4 * k)
            .map(|id| {
                if away.contains(&id) {
                    (id, "sleep", "work", 21, 5)
                } else {
                    (id, wait, "worker", 20, 5)
                }
            })
            .collect();
        dump(&g)
    };
    let series = |wait: &'static str, away: [&[u64]; 3]| -> Vec<String> {
        (1..=3)
            .map(|k| step(wait, k, away[k as usize - 1]))
            .collect()
    };
    let d = series("chan send", [&[], &[101, 102], &[104]]);
    let found = analyze(&d);
    let f = find(&found, "worker").expect("a finding");
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(f.confidence <= 0.3, "{f:?}");
    assert_eq!(f.left, vec![Some(2), Some(1)]);
    assert!(
        f.decided_by
            .contains("leaked goroutine never leaves its wait"),
        "{}",
        f.decided_by
    );
    assert!(
        f.evidence.iter().any(|e| e.starts_with("survival alone: ")),
        "{:?}",
        f.evidence
    );
    // The same group without a goroutine leaving: survival alone decides.
    let d = series("chan send", [&[], &[], &[]]);
    let f = find(&analyze(&d), "worker").expect("a finding").clone();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert_eq!(f.left, vec![Some(0), Some(0)]);
    // A receive may be a loop's timer (`for range ticker.C`), which a leaked
    // loop leaves for its work as well: leaving it is no evidence.
    let d = series("chan receive", [&[], &[101, 102], &[104]]);
    let f = find(&analyze(&d), "worker").expect("a finding").clone();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert_eq!(f.left, vec![Some(2), Some(1)]);
}

#[test]
fn goroutines_woken_at_their_wait_stay_in_its_group() {
    // Loops that never exit (a ticker nobody stops), 2 → 4 → 6; at the
    // last snapshot the ticker has just woken two of them, which debug=2
    // prints as `runnable` at the same frames. They are the same code, a
    // moment later: one group, not a flat group and a new one.
    let step = |k: u64, woken: &[u64]| -> String {
        let g: Vec<G> = (100..100 + 2 * k)
            .map(|id| {
                let state = if woken.contains(&id) {
                    "runnable"
                } else {
                    "chan receive"
                };
                (id, state, "tail", 30, 5)
            })
            .collect();
        dump(&g)
    };
    let d = vec![step(1, &[]), step(2, &[]), step(3, &[100, 102])];
    let found = analyze(&d);
    let tails: Vec<&Finding> = found
        .iter()
        .filter(|f| f.site.as_ref().is_some_and(|s| s.function == "main.tail"))
        .collect();
    assert_eq!(tails.len(), 1, "{tails:?}");
    let f = tails[0];
    assert_eq!(f.counts, vec![2, 4, 6], "{f:?}");
    assert_eq!(f.wait.to_string(), "chan receive");
    assert!(f.severity >= Severity::Medium, "{f:?}");
    // The two woken ones finished the wait they were in: not survivors.
    assert_eq!(f.survivors, vec![Some(2), Some(4)]);
    assert_eq!(f.moved, vec![Some(0), Some(2)]);
}

#[test]
fn goroutines_stuck_sending_on_a_nil_channel_are_leaked_though_they_hold() {
    // The same four goroutines in all three dumps, parked since before the
    // first: no growth, no accumulation. A send on a nil channel never
    // completes and is never a way to wait: medium, sure of it.
    let held = |state: &'static str, function: &'static str| -> Vec<String> {
        (0..3)
            .map(|_| dump(&many(40, 4, state, function, 21, 5)))
            .collect()
    };
    let found = analyze(&held("chan send (nil chan)", "forward"));
    let f = find(&found, "forward").expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!(f.confidence >= 0.8, "{f:?}");
    assert!(
        f.decided_by
            .contains("4 goroutines blocked sending on a nil channel (4 → 4 → 4)")
            && f.decided_by.contains("though the group did not grow"),
        "{}",
        f.decided_by
    );
    // The wait reason rules out the patterns of other operations.
    assert!(
        f.alternatives
            .iter()
            .all(|a| !a.starts_with("chan-") && a != "select-no-cases"),
        "{:?}",
        f.alternatives
    );
    // And a live send's rules out a nil channel and `select {}`.
    let live: Vec<String> = (1..=3)
        .map(|k| dump(&many(40, 4 * k, "chan send", "forward", 21, 5)))
        .collect();
    let found = analyze(&live);
    let f = find(&found, "forward").expect("a finding");
    assert!(
        !f.alternatives.is_empty()
            && f.alternatives
                .iter()
                .all(|a| a != "nil-channel" && a != "select-no-cases"),
        "{:?}",
        f.alternatives
    );
    // A receive from a channel left nil, or `select {}`, may park a
    // goroutine for good on purpose: the same shape stays low, and says
    // the group did not grow (not that it grew by one).
    for (state, function) in [
        ("chan receive (nil chan)", "keeper"),
        ("select (no cases)", "plugin"),
    ] {
        let found = analyze(&held(state, function));
        let f = find(&found, function).expect("a finding");
        written::assert_decided(
            f,
            Severity::Low,
            "no more than at the start (4 → 4 → 4)",
            &state,
        );
    }
}

#[test]
fn ids_are_not_followed_across_snapshots_of_different_processes() {
    // One goroutine as a debug=2 dump writes it, started at `creator`.
    let g = |id: u64, state: &str, function: &str, creator: &str, line: u32| {
        format!(
            "goroutine {id} [{state}]:\nmain.{function}()\n\t/src/app/main.go:{line} +0x2b\ncreated by main.{creator} in goroutine 1\n\t/src/app/main.go:90 +0x4c\n\n"
        )
    };
    let head = "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n";
    // Snapshot 1 is one process: workers 10..=19. Snapshots 2 and 3 are
    // another, restarted: its daemons took ids 10..=14, and its workers
    // 15 on, some of them the ids of the first process's workers.
    let first: String = std::iter::once(head.to_string())
        .chain((10..20).map(|id| g(id, "chan send", "worker", "dispatch", 20)))
        .collect();
    let restarted = |workers: u64| -> String {
        std::iter::once(head.to_string())
            .chain((10..15).map(|id| g(id, "select", "daemon", "boot", 30)))
            .chain((15..15 + workers).map(|id| g(id, "chan send", "worker", "dispatch", 20)))
            .collect()
    };
    let report =
        written::analyze_written_report(&[first, restarted(20), restarted(30)], "debug2.txt");
    assert!(
        noted(&report, "snapshots 1 and 2 are not of one process: goroutine 10 was started by main.dispatch (main.go:90) in the first and by main.boot (main.go:90) in the second (and 4 more ids like it)"),
        "{:?}",
        report.notes
    );
    assert!(!noted(&report, "snapshots 2 and 3"), "{:?}", report.notes);
    // The workers' ids are followed from snapshot 2 to 3 only: not across
    // the restart, where ids 15..=19 name other goroutines.
    let f = find(&report.findings, "worker").expect("a finding");
    assert_eq!(f.survivors, vec![None, Some(20)], "{f:?}");
    // Its counts-only reading says what would decide for such snapshots.
    assert!(
        f.decide
            .starts_with("Counts only: the 3 snapshots are not all of one process"),
        "{}",
        f.decide
    );
}

#[test]
fn an_id_that_comes_back_says_the_snapshots_are_out_of_order() {
    // Workers 100..=109 in the first snapshot; 105..=114 in the second
    // (five ended, five started); 110..=119 in the third. Given first,
    // third, second, ids 105..=109 are in snapshots 1 and 3 but not 2.
    let at = |ids: std::ops::Range<u64>| {
        dump(&many(
            ids.start,
            ids.end - ids.start,
            "chan receive",
            "worker",
            20,
            5,
        ))
    };
    let report =
        written::analyze_written_report(&[at(100..110), at(110..120), at(105..115)], "debug2.txt");
    assert!(
        noted(
            &report,
            "goroutine 105 is in snapshots 1 and 3 but not in snapshot 2 (and 4 more ids like it)"
        ),
        "{:?}",
        report.notes
    );
    // In time order, nothing is said.
    let report =
        written::analyze_written_report(&[at(100..110), at(105..115), at(110..120)], "debug2.txt");
    assert!(!noted(&report, "goroutine "), "{:?}", report.notes);
}

#[test]
fn a_dump_a_crash_printed_is_the_last_of_its_process() {
    // The same ids and sites in both: nothing in the ids tells the two
    // processes apart, but the first dump is what SIGQUIT printed as its
    // process died.
    let workers = dump(&many(20, 10, "chan send", "worker", 20, 5));
    let crash = format!("SIGQUIT: quit\nPC=0x46f0a1 m=0 sigcode=0\n\n{workers}");
    let more = dump(&many(20, 20, "chan send", "worker", 20, 5));
    let report = written::analyze_written_report(&[crash, more], "debug2.txt");
    assert!(
        noted(
            &report,
            "snapshot 1 is what a crash printed as its process ended (`SIGQUIT: quit`)"
        ),
        "{:?}",
        report.notes
    );
    let f = find(&report.findings, "worker").expect("a finding");
    assert_eq!(f.survivors, vec![None], "{f:?}");
    // A crash dump after dumps of its own process: ids are followed.
    let crash = format!("fatal error: all goroutines are asleep - deadlock!\n\n{workers}");
    let report = written::analyze_written_report(&[workers.clone(), crash], "debug2.txt");
    assert!(!noted(&report, "snapshot"), "{:?}", report.notes);
}

#[test]
fn a_logged_panic_line_does_not_make_a_written_dump_a_crash() {
    // The program logged a recovered panic, then wrote its goroutines with
    // pprof (the writer is on top of the first stack): the process lives
    // on, and ids are followed into the next dump.
    let writer = "goroutine 7 [running]:\nruntime/pprof.writeGoroutineStacks({0x8a2f40, 0xc0000a6000})\n\t/usr/local/go/src/runtime/pprof/pprof.go:816 +0x101\nruntime/pprof.writeGoroutine({0x8a2f40?, 0xc0000a6000?}, 0x2)\n\t/usr/local/go/src/runtime/pprof/pprof.go:779 +0x15\nmain.snapshot()\n\t/src/app/main.go:40 +0x2b\n\n";
    let at = |n: u64| {
        format!(
            "{writer}{}",
            dump(&many(20, 10 * n, "chan send", "worker", 20, 5))
        )
    };
    let logged = format!(
        "2026/12/02 08:00:01 handler: panic: runtime error: index out of range [recovered]\npanic: runtime error: index out of range [3] with length 3\n\n{}",
        at(1)
    );
    let report = written::analyze_written_report(&[logged, at(2), at(3)], "debug2.txt");
    assert!(!noted(&report, "snapshot 1"), "{:?}", report.notes);
    let f = find(&report.findings, "worker").expect("a finding");
    assert_eq!(f.survivors, vec![Some(10), Some(20)], "{f:?}");
    // The same dump without the writer is what the crash printed.
    let crash = format!(
        "panic: runtime error: index out of range [3] with length 3\n\n{}",
        dump(&many(20, 10, "chan send", "worker", 20, 5))
    );
    let report = written::analyze_written_report(&[crash, at(2), at(3)], "debug2.txt");
    assert!(
        noted(&report, "snapshot 1 is what a crash printed"),
        "{:?}",
        report.notes
    );
}

/// Twelve workers (ids 100..=111, one family: `main.worker` started by
/// `main.dispatch`): `idle` of them in `chan receive` at line 20, the rest
/// in `state` at line `busy_line`.
fn pool(idle: &[u64], state: &'static str, busy_line: u32) -> String {
    let g: Vec<G> = (100..112)
        .map(|id| {
            if idle.contains(&id) {
                (id, "chan receive", "worker", 20, 5)
            } else {
                (id, state, "worker", busy_line, 5)
            }
        })
        .collect();
    dump(&g)
}

#[test]
fn a_fixed_pool_changing_state_is_not_a_leak() {
    // The idle workers grow 3 → 6 → 9 while the pool holds at 12, and
    // workers go back and forth: 100..=102 idle, then busy, then idle.
    let d = [
        pool(&[100, 101, 102], "sync.Mutex.Lock", 30),
        pool(&[103, 104, 105, 106, 107, 108], "sync.Mutex.Lock", 30),
        pool(
            &[100, 101, 102, 106, 107, 108, 109, 110, 111],
            "sync.Mutex.Lock",
            30,
        ),
    ];
    let found = analyze(&d);
    let f = found
        .iter()
        .find(|f| f.counts == vec![3, 6, 9])
        .expect("the idle group");
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(
        f.decided_by.starts_with(
            "a fixed set changing state: the goroutines that run main.worker number 12 → 12 → 12"
        ),
        "{f:?}"
    );
    assert!(
        found.iter().all(|f| f.severity < Severity::Medium),
        "{found:?}"
    );
}

#[test]
fn a_fixed_pool_whose_workers_stay_stuck_is_still_reported() {
    // The same pool, but the workers that block (sending on a channel
    // nobody reads) never come back: 3 → 6 → 9 stuck, none leaves. The
    // pool's size holds, yet it drains.
    let stuck = |n: u64| -> Vec<u64> { (100..112).filter(|id| *id >= 100 + n).collect() };
    let d = [
        pool(&stuck(3), "chan send", 40),
        pool(&stuck(6), "chan send", 40),
        pool(&stuck(9), "chan send", 40),
    ];
    let found = analyze(&d);
    let f = found
        .iter()
        .find(|f| f.counts == vec![3, 6, 9])
        .expect("the stuck group");
    assert!(f.severity >= Severity::Medium, "{f:?}");
}

#[test]
fn a_fixed_pool_read_across_restarts_says_so() {
    // The pool of `a_fixed_pool_changing_state_is_not_a_leak`, but each
    // snapshot is of another process: goroutine 50 was started by
    // main.boot, then main.reload, then main.boot again.
    let with_daemon = |creator: &str, idle: &[u64]| {
        format!(
            "{}goroutine 50 [select]:\nmain.daemon()\n\t/src/app/main.go:60 +0x2b\ncreated by main.{creator} in goroutine 1\n\t/src/app/main.go:70 +0x4c\n\n",
            pool(idle, "sync.Mutex.Lock", 30)
        )
    };
    let d = [
        with_daemon("boot", &[100, 101, 102]),
        with_daemon("reload", &[103, 104, 105, 106, 107, 108]),
        with_daemon("boot", &[100, 101, 102, 106, 107, 108, 109, 110, 111]),
    ];
    let report = written::analyze_written_report(&d, "debug2.txt");
    assert!(noted(&report, "snapshots 1 and 2 are not of one process"));
    let f = report
        .findings
        .iter()
        .find(|f| f.counts == vec![3, 6, 9])
        .expect("the idle group");
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(
        f.decided_by.starts_with("a fixed set changing state"),
        "{f:?}"
    );
    // Read as counts of different processes, and asked for one process.
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("the snapshots are not all of one process")),
        "{f:?}"
    );
    assert!(
        f.decide.contains("debug=2 snapshots of one process"),
        "{}",
        f.decide
    );
}

#[test]
fn a_pool_that_ramped_over_steps_then_held_is_not_a_leak() {
    // Workers of one function (main.worker) busy in a sleep (line 44) or
    // idle in a select (line 40). The pool adds workers at two steps (10
    // → 16 → 18), then holds at 18; the busy group grows most at the step
    // where the pool held (8 → 9 → 9 → 16), and workers leave it again.
    let at = |busy: &[u64], all: std::ops::RangeInclusive<u64>| {
        let g: Vec<G> = all
            .map(|id| {
                if busy.contains(&id) {
                    (id, "sleep", "worker", 44, 5)
                } else {
                    (id, "select", "worker", 40, 5)
                }
            })
            .collect();
        dump(&g)
    };
    let busy1: Vec<u64> = (100..=107).collect();
    let busy2: Vec<u64> = [100, 101, 102].into_iter().chain(108..=113).collect();
    let busy3: Vec<u64> = [100, 101]
        .into_iter()
        .chain(108..=113)
        .chain([116])
        .collect();
    let busy4: Vec<u64> = (100..=115).collect();
    // The busy group over four snapshots, the last of `last` workers.
    let busy_group = |last: u64| -> Finding {
        let d = [
            at(&busy1, 100..=109),
            at(&busy2, 100..=115),
            at(&busy3, 100..=117),
            at(&busy4, 100..=last),
        ];
        analyze(&d)
            .into_iter()
            .find(|f| f.counts == vec![8, 9, 9, 16])
            .expect("the busy group")
    };
    let f = busy_group(117);
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(
        f.decided_by.starts_with(
            "a set that stopped growing: the goroutines that run main.worker number 10 → 16 → 18 → 18 in all their states, and held from step 3 → 4 on"
        ),
        "{f:?}"
    );
    // Where the family grows with the group at its last step, it is not.
    let f = busy_group(123);
    assert!(f.severity >= Severity::Medium, "{f:?}");
}

#[test]
fn a_set_that_fills_slows_at_every_step() {
    // Four snapshots; the process starts request goroutines up to ids 250,
    // 500, 750 and 1000, as many in each interval. The group's new ids of each interval come early
    // in it (its ids crowd at the start of the range), and it grew less
    // at its last step than at its first.
    let judge = |adds: [u64; 4]| -> Finding {
        let starts = [5, 255, 505, 755];
        let latest = [250, 500, 750, 1000];
        let d: Vec<String> = (0..4)
            .map(|k| {
                let mut gs: Vec<G> = (0..=k)
                    .flat_map(|i| (0..adds[i]).map(move |j| starts[i] + 4 * j))
                    .map(|id| (id, "select", "flushLoop", 30, 5))
                    .collect();
                gs.push((latest[k], "IO wait", "serveRequest", 60, 4));
                dump(&gs)
            })
            .collect();
        find(&analyze(&d), "flushLoop").expect("a finding").clone()
    };
    // Slower at every step (+10, +6, +3): a set nearing its bound.
    let fill = judge([20, 10, 6, 3]);
    assert_eq!(fill.severity, Severity::Low, "{fill:?}");
    assert!(fill.decided_by.contains("a set that fills"), "{fill:?}");
    // +10, +12, +6: slower at the end than at the start, but not step by
    // step: a leak's pace goes up and down. Survival decides: medium.
    let leak = judge([20, 10, 12, 6]);
    assert_eq!(leak.severity, Severity::Medium, "{leak:?}");
    assert!(!leak.decided_by.contains("a set that fills"), "{leak:?}");
}

/// Senders left blocked by a call that timed out, made by three long-lived
/// worker goroutines that take a job, call, and wait for the next job: at
/// every snapshot each worker has started more of them, and the older ones
/// stayed. A parent blocked waiting all along could not have started
/// more, so what it waits for now is its next job, not them: the senders
/// are not "in flight", and their waits, growing with the clock, decide.
#[test]
fn a_worker_that_started_more_since_is_not_waiting_for_those_that_stayed() {
    let snapshot = |k: u64, per_worker: u64, worker_state: &str| {
        let mut s =
            String::from("goroutine 1 [select]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
        for w in 2..=4u64 {
            let _ = write!(
                s,
                "goroutine {w} [{worker_state}]:\nmain.workerLoop()\n\t/src/app/main.go:50 +0x2b\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x4c\n\n"
            );
        }
        // Worker w's i-th sender has id 100 * w + i and blocked at the
        // snapshot i / 3 + 1 (ten minutes apart).
        for w in 2..=4u64 {
            for i in 0..per_worker {
                let minutes = 10 * (k - (i / 3 + 1)) + 5;
                let _ = write!(
                    s,
                    "goroutine {} [chan send, {minutes} minutes]:\nmain.(*Client).Quote.func1()\n\t/src/app/main.go:30 +0x2b\ncreated by main.(*Client).Quote in goroutine {w}\n\t/src/app/main.go:28 +0x4c\n\n",
                    100 * w + i
                );
            }
        }
        s
    };
    let dumps: Vec<String> = (1..=3)
        .map(|k| snapshot(k, 3 * k, "chan receive"))
        .collect();
    let found = analyze(&dumps);
    let f = find(&found, "(*Client).Quote.func1").expect("a finding");
    assert!(f.severity >= Severity::High, "{f:?}");
    assert!(
        !f.evidence.iter().any(|e| e.contains("may be in flight")),
        "{:?}",
        f.evidence
    );
    // Each sender a worker started is one per call of a long-lived caller,
    // not one of a fan-out's siblings: the id runs or the source decide,
    // not the shared parent.
    assert_ne!(f.pattern, "ncast", "{f:?}");
    // Parents that started none of them since the snapshot before (each
    // new parent started its own and waits): they may yet collect them.
    let fan_out = |k: u64| {
        let mut s =
            String::from("goroutine 1 [select]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
        for p in 1..=k {
            let parent = 10 * p;
            let _ = write!(
                s,
                "goroutine {parent} [sync.WaitGroup.Wait]:\nmain.gather()\n\t/src/app/main.go:70 +0x2b\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x4c\n\n"
            );
            for i in 1..=3 {
                let _ = write!(
                    s,
                    "goroutine {} [chan send]:\nmain.(*Client).Quote.func1()\n\t/src/app/main.go:30 +0x2b\ncreated by main.(*Client).Quote in goroutine {parent}\n\t/src/app/main.go:28 +0x4c\n\n",
                    parent + i
                );
            }
        }
        s
    };
    let dumps: Vec<String> = (1..=3).map(fan_out).collect();
    let found = analyze(&dumps);
    let f = find(&found, "(*Client).Quote.func1").expect("a finding");
    assert!(
        f.evidence.iter().any(|e| e.contains("may be in flight")),
        "{:?}",
        f.evidence
    );
}

/// Goroutines that wait on a timer due minutes later (one per scheduled
/// reminder) survive snapshots taken seconds apart and their longest wait
/// grows with the clock, as stuck ones do; but some of those that had
/// waited minutes are gone at the next snapshot, their timer fired. A
/// leaked goroutine never leaves its wait: where long waits end, waits
/// that grow are no second kind of evidence (held-out: a scheduler with
/// 50-66 reminders pending, critical at 0.95 before).
#[test]
fn long_waits_that_end_are_not_stuck() {
    // Ids 100.. in `select`, the first ones waiting longest; `fired` of
    // the oldest are gone at each later snapshot; 10 new ones each time.
    let snapshot = |k: u64, fired: u64| -> String {
        let mut s =
            String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
        let first = 100 + fired * (k - 1);
        for id in first..140 + 10 * k {
            // Waits that grow by two minutes over the three dumps: a
            // select's wait that grew by one may be a timer's the dump
            // does not show (tests/timer_unseen.rs).
            let minutes = match id {
                ..=119 => 1 + k,
                120..=139 => k,
                _ => 0,
            };
            let state = if minutes > 0 {
                format!("select, {minutes} minutes")
            } else {
                "select".to_string()
            };
            let _ = write!(
                s,
                "goroutine {id} [{state}]:\nmain.wait()\n\t/src/app/main.go:58 +0xdd\ncreated by main.add in goroutine 21\n\t/src/app/main.go:51 +0x24c\n\n"
            );
        }
        s
    };
    // Nothing leaves: stuck, high.
    let stuck: Vec<String> = (1..=3).map(|k| snapshot(k, 0)).collect();
    let f = find(&analyze(&stuck), "wait").expect("a finding").clone();
    assert!(f.severity >= Severity::High, "{f:?}");
    assert!(f.confidence >= 0.9, "{f:?}");
    // Five of those that had waited 2 minutes or more leave at each step.
    let timers: Vec<String> = (1..=3).map(|k| snapshot(k, 5)).collect();
    let f = find(&analyze(&timers), "wait").expect("a finding").clone();
    assert_eq!(f.counts, [50, 55, 60]);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("long waits of this call end") && e.contains("1→2: 5, 2→3: 5")),
        "{:?}",
        f.evidence
    );
    // Of those that left at the last step, 5 (ids 105..110) had waited
    // here from the first snapshot to the second: they exited, so the
    // set turns over (low; medium before that evidence was read).
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(f.confidence <= 0.3, "{f:?}");
    assert!(
        f.decided_by
            .starts_with("5 goroutines of the group that had waited in it"),
        "{}",
        f.decided_by
    );
}

/// Three dumps 20 s apart of sessions waiting in a `select` (no wait
/// minutes: the waits are short of a minute), the group growing 30 → 40 →
/// 50, as `how` says what becomes of the 5 oldest (ids 100..105, in the
/// group at the first two dumps) at the third.
fn sessions(how: &str) -> Vec<String> {
    let group = |ids: std::ops::Range<u64>| {
        many(ids.start, ids.end - ids.start, "select", "session", 40, 7)
    };
    let mut first = group(100..130);
    if how == "gone after one snapshot" {
        // 5 more at the first dump only: they never outlived an interval.
        first.extend(group(50..55));
    }
    let second = [group(100..130), group(200..210)].concat();
    let third = match how {
        "exit" => [group(105..130), group(200..210), group(300..315)].concat(),
        "move" => [
            group(105..130),
            group(200..210),
            group(300..315),
            many(100, 5, "chan receive", "idle", 70, 7),
        ]
        .concat(),
        _ => [group(100..130), group(200..210), group(300..310)].concat(),
    };
    [first, second, third].iter().map(|g| dump(g)).collect()
}

/// A leaked goroutine never exits. Where goroutines that had waited in a
/// group from one snapshot to the next exit by the one after, its waits
/// end, if slowly (sessions, retries, timers): survival is no evidence of
/// a leak there. Goroutines that move to another wait, or that exit
/// without having outlived an interval, say nothing of the sort.
#[test]
fn survivors_that_later_exit_are_a_set_that_turns_over() {
    let judged = |how: &str| {
        let found = analyze(&sessions(how));
        let f = find(&found, "session").expect("a finding").clone();
        assert_eq!(f.counts.last(), Some(&50), "{how}: {f:?}");
        f
    };
    let exited = judged("exit");
    assert_eq!(exited.severity, Severity::Low, "{exited:?}");
    assert!(exited.confidence <= 0.3, "{exited:?}");
    assert!(
        exited
            .decided_by
            .starts_with("5 goroutines of the group that had waited in it from one snapshot to the next were gone at the snapshot after"),
        "{}",
        exited.decided_by
    );
    assert!(
        exited.decide.starts_with("Later snapshots would show"),
        "{exited:?}"
    );
    assert_eq!(exited.exited, [Some(0), Some(5)]);
    assert!(
        exited
            .evidence
            .iter()
            .any(|e| e.starts_with("exited after staying") && e.ends_with("1→2: 0, 2→3: 5")),
        "{:?}",
        exited.evidence
    );
    // The same counts where the 5 stay, move elsewhere, or where those
    // that exit had been seen once: survival alone, medium.
    for how in ["stay", "move", "gone after one snapshot"] {
        let f = judged(how);
        assert_eq!(f.exited, [Some(0), Some(0)], "{how}");
        assert_eq!(f.severity, Severity::Medium, "{how}: {f:?}");
        assert!(
            f.decided_by.contains("survived") && !f.decided_by.contains("were gone"),
            "{how}: {}",
            f.decided_by
        );
    }
}

/// Three dumps 20 s apart of a group of `state` that grows 30 → 40 → 50,
/// every id staying: `long` of the first 30 blocked for 2 minutes in every
/// dump (the rest under a minute), those started since under a minute (40
/// s cannot make one). The group's longest wait stays at 2 minutes, so its
/// waits do not grow with the clock.
fn minutes_apart(state: &str, long: u64) -> Vec<String> {
    (1..=3u64)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            for i in 0..20 + 10 * k {
                let minutes = if i < long.min(30) { ", 2 minutes" } else { "" };
                let _ = write!(
                    s,
                    "goroutine {} [{state}{minutes}]:\nmain.deliver()\n\t/src/app/main.go:20 +0x2b\ncreated by main.dispatch in goroutine 5\n\t/src/app/main.go:90 +0x4c\n\n",
                    100 + i
                );
            }
            s
        })
        .collect()
}

#[test]
fn survivors_blocked_for_minutes_where_a_live_program_takes_seconds_are_stuck() {
    // A send, a lock, a WaitGroup: a live program completes them within
    // seconds, so survivors blocked there for minutes are stuck, whatever
    // the clock between the snapshots shows.
    for state in ["chan send", "sync.Mutex.Lock", "sync.WaitGroup.Wait"] {
        let found = analyze(&minutes_apart(state, 30));
        let f = find(&found, "deliver").expect("a finding");
        assert!(f.severity >= Severity::High, "{state}: {f:?}");
        assert!(f.confidence >= 0.9, "{state}: {f:?}");
        assert!(
            f.decided_by.contains("for a minute or more"),
            "{state}: {}",
            f.decided_by
        );
        assert_eq!(f.leaked_at_least, Some(40), "{state}");
    }
    // Where waiting is the goroutines' job (idle workers, timers, long
    // polls, idle connections), minutes say nothing: survival alone.
    for state in ["chan receive", "select", "IO wait", "sync.Cond.Wait"] {
        let found = analyze(&minutes_apart(state, 30));
        let f = find(&found, "deliver").expect("a finding");
        assert!(f.severity <= Severity::Medium, "{state}: {f:?}");
        assert!(f.confidence <= 0.65, "{state}: {f:?}");
        assert!(
            !f.decided_by.contains("minute"),
            "{state}: {}",
            f.decided_by
        );
    }
    // One long wait among 40 survivors is no sign for the group.
    let f = find(&analyze(&minutes_apart("chan send", 1)), "deliver")
        .expect("a finding")
        .clone();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!((f.confidence - 0.65).abs() < 1e-9, "{f:?}");
}

#[test]
fn a_handler_sleeping_in_each_new_request_is_no_survivor() {
    // control-keepalive-sleepy-handler: each keep-alive connection's
    // goroutine sleeps in the handler at every snapshot, the same id and
    // stack each time, in another request (another duration, and other
    // arguments in the frames below the handler).
    for go in ["go1.27", "go1.19"] {
        let texts = written::capture_texts(go, "control-keepalive-sleepy-handler", "debug2.txt");
        let found = analyze(&texts);
        let f = find(&found, "(*Catalog).ServeHTTP").expect("a finding");
        assert_eq!(f.counts, vec![3, 6, 10], "{go}");
        assert_eq!(f.wait.as_str(), "sleep", "{go}");
        written::assert_decided(f, Severity::Low, "new call", &go);
        assert_eq!(f.leaked_at_least, Some(0), "{go}: {f:?}");
    }
}

/// Three dumps of per-key workers in `chan receive` growing 20 → 35 → 45,
/// every id staying; at the last, `grown` of the 20 there from the first
/// dump show a wait of two minutes (the rest under one), so the group's
/// longest wait grows 0 → 0 → 2 (by two minutes: one could be a timer's
/// the dump does not show, tests/timer_unseen.rs).
fn per_key_workers(grown: u64) -> Vec<String> {
    [20u64, 35, 45]
        .iter()
        .enumerate()
        .map(|(k, &count)| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            for i in 0..count {
                let minutes = if k == 2 && i < grown { ", 2 minutes" } else { "" };
                let _ = write!(
                    s,
                    "goroutine {} [chan receive{minutes}]:\nmain.tenantWorker()\n\t/src/app/main.go:20 +0x2b\ncreated by main.dispatch in goroutine 5\n\t/src/app/main.go:90 +0x4c\n\n",
                    100 + i
                );
            }
            s
        })
        .collect()
}

#[test]
fn a_longest_wait_that_grows_is_no_evidence_where_most_of_the_oldest_were_woken() {
    // Every one of the 20 there all along waited two minutes longer at the
    // last dump: they stayed blocked as time passed. Stuck: high or more.
    let f = find(&analyze(&per_key_workers(20)), "tenantWorker")
        .expect("a finding")
        .clone();
    assert!(f.severity >= Severity::High, "{f:?}");
    assert!(f.confidence >= 0.9, "{f:?}");
    // Only 4 of them did: the others were woken in between and came back
    // (per-key workers woken by their work, whose idle ones wait long).
    // Survival alone, and the evidence says why the wait is none.
    for grown in [1, 4, 10] {
        let f = find(&analyze(&per_key_workers(grown)), "tenantWorker")
            .expect("a finding")
            .clone();
        assert_eq!(f.severity, Severity::Medium, "{grown}: {f:?}");
        assert!((f.confidence - 0.65).abs() < 1e-9, "{grown}: {f:?}");
        assert!(
            f.evidence.iter().any(|e| e.contains(&format!(
                "only {grown} of the 20 goroutines present since snapshot 1 had waited longer"
            ))),
            "{grown}: {:?}",
            f.evidence
        );
    }
    // A majority is enough: 11 of 20.
    let f = find(&analyze(&per_key_workers(11)), "tenantWorker")
        .expect("a finding")
        .clone();
    assert!(f.severity >= Severity::High, "{f:?}");
}

/// Three dumps of `workers` goroutines of `function` in `chan receive`
/// (ids from 100) beside `main` blocked in `select {}` for 0, 1 and 2
/// minutes (more than a minute passes between the first and the last);
/// `minutes(k, i)` is the wait of worker `i` at dump `k` (0-based).
fn with_clock(workers: &[u64], function: &str, minutes: impl Fn(usize, u64) -> u64) -> Vec<String> {
    workers
        .iter()
        .enumerate()
        .map(|(k, &count)| {
            let main = match k {
                0 => String::new(),
                _ => format!(", {k} minutes"),
            };
            let mut s = format!(
                "goroutine 1 [select (no cases){main}]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n"
            );
            for i in 0..count {
                let w = match minutes(k, i) {
                    0 => String::new(),
                    m => format!(", {m} minutes"),
                };
                let _ = write!(
                    s,
                    "goroutine {} [chan receive{w}]:\nmain.{function}()\n\t/src/app/main.go:20 +0x2b\ncreated by main.dispatch in goroutine 5\n\t/src/app/main.go:90 +0x4c\n\n",
                    100 + i
                );
            }
            s
        })
        .collect()
}

#[test]
fn waits_that_stay_short_while_minutes_pass_were_woken() {
    // More than a minute passed (main waited two minutes more), yet none of
    // the 20 workers there all along waited longer: woken and back. In a
    // wait that ends only when served (a send taken, a lock, a WaitGroup,
    // the network), by their work: low.
    for state in ["chan send", "sync.Mutex.Lock", "IO wait"] {
        let d: Vec<String> = with_clock(&[20, 35, 45], "keyWorker", |_, _| 0)
            .into_iter()
            .map(|t| t.replace("[chan receive", &format!("[{state}")))
            .collect();
        let f = find(&analyze(&d), "keyWorker").expect("a finding").clone();
        assert_eq!(f.severity, Severity::Low, "{state}: {f:?}");
        assert!(
            f.decided_by
                .contains("20 of the 20 goroutines present since snapshot 1 had waited no longer"),
            "{state}: {}",
            f.decided_by
        );
    }
    // In a receive (or a select, a sleep), a ticker wakes a loop that never
    // exits as often as work wakes a worker: survival alone, medium.
    for state in ["chan receive", "select"] {
        let d: Vec<String> = with_clock(&[20, 35, 45], "keyWorker", |_, _| 0)
            .into_iter()
            .map(|t| t.replace("[chan receive", &format!("[{state}")))
            .collect();
        let f = find(&analyze(&d), "keyWorker").expect("a finding").clone();
        assert_eq!(f.severity, Severity::Medium, "{state}: {f:?}");
        assert!(
            f.decided_by.contains("survival alone"),
            "{state}: {}",
            f.decided_by
        );
    }
    // The same where they did wait longer (stuck since before the first
    // dump): the waits grow, a leak.
    let d = with_clock(&[20, 35, 45], "keyWorker", |k, i| {
        if i < 20 {
            k as u64 + 1
        } else {
            0
        }
    });
    let f = find(&analyze(&d), "keyWorker").expect("a finding").clone();
    assert!(f.severity >= Severity::High, "{f:?}");
    // Without the clock (main's wait unknown), nothing says minutes
    // passed: survival alone, medium.
    let d: Vec<String> = with_clock(&[20, 35, 45], "keyWorker", |_, _| 0)
        .into_iter()
        .map(|t| {
            t.replace("select (no cases), 1 minutes", "select (no cases)")
                .replace("select (no cases), 2 minutes", "select (no cases)")
        })
        .collect();
    let f = find(&analyze(&d), "keyWorker").expect("a finding").clone();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
}

#[test]
fn a_longest_wait_that_grows_is_no_evidence_where_goroutines_that_stayed_exit() {
    // Timers due in minutes: 20 → 35 → 45 in `chan receive`, the waits of
    // all that stay growing 0 → 0 → 1; but 5 of those there at the first
    // two dumps are gone at the last (their timers fired). A stuck
    // goroutine never exits: no leak by the waits.
    let d: Vec<String> = [(0u64, 20u64), (0, 35), (5, 50)]
        .iter()
        .enumerate()
        .map(|(k, &(gone, until))| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            for i in gone..until {
                let w = if k == 2 && i < 35 { ", 1 minutes" } else { "" };
                let _ = write!(
                    s,
                    "goroutine {} [chan receive{w}]:\nmain.reminder()\n\t/src/app/main.go:20 +0x2b\ncreated by main.dispatch in goroutine 5\n\t/src/app/main.go:90 +0x4c\n\n",
                    100 + i
                );
            }
            s
        })
        .collect();
    let f = find(&analyze(&d), "reminder").expect("a finding").clone();
    assert_eq!(f.severity, Severity::Low, "{f:?}");
    assert!(f.decided_by.contains("were gone"), "{}", f.decided_by);
}

/// Three dumps of `forward` goroutines in `state` growing 10 → 20 → 30,
/// every id staying, none showing wait minutes unless `stuck` (then the
/// first ten show a minute at the last dump), beside a goroutine in a
/// select that shows a minute at the last dump: started after the first
/// dump (id 500, a witness that a collection stamped waits after it) when
/// `witness`, else there from the first dump (id 50).
fn stamped(state: &str, witness: bool, stuck: bool) -> Vec<String> {
    (1..=3u64)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n",
            );
            let idle = if witness { 500 } else { 50 };
            if !witness || k >= 2 {
                let minutes = if k == 3 { ", 1 minutes" } else { "" };
                let _ = write!(
                    s,
                    "goroutine {idle} [select{minutes}]:\nmain.watchConfig()\n\t/src/app/main.go:70 +0x2b\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x4c\n\n"
                );
            }
            for i in 0..10 * k {
                let minutes = if stuck && k == 3 && i < 10 { ", 1 minutes" } else { "" };
                let _ = write!(
                    s,
                    "goroutine {} [{state}{minutes}]:\nmain.forward()\n\t/src/app/main.go:20 +0x2b\ncreated by main.subscribe in goroutine 1\n\t/src/app/main.go:90 +0x4c\n\n",
                    100 + i
                );
            }
            s
        })
        .collect()
}

#[test]
fn survivors_that_show_no_minutes_after_a_collection_stamped_waits_were_woken() {
    // A goroutine started after the first dump shows a minute at the last:
    // a collection stamped waits in between, a minute or more before it.
    // Survivors there all along in a send, a lock, a WaitGroup or the
    // network that show no minute ran since: served, not stuck.
    for state in [
        "chan send",
        "sync.Mutex.Lock",
        "sync.WaitGroup.Wait",
        "IO wait",
    ] {
        let found = analyze(&stamped(state, true, false));
        let f = find(&found, "forward").expect("a finding");
        written::assert_decided(
            f,
            Severity::Low,
            "garbage collection ran between them",
            &state,
        );
        assert!(
            f.decided_by.contains("goroutine 500"),
            "{state}: {}",
            f.decided_by
        );
        assert!(f.confidence <= 0.3, "{state}: {f:?}");
    }
    // The same goroutine there from the first dump proves no collection
    // after it: survival alone (on the network, open connections: low).
    for state in ["chan send", "IO wait"] {
        let found = analyze(&stamped(state, false, false));
        let f = find(&found, "forward").expect("a finding");
        let want = if state == "IO wait" {
            Severity::Low
        } else {
            Severity::Medium
        };
        assert_eq!(f.severity, want, "{state}: {f:?}");
        assert!(
            !f.decided_by.contains("garbage collection")
                && (state != "IO wait" || f.decided_by.contains("wait on the network")),
            "{state}: {}",
            f.decided_by
        );
    }
    // A first dump cut short may lack goroutines alive then: the witness
    // may have been one of them.
    let mut texts = stamped("chan send", true, false);
    texts[0].push_str("goroutine 300 [select]:\n");
    let found = analyze(&texts);
    let f = find(&found, "forward").expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    // Survivors that show the minute were not woken.
    let found = analyze(&stamped("chan send", true, true));
    let f = find(&found, "forward").expect("a finding");
    assert!(f.severity >= Severity::High, "{f:?}");
    let found = analyze(&stamped("IO wait", true, true));
    let f = find(&found, "forward").expect("a finding");
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    // A ticker, a timer or a broadcast wakes a goroutine that loops
    // forever: no minutes say nothing there.
    for state in ["select", "chan receive", "sleep", "sync.Cond.Wait"] {
        let found = analyze(&stamped(state, true, false));
        let f = find(&found, "forward").expect("a finding");
        assert!(f.severity >= Severity::Medium, "{state}: {f:?}");
        assert!(
            !f.decided_by.contains("garbage collection"),
            "{state}: {}",
            f.decided_by
        );
    }
}

/// Three dumps of goroutines of `longPoll` blocked in a select (ids from
/// 100: 10, 20, 30), the first ten waiting 0, 1 and 2 minutes; from the
/// second dump on, the first `woken` of them are in a new call of the
/// select (another argument word): they finished it and came back.
fn long_polls(woken: u64) -> Vec<String> {
    (0..3u64)
        .map(|k| {
            let mut s =
                String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
            for id in 100..110 + 10 * k {
                let old = id < 110;
                let w = if old && k > 0 && id >= 100 + woken {
                    format!(", {k} minutes")
                } else {
                    String::new()
                };
                // A new call: the request's sequence number, in the
                // argument words, differs at each dump.
                let seq = if old && id < 100 + woken { 1 + k } else { 1 };
                let _ = write!(
                    s,
                    "goroutine {id} [select{w}]:\nmain.longPoll(0xc000010000, 0x{seq:x})\n\t/src/app/main.go:40 +0x2b\ncreated by main.dispatch in goroutine 5\n\t/src/app/main.go:90 +0x4c\n\n"
                );
            }
            s
        })
        .collect()
}

#[test]
fn a_select_its_goroutines_finish_and_return_to_wakes_so_long_waits_are_no_proof() {
    // The ten there all along stay blocked as time passes: stuck, high or
    // more.
    let f = find(&analyze(&long_polls(0)), "longPoll")
        .expect("a finding")
        .clone();
    assert!(f.severity >= Severity::High, "{f:?}");
    // Three of them finished the select and came back at each dump: it
    // wakes; the growing wait of the others is no proof; survival alone.
    let f = find(&analyze(&long_polls(3)), "longPoll")
        .expect("a finding")
        .clone();
    assert_eq!(f.severity, Severity::Medium, "{f:?}");
    assert!(f.confidence <= 0.65, "{f:?}");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("goroutines of the group finished this select between snapshots")),
        "{:?}",
        f.evidence
    );
}
