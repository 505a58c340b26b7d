//! Goroutines that outlive the call that was to stop them (issue 13, with
//! `--source`): where the call that starts a goroutine also stops it before
//! it returns (a keeper a sync stops, a heartbeat a job stops with a
//! `defer`), each call in flight holds at most one alive; more of them
//! alive than calls in flight, with survivors, means some calls returned
//! without the stop (an early return on an error). A loop that wakes by
//! itself is then a leak, not a roster of live loops.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write as _;
use written::analyze_written_source;

/// A keeper that a constructor starts and returns; `STOP` is the caller's
/// line after the work (the stop, or a line that keeps the keeper instead).
const SOURCE: &str = r#"package main

import (
	"errors"
	"time"
)

type keeper struct{ stop chan struct{} }

func (k *keeper) loop() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select { // loop
		case <-t.C:
		case <-k.stop:
			return
		}
	}
}

func (k *keeper) Stop() { close(k.stop) }

func keep() *keeper {
	k := &keeper{stop: make(chan struct{})}
	go k.loop() // go
	return k
}

type worker struct {
	held []*keeper
	work chan int
}

func (w *worker) sync() error {
	k := keep()
	if v := <-w.work; v < 0 { // sync
		return errors.New("fetch failed")
	}
	STOP
	return nil
}

func (w *worker) run() {
	for {
		_ = w.sync()
	}
}

func main() {
	w := &worker{}
	go w.run()
}
"#;

fn source(stop: &str) -> String {
    SOURCE.replace("STOP", stop)
}

fn line_of(marker: &str) -> u32 {
    written::line_in(SOURCE, marker)
}

/// Three debug=2 dumps: keepers `keepers[k]` alive in snapshot k (the first
/// ones staying), beside `calls` workers blocked in `sync` (its calls in
/// flight).
fn dumps(keepers: [u64; 3], calls: u64) -> Vec<String> {
    let (lp, go, sync, run) = (
        line_of("// loop"),
        line_of("// go"),
        line_of("// sync"),
        line_of("_ = w.sync()"),
    );
    (0..3)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:60 +0x1d\n\n",
            );
            for id in 0..keepers[k] {
                let _ = write!(
                    s,
                    "goroutine {} [select]:\nmain.(*keeper).loop(0xc000010000)\n\t/src/app/main.go:{lp} +0x8b\ncreated by main.keep in goroutine 7\n\t/src/app/main.go:{go} +0x6f\n\n",
                    1000 + id
                );
            }
            for id in 0..calls {
                let _ = write!(
                    s,
                    "goroutine {} [chan receive]:\nmain.(*worker).sync(0xc000020000)\n\t/src/app/main.go:{sync} +0x45\nmain.(*worker).run(0xc000020000)\n\t/src/app/main.go:{run} +0x25\ncreated by main.main in goroutine 1\n\t/src/app/main.go:61 +0x4c\n\n",
                    10 + id
                );
            }
            s
        })
        .collect()
}

fn keeper(found: &[Finding]) -> Finding {
    found
        .iter()
        .find(|f| {
            f.frames
                .iter()
                .any(|fr| fr.function == "main.(*keeper).loop")
        })
        .unwrap_or_else(|| panic!("no keeper finding: {found:#?}"))
        .clone()
}

fn analyze(texts: &[String], go: &str) -> Finding {
    keeper(&analyze_written_source(texts, "debug2.txt", Some(go)).findings)
}

#[test]
fn goroutines_alive_beyond_the_calls_that_stop_them_leaked() {
    let stopped = source("k.Stop()");
    // 40 keepers alive, 3 calls of sync in flight: 37 outlived theirs.
    let f = analyze(&dumps([5, 20, 40], 3), &stopped);
    assert!(f.severity >= Severity::High, "{f:#?}");
    assert!(f.confidence >= 0.85);
    assert!(
        f.decided_by.contains("keep starts them at main.go:")
            && f.decided_by.contains("(`k.Stop()` at main.go:")
            && f.decided_by.contains("while 3 calls of sync are in flight")
            && f.decided_by
                .contains("at least 37 outlived the call that started them"),
        "{}",
        f.decided_by
    );
    // A deferred stop holds them as well.
    let deferred = SOURCE
        .replace("\tk := keep()\n", "\tk := keep()\n\tdefer k.Stop()\n")
        .replace("STOP", "");
    let f = analyze(&dumps([5, 20, 40], 3), &deferred);
    assert!(f.severity >= Severity::High, "{f:#?}");
    assert!(f.decided_by.contains("(`defer k.Stop()` at main.go:"));
}

#[test]
fn goroutines_held_by_calls_in_flight_or_by_nobody_stay_as_they_were() {
    let stopped = source("k.Stop()");
    // As many calls in flight as keepers: each holds its own.
    let held = analyze(&dumps([5, 20, 40], 40), &stopped);
    assert!(held.severity <= Severity::Medium, "{held:#?}");
    assert!(!held.decided_by.contains("outlived the call"));
    // Callers that keep what they started (no stop after the call): the
    // calls do not hold them, and their number says nothing.
    let kept = source("w.held = append(w.held, k)");
    let f = analyze(&dumps([5, 20, 40], 3), &kept);
    assert!(f.severity <= Severity::Medium, "{f:#?}");
    assert!(!f.decided_by.contains("outlived the call"));
    // Churn: no keeper stays from one snapshot to the next.
    let mut texts = dumps([5, 20, 40], 3);
    for (k, t) in texts.iter_mut().enumerate() {
        *t = t.replace("goroutine 10", &format!("goroutine {}0", k + 5));
    }
    let churn = analyze(&texts, &stopped);
    assert!(
        !churn.decided_by.contains("outlived the call"),
        "{churn:#?}"
    );
}
