//! A select or a receive may wait on a timer the dump does not show (issue
//! 13): `case <-time.After(d)`, `<-t.C`, a context's deadline. A timer of
//! minutes (a retry's backoff, a long poll) shows a wait that grows with
//! the clock until it fires, as a stuck goroutine's does. So, without the
//! source read at the wait, a longest wait that grew by less than two
//! minutes is no second kind of evidence there: survivors alone, `medium`.
//! The source, where it reads the wait, says whether a timer bounds it;
//! waits that grew by two minutes or more take a longer timer; and other
//! waits (a send, a lock) are not bounded by a timer they do not show.

mod written;

use leakdiff::classify::{Finding, Severity};
use written::analyze_written_source;

const NOTE: &str = "may wait on a timer the dump does not show";

/// Three debug=2 dumps: 10, 25, then 45 goroutines of `main.(*job).wait`
/// (a select) or `main.(*job).take` (anything else) that all stay, blocked
/// in `state`; the first ten show `waits` minutes at each snapshot.
fn series(state: &str, frame_line: u32, waits: [u32; 3]) -> Vec<String> {
    let function = function(state);
    (0..3)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:40 +0x1d\n\n",
            );
            for (g, (first, count)) in [(100u64, 10u64), (200, 15), (300, 20)]
                .into_iter()
                .enumerate()
                .take(k + 1)
            {
                let wait = match waits[k] {
                    0 => String::new(),
                    m if g == 0 => format!(", {m} minutes"),
                    _ => String::new(),
                };
                for id in first..first + count {
                    s.push_str(&format!(
                        "goroutine {id} [{state}{wait}]:\n{function}({:#x})\n\t/src/app/main.go:{frame_line} +0x85\ncreated by main.start in goroutine 1\n\t/src/app/main.go:30 +0x5c\n\n",
                        0xc000100000u64 + id * 0x100
                    ));
                }
            }
            s
        })
        .collect()
}

/// A job that waits on its channels, no timer among them.
const SOURCE: &str = r#"package main

type job struct {
	in   chan int
	done chan struct{}
}

func (j *job) wait() {
	for {
		select {
		case v := <-j.in:
			_ = v
		case <-j.done:
			return
		}
	}
}

func (j *job) take() int {
	return <-j.in
}

func start() *job {
	j := &job{in: make(chan int), done: make(chan struct{})}
	go j.wait()
	return j
}

func main() {
	for i := 0; i < 45; i++ {
		start()
	}
	select {}
}
"#;

fn function(state: &str) -> &'static str {
    if state == "select" {
        "main.(*job).wait"
    } else {
        "main.(*job).take"
    }
}

fn analyze(state: &str, texts: &[String], source: bool) -> Finding {
    let report = analyze_written_source(texts, "debug2.txt", source.then_some(SOURCE));
    report
        .findings
        .iter()
        .find(|f| {
            f.site
                .as_ref()
                .is_some_and(|s| s.function == function(state))
        })
        .unwrap_or_else(|| panic!("no finding: {:#?}", report.findings))
        .clone()
}

#[test]
fn a_select_whose_wait_grew_a_minute_is_no_stuck_select_without_its_source() {
    for (state, line) in [("select", 10), ("chan receive", 20)] {
        let texts = series(state, line, [0, 1, 1]);
        let f = analyze(state, &texts, false);
        assert_eq!(f.severity, Severity::Medium, "{state}: {f:#?}");
        assert!(f.confidence < 0.7, "{state}: {f:#?}");
        assert!(
            f.evidence.iter().any(|e| e.contains(NOTE)),
            "{state}: {:#?}",
            f.evidence
        );
        // The source reads the wait: no timer among its cases.
        let f = analyze(state, &texts, true);
        assert!(f.severity >= Severity::High, "{state} with source: {f:#?}");
        assert!(
            !f.evidence.iter().any(|e| e.contains(NOTE)),
            "{state} with source: {:#?}",
            f.evidence
        );
    }
}

#[test]
fn waits_that_grew_two_minutes_or_in_a_send_stay_evidence_without_the_source() {
    for (state, line, waits) in [
        ("select", 10, [0, 1, 2]),
        ("chan receive", 20, [1, 2, 3]),
        ("chan send", 20, [0, 1, 1]),
    ] {
        let f = analyze(state, &series(state, line, waits), false);
        assert!(f.severity >= Severity::High, "{state} {waits:?}: {f:#?}");
        assert!(f.confidence >= 0.8, "{state} {waits:?}: {f:#?}");
        assert!(
            !f.evidence.iter().any(|e| e.contains(NOTE)),
            "{state} {waits:?}: {:#?}",
            f.evidence
        );
    }
}
