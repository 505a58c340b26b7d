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
    staying(
        source,
        counts,
        &format!("main.(*flusher).run(0xc000010000)\n\t/src/app/main.go:{run} +0x8b\n"),
    )
}

/// Three debug=2 dumps of `counts[k]` goroutines in `frames` started by
/// `main.start` at the source's `// go` line, the first ones staying.
fn staying(source: &str, counts: [u64; 3], frames: &str) -> Vec<String> {
    let go = written::line_in(source, "// go");
    (0..3)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:70 +0x1d\n\n",
            );
            for id in 0..counts[k] {
                let _ = write!(
                    s,
                    "goroutine {} [select]:\n{frames}created by main.start in goroutine 1\n\t/src/app/main.go:{go} +0x6f\n\n",
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

/// A job waits out its backoff on the channel an accessor returns
/// (`case <-b.Ready():`); a queue throttles every pending backoff through
/// `Delay`, whose body is `DELAY`. `AWAIT` is how the job reaches its
/// wait: a job method taking the backoff, or a backoff method.
const ACCESSOR: &str = r#"package main

import (
	"context"
	"sync"
	"time"
)

type backoff struct {
	mu    sync.Mutex
	t     *time.Timer
	moved chan struct{}
}

func newBackoff(d time.Duration) *backoff {
	return &backoff{t: time.NewTimer(d), moved: make(chan struct{})}
}

// Ready is the channel the job waits on.
func (b *backoff) Ready() <-chan time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.t.C
}

func (b *backoff) Delay(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
DELAY
}

func (b *backoff) Cancel() {
	b.t.Stop()
}

type queue struct {
	mu    sync.Mutex
	items []*backoff
}

func (q *queue) add(b *backoff) {
	q.mu.Lock()
	q.items = append(q.items, b)
	q.mu.Unlock()
}

func (q *queue) throttle() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, b := range q.items {
		b.Delay(time.Minute)
	}
}

type job struct {
	ctx context.Context
	q   *queue
}

AWAIT

func (j *job) run() {
	for i := 0; i < 3; i++ {
		if j.wait(newBackoff(time.Second)) != nil { // run
			return
		}
	}
}

func start(q *queue) {
	j := &job{ctx: context.Background(), q: q}
	go j.run() // go
}

func main() {
	q := &queue{}
	for i := 0; i < 3; i++ {
		start(q)
	}
	q.throttle()
}
"#;

/// The job's wait as a method of the job taking the backoff.
const AWAIT_PARAM: &str = r#"func (j *job) wait(b *backoff) error {
	j.q.add(b)
	select { // wait
	case <-b.Ready():
		return nil
	case <-b.moved:
		return nil
	case <-j.ctx.Done():
		b.Cancel()
		return j.ctx.Err()
	}
}"#;

/// The wait as a method of the backoff itself, the job calling it.
const AWAIT_OWN: &str = r#"func (j *job) wait(b *backoff) error {
	j.q.add(b)
	return b.await(j.ctx) // own
}

func (b *backoff) await(ctx context.Context) error {
	select { // wait
	case <-b.Ready():
		return nil
	case <-b.moved:
		return nil
	case <-ctx.Done():
		b.Cancel()
		return ctx.Err()
	}
}"#;

/// Three debug=2 dumps of `counts[k]` jobs in the wait, the first ones
/// staying.
fn accessor_dumps(source: &str, counts: [u64; 3]) -> Vec<String> {
    let wait = written::line_in(source, "// wait");
    let run = written::line_in(source, "// run");
    let frames = if source.contains("// own") {
        let own = written::line_in(source, "// own");
        format!(
            "main.(*backoff).await(0xc000020000, {{0x5a1f20, 0xc000012000}})\n\t/src/app/main.go:{wait} +0x9c\nmain.(*job).wait(0xc000010000, 0xc000020000)\n\t/src/app/main.go:{own} +0x45\n"
        )
    } else {
        format!("main.(*job).wait(0xc000010000, 0xc000020000)\n\t/src/app/main.go:{wait} +0x9c\n")
    };
    staying(
        source,
        counts,
        &format!("{frames}main.(*job).run(0xc000010000)\n\t/src/app/main.go:{run} +0x3b\n"),
    )
}

fn waiting_job(source: &str) -> Finding {
    let found = analyze_written_source(
        &accessor_dumps(source, [10, 29, 37]),
        "debug2.txt",
        Some(source),
    )
    .findings;
    found
        .iter()
        .find(|f| f.frames.iter().any(|fr| fr.function == "main.(*job).run"))
        .unwrap_or_else(|| panic!("no finding: {found:#?}"))
        .clone()
}

#[test]
fn a_timer_an_accessor_hands_out_stopped_and_swapped_by_another_method_leaks_its_waiters() {
    let delays = [
        // Stopped and replaced: the select holds the old channel.
        "\tb.t.Stop()\n\tb.t = time.NewTimer(d)",
        // Only where it had not fired.
        "\tif b.t.Stop() {\n\t\tb.t = time.NewTimer(d)\n\t}",
        // Replaced through a helper after the stop.
        "\tif !b.t.Stop() {\n\t\treturn\n\t}\n\tb.t = newBackoff(d).t",
    ];
    each_accessor_case(&delays, |case, f| {
        assert!(f.severity >= Severity::High, "{case}: {f:#?}");
        assert!(
            f.decided_by
                .contains("waits on b.Ready(), the channel of backoff's t timer")
                && f.decided_by.contains("which Delay stops at main.go:")
                && f.decided_by.contains(DECIDED),
            "{case}: {}",
            f.decided_by
        );
    });
}

/// The job's finding for each body of `Delay` in `delays`, under both
/// shapes of waiter, with the case in words.
fn each_accessor_case(delays: &[&str], check: impl Fn(&str, &Finding)) {
    for await_ in [AWAIT_PARAM, AWAIT_OWN] {
        for delay in delays {
            let source = ACCESSOR.replace("AWAIT", await_).replace("DELAY", delay);
            let case = format!("{:?} {delay:?}", await_.lines().next());
            check(&case, &waiting_job(&source));
        }
    }
}

#[test]
fn an_accessor_timer_rearmed_or_woken_or_stopped_by_its_waiter_is_no_evidence() {
    let delays = [
        // Re-armed in place: the channel the select holds fires later.
        "\tb.t.Reset(d)",
        "\tif !b.t.Stop() {\n\t\t<-b.t.C\n\t}\n\tb.t.Reset(d)",
        // The stop wakes the waiter through another of its cases.
        "\tb.t.Stop()\n\tclose(b.moved)\n\tb.t = time.NewTimer(d)",
        // Stopped without a new timer: through an accessor, a stop alone
        // is not told from a release its owner calls once it stopped
        // waiting.
        "\tb.t.Stop()",
        // Nothing stops it.
        "",
    ];
    each_accessor_case(&delays, |case, f| {
        assert!(
            !f.decided_by.contains(DECIDED) && !f.evidence.iter().any(|e| e.contains(DECIDED)),
            "{case}: {f:#?}"
        );
        assert!(f.severity <= Severity::Medium, "{case}: {f:#?}");
    });
    // Cancel stops the timer too, but only the waiter calls it, after its
    // wait: that wakes nobody else.
    let source = ACCESSOR.replace("AWAIT", AWAIT_PARAM).replace("DELAY", "");
    let f = waiting_job(&source);
    assert!(!f.decided_by.contains("which Cancel stops"), "{f:#?}");
}

#[test]
fn a_context_of_the_waiter_is_not_taken_for_a_timer_type_of_the_package() {
    // The package's backoff hands out its channel as Done() and swaps its
    // timer; the job waits on a context of its own, whose Done is
    // context's.
    let await_ = r#"func (j *job) wait(b *backoff) error {
	ctx, cancel := context.WithTimeout(j.ctx, time.Minute)
	defer cancel()
	j.q.add(b)
	select { // wait
	case <-ctx.Done():
		return ctx.Err()
	case <-b.moved:
		return nil
	}
}"#;
    let param = r#"func (j *job) wait(b *backoff) error {
	return j.waitCtx(j.ctx, b) // own
}

func (j *job) waitCtx(ctx context.Context, b *backoff) error {
	j.q.add(b)
	select { // wait
	case <-ctx.Done():
		return ctx.Err()
	case <-b.moved:
		return nil
	}
}"#;
    for await_ in [await_, param] {
        let source = ACCESSOR
            .replace("Ready()", "Done()")
            .replace("AWAIT", await_)
            .replace("DELAY", "\tb.t.Stop()\n\tb.t = time.NewTimer(d)");
        let texts = accessor_dumps(&source, [10, 29, 37]);
        let texts: Vec<String> = texts
            .iter()
            .map(|t| t.replace("main.(*backoff).await(", "main.(*job).waitCtx("))
            .collect();
        let found = analyze_written_source(&texts, "debug2.txt", Some(&source)).findings;
        assert!(!found.is_empty());
        for f in &found {
            assert!(
                !f.decided_by.contains(DECIDED) && !f.evidence.iter().any(|e| e.contains(DECIDED)),
                "{f:#?}"
            );
        }
    }
}
