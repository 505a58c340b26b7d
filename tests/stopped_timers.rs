//! A timer or ticker stopped by another method while goroutines wait on
//! its channel (issue 13, with `--source`): `Stop` does not close the
//! channel, so a goroutine selecting on it when the other method runs is
//! never woken by it. Where that method wakes the wait no other way (it
//! closes, cancels and sends nothing, and touches no channel of the other
//! cases), survivors of a growing group are a leak.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write as _;
use written::analyze_written_source;

/// A flusher per stream: `run` selects on its kick channel and its
/// ticker, and returns on a tick once retired. `RETIRE` is the body of
/// the method that retires it.
const SOURCE: &str = r#"package main

import (
	"context"
	"sync"
	"time"
)

type flusher struct {
	mu      sync.Mutex
	retired bool
	kick    chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc
	ticker  *time.Ticker
}

func (f *flusher) run() {
	for {
		select { // run
		case <-f.kick:
			f.flush()
		case <-f.ticker.C:
			if f.isRetired() {
				return
			}
			f.flush()
		}
	}
}

func (f *flusher) isRetired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.retired
}

func (f *flusher) flush() {}

func (f *flusher) retire() {
	f.mu.Lock()
	f.retired = true
	f.mu.Unlock()
RETIRE
}

func start() *flusher {
	f := &flusher{kick: make(chan struct{}, 1), done: make(chan struct{}), ticker: time.NewTicker(time.Second)}
	go f.run() // go
	return f
}

func main() {
	for i := 0; i < 3; i++ {
		start().retire()
	}
}
"#;

/// Three debug=2 dumps of `counts[k]` flushers in `run`'s select, the
/// first ones staying.
fn dumps(source: &str, counts: [u64; 3]) -> Vec<String> {
    let run = written::line_in(source, "// run");
    let go = written::line_in(source, "// go");
    (0..3)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:70 +0x1d\n\n",
            );
            for id in 0..counts[k] {
                let _ = write!(
                    s,
                    "goroutine {} [select]:\nmain.(*flusher).run(0xc000010000)\n\t/src/app/main.go:{run} +0x8b\ncreated by main.start in goroutine 1\n\t/src/app/main.go:{go} +0x6f\n\n",
                    100 + id
                );
            }
            s
        })
        .collect()
}

fn flusher(source: &str, counts: [u64; 3]) -> Finding {
    let found = analyze_written_source(&dumps(source, counts), "debug2.txt", Some(source)).findings;
    found
        .iter()
        .find(|f| {
            f.frames
                .iter()
                .any(|fr| fr.function == "main.(*flusher).run")
        })
        .unwrap_or_else(|| panic!("no finding: {found:#?}"))
        .clone()
}

const DECIDED: &str = "without waking it otherwise";

#[test]
fn a_ticker_stopped_by_another_method_that_wakes_nothing_leaks_its_waiters() {
    for retire in [
        // The plain stop.
        "\tf.ticker.Stop()",
        // Guarded by a nil check.
        "\tif f.ticker != nil {\n\t\tf.ticker.Stop()\n\t}",
    ] {
        let source = SOURCE.replace("RETIRE", retire);
        // Too few survivors to tell on survival alone (growth at the last
        // step mostly): the stopped ticker decides.
        let f = flusher(&source, [10, 29, 37]);
        assert!(f.severity >= Severity::High, "{retire}: {f:#?}");
        assert!(f.confidence >= 0.8, "{retire}");
        assert!(
            f.decided_by
                .contains("waits on f.ticker.C, which retire stops at main.go:")
                && f.decided_by.contains(DECIDED)
                && f.decided_by.contains("at least 29 leaked"),
            "{retire}: {}",
            f.decided_by
        );
    }
}

#[test]
fn a_stop_that_also_wakes_the_wait_or_rearms_the_timer_is_no_evidence() {
    for retire in [
        // It closes a channel (the waiter may select on it elsewhere).
        "\tf.ticker.Stop()\n\tclose(f.done)",
        // It cancels a context.
        "\tf.ticker.Stop()\n\tf.cancel()",
        // It sends on the other case's channel: the loop wakes.
        "\tf.ticker.Stop()\n\tf.kick <- struct{}{}",
        // It re-arms the ticker.
        "\tf.ticker.Stop()\n\tf.ticker.Reset(time.Minute)",
        // Stopped on the way out only.
        "\tdefer f.ticker.Stop()",
        // Not stopped at all.
        "",
    ] {
        let source = SOURCE.replace("RETIRE", retire);
        let f = flusher(&source, [10, 29, 37]);
        assert!(
            !f.decided_by.contains(DECIDED) && !f.evidence.iter().any(|e| e.contains(DECIDED)),
            "{retire:?}: {f:#?}"
        );
        assert!(f.severity <= Severity::Medium, "{retire:?}: {f:#?}");
    }
    // Stopped by the waiting method itself: its own business.
    let own = SOURCE.replace("RETIRE", "").replace(
        "\t\t\tif f.isRetired() {\n",
        "\t\t\tif f.isRetired() {\n\t\t\t\tf.ticker.Stop()\n",
    );
    let f = flusher(&own, [10, 29, 37]);
    assert!(!f.decided_by.contains(DECIDED), "{f:#?}");
}

#[test]
fn churn_and_single_survivors_are_not_convicted_by_the_stop() {
    let source = SOURCE.replace("RETIRE", "\tf.ticker.Stop()");
    // No flusher stays from one snapshot to the next.
    let mut texts = dumps(&source, [10, 29, 37]);
    for (k, t) in texts.iter_mut().enumerate() {
        *t = t.replace("goroutine 1", &format!("goroutine {}", k + 5));
        *t = t.replace(
            &format!("goroutine {} [running]", k + 5),
            "goroutine 1 [running]",
        );
    }
    let found = analyze_written_source(&texts, "debug2.txt", Some(&source)).findings;
    for f in &found {
        assert!(!f.decided_by.contains(DECIDED), "{f:#?}");
    }
}
