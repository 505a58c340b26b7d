//! A loop its owner cancels, through a helper (issue 13): Go code often
//! sleeps between rounds with a context-aware helper (`sleepCtx(ctx, d)`,
//! `wait(ctx, d)`) whose select returns on `ctx.Done()`, and the loop ends
//! on the helper's result (`if !sleepCtx(ctx, d) { return }`, `if err :=
//! j.attempt(ctx); err != nil { return }`) without reading `ctx.Done()`
//! itself. With ids and the source, such a roster's members are `low`, as
//! a loop that reads the cancellation itself is; a loop that ignores the
//! result, a helper whose cancel case does not return, or a call whose
//! failure is not a cancellation stays as it was.

mod written;

use leakdiff::classify::{Finding, Severity};
use written::{analyze_written_source, line_in};

const BY_DESIGN: &str = "every loop that repeats it reads a cancellation";

/// The program: pollers that sleep through `sleepCtx`, retriers through
/// `wait` called by `attempt`, and near-misses of each.
const SOURCE: &str = r#"package main

import (
	"context"
	"errors"
	"time"
)

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select { // sleepCtx wait
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func wait(ctx context.Context, d time.Duration) error {
	select { // wait wait
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func nap(ctx context.Context, d time.Duration) bool {
	select { // nap wait
	case <-time.After(d):
	case <-ctx.Done():
		println("cancelled")
	}
	return true
}

func after(d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	time.AfterFunc(d, func() { close(ch) })
	return ch
}

type poller struct {
	every time.Duration
	kick  chan struct{}
}

func (p *poller) feed(ctx context.Context) {
	for {
		select { // feed wait
		case <-ctx.Done():
			return
		case <-after(p.every):
		}
		p.poll()
	}
}

func tick(d time.Duration) <-chan time.Time { return time.NewTimer(d).C }

func (p *poller) pace(ctx context.Context) {
	for {
		select { // pace wait
		case <-tick(p.gap()):
			p.poll()
		case <-ctx.Done():
			return
		}
	}
}

func (p *poller) gap() time.Duration { return p.every / 2 }

func (p *poller) schedule() *time.Timer {
	return time.NewTimer(p.every)
}

func (p *poller) refresh(ctx context.Context) {
	for {
		t := p.schedule()
		select { // refresh wait
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		p.poll()
	}
}

func (p *poller) signal() <-chan struct{} { return p.kick }

func (p *poller) listen(ctx context.Context) {
	for {
		select { // listen wait
		case <-ctx.Done():
			return
		case <-p.signal():
		}
		p.poll()
	}
}

func (p *poller) run(ctx context.Context) {
	for {
		if !sleepCtx(ctx, p.every) { // run call
			return
		}
		p.poll()
	}
}

func (p *poller) spin(ctx context.Context) {
	for {
		sleepCtx(ctx, p.every) // spin call
		p.poll()
	}
}

func (p *poller) doze(ctx context.Context) {
	for {
		if !nap(ctx, p.every) { // doze call
			return
		}
		p.poll()
	}
}

func (p *poller) poll() {}

type job struct{ backoff time.Duration }

func (j *job) attempt(ctx context.Context) error {
	if err := wait(ctx, j.backoff); err != nil { // attempt call
		return err
	}
	return errors.New("503")
}

func (j *job) retry(ctx context.Context) {
	for {
		if err := j.attempt(ctx); err != nil { // retry call
			return
		}
	}
}

func main() {
	ctx := context.Background()
	p := &poller{every: time.Minute}
	go p.run(ctx)
	go p.spin(ctx)
	go p.doze(ctx)
	j := &job{backoff: time.Minute}
	go j.retry(ctx)
	select {}
}
"#;

/// Three debug=2 dumps: 10, 25, then 45 goroutines that all stay, each
/// with the stack `frames` (function and the marker of its line, innermost
/// first), in `select`, none waiting a minute.
fn series(frames: &[(&str, &str)]) -> Vec<String> {
    let stack: String = frames
        .iter()
        .map(|(f, marker)| {
            format!(
                "{f}(0xc000100000)\n\t/src/app/main.go:{} +0x85\n",
                line_in(SOURCE, marker)
            )
        })
        .collect();
    (0..3)
        .map(|k| {
            let mut s = String::from(
                "goroutine 1 [select (no cases)]:\nmain.main()\n\t/src/app/main.go:99 +0x1d\n\n",
            );
            for (first, count) in [(100u64, 10u64), (200, 15), (300, 20)].into_iter().take(k + 1) {
                for id in first..first + count {
                    s.push_str(&format!(
                        "goroutine {id} [select]:\n{stack}created by main.main in goroutine 1\n\t/src/app/main.go:90 +0x5c\n\n"
                    ));
                }
            }
            s
        })
        .collect()
}

fn analyze(frames: &[(&str, &str)]) -> Finding {
    let report = analyze_written_source(&series(frames), "debug2.txt", Some(SOURCE));
    let site = frames[0].0;
    report
        .findings
        .iter()
        .find(|f| f.site.as_ref().is_some_and(|s| s.function == site))
        .unwrap_or_else(|| panic!("no finding for {site}: {:#?}", report.findings))
        .clone()
}

#[test]
fn loops_that_end_on_a_cancelling_helpers_result_are_a_rosters() {
    for frames in [
        &[
            ("main.sleepCtx", "sleepCtx wait"),
            ("main.(*poller).run", "run call"),
        ][..],
        &[
            ("main.wait", "wait wait"),
            ("main.(*job).attempt", "attempt call"),
            ("main.(*job).retry", "retry call"),
        ][..],
        // Timers that helpers make: a channel an AfterFunc closes, a new
        // timer returned.
        &[("main.(*poller).feed", "feed wait")][..],
        &[("main.(*poller).refresh", "refresh wait")][..],
        &[("main.(*poller).pace", "pace wait")][..],
    ] {
        let f = analyze(frames);
        assert_eq!(f.severity, Severity::Low, "{frames:?}: {f:#?}");
        assert!(f.confidence <= 0.3, "{frames:?}: {f:#?}");
        assert!(
            f.decided_by.contains(BY_DESIGN),
            "{frames:?}: {}",
            f.decided_by
        );
    }
}

#[test]
fn loops_that_ignore_the_result_or_helpers_that_do_not_report_it_are_not() {
    for frames in [
        // The loop calls the helper and goes on whatever it returns.
        &[
            ("main.sleepCtx", "sleepCtx wait"),
            ("main.(*poller).spin", "spin call"),
        ][..],
        // The helper's cancel case does not return: it reports true.
        &[
            ("main.nap", "nap wait"),
            ("main.(*poller).doze", "doze call"),
        ][..],
    ] {
        let f = analyze(frames);
        assert!(f.severity >= Severity::Medium, "{frames:?}: {f:#?}");
        // The source read the wait: a loop that wakes by itself, whose way
        // out its loops do not take.
        assert!(
            f.decided_by.starts_with("source: the select at main.go:"),
            "{frames:?}: {}",
            f.decided_by
        );
        assert!(
            !f.decided_by.contains(BY_DESIGN),
            "{frames:?}: {}",
            f.decided_by
        );
    }
}

/// A helper's channel that no timer ends: the select does not wake by
/// itself, and its goroutines are judged on their survival.
#[test]
fn a_helpers_channel_no_timer_ends_is_no_timer() {
    let f = analyze(&[("main.(*poller).listen", "listen wait")]);
    assert!(f.severity >= Severity::Medium, "{f:#?}");
    assert!(
        !f.decided_by.contains("wakes by itself"),
        "{}",
        f.decided_by
    );
}
