//! Waits the source bounds (issue 13): with `--source`, goroutines in a wait
//! that a timer or a deadline ends, and that nothing repeats, leave it by
//! themselves; growth there is long waits, not a leak. Each case is a group
//! that grows with survivors whose waits grow (medium or more without the
//! source), in debug=2 dumps written here against a Go file written here.

mod written;

use leakdiff::classify::{Finding, Severity};
use std::fmt::Write as _;
use written::analyze_written_source;

const SOURCE: &str = r#"package main

import (
	"context"
	"net/http"
	"time"
)

type session struct {
	done  chan struct{}
	life  *time.Timer
	alarm *time.Timer
	in    chan string
	every time.Duration
	expiry *time.Timer
	tr    *http.Transport
	hc    *http.Client
	t     *time.Timer
	u     *time.Timer
}

func (s *session) lurk(ctx context.Context) {
	life := time.NewTimer(5 * time.Minute)
	defer life.Stop()
	select { // lurk
	case <-ctx.Done():
	case <-life.C:
	}
}

func (s *session) poll(ctx context.Context) string {
	select { // poll
	case v := <-s.in:
		return v
	case <-time.After(90 * time.Second):
		return ""
	}
}

func (s *session) watch(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
	defer cancel()
	select { // watch
	case <-ctx.Done():
	case <-s.done:
	}
}

func (s *session) serve(ctx context.Context) {
	s.life = time.NewTimer(3 * time.Minute)
	defer s.life.Stop()
	for {
		select { // serve
		case <-ctx.Done():
			return
		case <-s.life.C:
			return
		case v := <-s.in:
			_ = v
		}
	}
}

func (s *session) pump(ctx context.Context) {
	for {
		select { // pump
		case <-ctx.Done():
			return
		case <-time.After(s.every):
		case v := <-s.in:
			_ = v
		}
	}
}

func (s *session) arm() {
	s.alarm = time.NewTimer(time.Minute)
	s.expiry = time.NewTimer(time.Minute)
}

func (s *session) supervise() {
	for {
		select { // supervise
		case <-s.done:
			return
		case <-s.expiry.C:
			if s.renewed() {
				s.expiry.Reset(time.Minute)
				continue
			}
			return
		}
	}
}

func (s *session) renewed() bool { return false }

func (s *session) beat(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select { // beat
		case <-s.done:
			return
		case <-t.C:
			if s.renewed() {
				return
			}
		}
	}
}

func (s *session) fail() {
	s.expiry.Stop()
}

func (s *session) await(ctx context.Context) {
	select { // await
	case <-ctx.Done():
	case <-s.done:
	}
}

func (s *session) handle(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
	defer cancel()
	s.await(ctx) // handle
}

func (s *session) forever(parent context.Context) {
	s.await(parent) // forever
}

func (s *session) disarm() {
	s.alarm.Stop()
}

func (s *session) ring(ctx context.Context) {
	select { // ring
	case <-ctx.Done():
	case <-s.alarm.C:
	}
}

func (s *session) lost(parent context.Context) {
	ctx, _ := context.WithTimeout(parent, time.Hour)
	select { // lost
	case <-ctx.Done():
	case <-s.done:
	}
}

func (s *session) long(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, 2*time.Hour)
	defer cancel()
	select { // long
	case <-ctx.Done():
	case <-s.done:
	}
}

func (s *session) nap() {
	time.Sleep(90 * time.Second) // nap
}

func (s *session) waitOnce(ctx context.Context) {
	select { // waitOnce
	case <-ctx.Done():
	case <-time.After(time.Minute):
	}
}

func (s *session) loop(ctx context.Context) {
	for {
		s.waitOnce(ctx) // loop
	}
}

// A session whose whole loop runs under a deadline.
func (s *session) visit(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, 4*time.Minute)
	defer cancel()
	for ctx.Err() == nil {
		s.waitOnce(ctx) // visit
	}
}

func (s *session) shift(parent context.Context) {
	ctx, cancel := context.WithDeadline(parent, time.Now().Add(10*time.Minute))
	defer cancel()
	for {
		if err := ctx.Err(); err != nil {
			return
		}
		s.waitOnce(ctx) // shift
	}
}

// Goes on past the deadline while renewed.
func (s *session) sticky(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, 4*time.Minute)
	defer cancel()
	for ctx.Err() == nil || s.renewed() {
		s.waitOnce(ctx) // sticky
	}
}

// A context with no deadline: a poller for as long as its owner lives.
func (s *session) follow(ctx context.Context) {
	for ctx.Err() == nil {
		s.waitOnce(ctx) // follow
	}
}

// A deadline made at each turn does not end the loop.
func (s *session) rounds(parent context.Context) {
	for {
		ctx, cancel := context.WithTimeout(parent, time.Minute)
		for ctx.Err() == nil {
			s.waitOnce(ctx) // rounds
		}
		cancel()
	}
}

// HTTP requests: with a deadline, with a client's timeout, with neither.
func (s *session) board(parent context.Context) {
	ctx, cancel := context.WithDeadline(parent, time.Now().Add(2*time.Minute))
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/wait", nil)
	resp, err := s.tr.RoundTrip(req) // board
	if err == nil {
		resp.Body.Close()
	}
}

func (s *session) fetch(ctx context.Context) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/x", nil)
	resp, err := s.hc.Do(req) // fetch
	if err == nil {
		resp.Body.Close()
	}
}

func (s *session) hang(ctx context.Context) {
	resp, err := http.Get("http://127.0.0.1:1/slow") // hang
	if err == nil {
		resp.Body.Close()
	}
}

// A helper's own timer: other timers named t are stopped elsewhere.
func (s *session) napFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select { // napFor
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *session) doze(ctx context.Context) {
	s.napFor(ctx, 40*time.Second) // doze
}

func (s *session) stopAll(t *time.Timer) {
	t.Stop()
}

// The session's timer, stopped by the case that ends the wait first.
func (s *session) expire(life *time.Timer) {
	select { // expire
	case <-s.done:
		life.Stop()
	case <-life.C:
	}
}

// Timers reached through a type or a helper.
type deadline struct{ timer *time.Timer }

func newDeadline(d time.Duration) *deadline { return &deadline{timer: time.NewTimer(d)} }

func (d *deadline) C() <-chan time.Time { return d.timer.C }

func (s *session) parked() {
	dl := newDeadline(45 * time.Second)
	select { // parked
	case v := <-s.in:
		_ = v
	case <-dl.C():
	}
}

func after(d time.Duration) <-chan time.Time {
	return time.After(d)
}

func (s *session) linger() {
	select { // linger
	case <-s.in:
	case <-after(2 * time.Minute):
	}
}

func expiresIn(d time.Duration) <-chan time.Time {
	t := time.NewTimer(d)
	return t.C
}

func (s *session) hold() {
	select { // hold
	case <-s.in:
	case <-expiresIn(80 * time.Second):
	}
}

// A helper that hands out a plain channel, and a timer that is stopped
// and swapped for another one: no timer ends these waits.
type inbox struct{ ch chan string }

func (q *inbox) Next() <-chan string { return q.ch }

func (s *session) drain(q *inbox) {
	select { // drain
	case <-s.done:
	case <-q.Next():
	}
}

type retryTimer struct{ t *time.Timer }

func newRetryTimer(d time.Duration) *retryTimer { return &retryTimer{t: time.NewTimer(d)} }

func (r *retryTimer) Due() <-chan time.Time { return r.t.C }

func (r *retryTimer) Postpone(d time.Duration) {
	r.t.Stop()
	r.t = time.NewTimer(d)
}

func (s *session) backoff(r *retryTimer) {
	select { // backoff
	case <-s.done:
	case <-r.Due():
	}
}

// The session's own timer t: another type stops a field t of its own.
func (s *session) cooldown() {
	s.t = time.NewTimer(70 * time.Second)
	select { // cooldown
	case <-s.done:
	case <-s.t.C:
	}
}

// The session's timer u, which another type's method stops.
func (s *session) penalty() {
	s.u = time.NewTimer(70 * time.Second)
	select { // penalty
	case <-s.done:
	case <-s.u.C:
	}
}

func (r *retryTimer) steal(s *session) {
	s.u.Stop()
}

// A timer stopped by a method of its type: called only on the way out,
// or called to cancel.
type ticket struct{ ttl *time.Timer }

func newTicket(d time.Duration) *ticket { return &ticket{ttl: time.NewTimer(d)} }

func (t *ticket) Expired() <-chan time.Time { return t.ttl.C }

func (t *ticket) release() { t.ttl.Stop() }

func (s *session) queue() {
	tk := newTicket(50 * time.Second)
	defer tk.release()
	select { // queue
	case <-s.in:
	case <-tk.Expired():
	}
}

type hold struct{ grace *time.Timer }

func (h *hold) Grace() <-chan time.Time { return h.grace.C }

func (h *hold) cancel() {
	h.grace.Stop()
}

func (s *session) onHold(h *hold) {
	select { // onHold
	case <-s.done:
	case <-h.Grace():
	}
}

func (s *session) revoke(h *hold) {
	h.cancel()
}

// Long polls, each request under a deadline, that a loop repeats: with a
// way out, and without one.
func (s *session) longPoll(ctx context.Context) {
	for {
		rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		req, _ := http.NewRequestWithContext(rctx, "GET", "http://127.0.0.1:1/poll", nil)
		resp, err := http.DefaultClient.Do(req) // longPoll
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		resp.Body.Close()
	}
}

func (s *session) spin(ctx context.Context) {
	for {
		rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		req, _ := http.NewRequestWithContext(rctx, "GET", "http://127.0.0.1:1/poll", nil)
		resp, err := http.DefaultClient.Do(req) // spin
		cancel()
		if err == nil {
			resp.Body.Close()
		}
	}
}

// Loops that sleep between rounds, with a way out and without one.
func (s *session) pause(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C // pause
}

func (s *session) drip(ctx context.Context) {
	for ctx.Err() == nil {
		s.pause(2 * time.Minute) // drip
	}
}

func (s *session) tick(ctx context.Context) {
	for {
		if ctx.Err() != nil {
			return
		}
		time.Sleep(15 * time.Second) // tick
	}
}

func (s *session) grind() {
	for {
		time.Sleep(10 * time.Second) // grind
		_ = s.every
	}
}

func newSession() *session {
	return &session{
		tr: &http.Transport{},
		hc: &http.Client{
			Transport: &http.Transport{IdleConnTimeout: time.Minute},
			Timeout:   30 * time.Second,
		},
	}
}

func main() {
	s := newSession()
	ctx := context.Background()
	go s.lurk(ctx)
	go s.poll(ctx)
	go s.watch(ctx)
	go s.serve(ctx)
	go s.pump(ctx)
	go s.ring(ctx)
	go s.lost(ctx)
	go s.long(ctx)
	go s.supervise()
	go s.beat(ctx)
	go s.handle(ctx)
	go s.forever(ctx)
	go s.nap()
	go s.loop(ctx)
	go s.visit(ctx)
	go s.shift(ctx)
	go s.sticky(ctx)
	go s.follow(ctx)
	go s.rounds(ctx)
	go s.board(ctx)
	go s.fetch(ctx)
	go s.hang(ctx)
	go s.doze(ctx)
	go s.expire(s.alarm)
	go s.parked()
	go s.linger()
	go s.hold()
	go s.drain(&inbox{})
	go s.backoff(newRetryTimer(time.Minute))
	go s.cooldown()
	go s.penalty()
	go s.queue()
	go s.longPoll(ctx)
	go s.spin(ctx)
	go s.drip(ctx)
	go s.tick(ctx)
	go s.grind()
	go s.onHold(&hold{grace: time.NewTimer(time.Minute)})
}
"#;

/// The line of the source that holds `marker`.
fn line_of(marker: &str) -> u32 {
    written::line_in(SOURCE, marker)
}

/// Three debug=2 dumps of one group in `function` (state `state`, blocked
/// at the line marked `// function`, or in `inner` called from there): 10
/// goroutines that stay from the first dump, with waits that grow to
/// `minutes` by the last, joined by 15 and then 20 more that stay.
fn dumps(function: &str, inner: Option<&str>, state: &str, minutes: u32) -> Vec<String> {
    dumps_under(function, inner, "", state, minutes)
}

/// The frames of a goroutine blocked in an HTTP request, above the
/// program's call (as Go 1.27 writes them).
const HTTP_FRAMES: &str = "net/http.(*persistConn).roundTrip(0xc000200000, 0xc000201000)\n\tnet/http/transport.go:3092 +0x84b\nnet/http.(*Transport).roundTrip(0xc000202000, 0xc000203000)\n\tnet/http/transport.go:725 +0xada\nnet/http.(*Transport).RoundTrip(...)\n\tnet/http/roundtrip.go:33\n";

/// As [`dumps`], with `library` (frames of the standard library) on top.
fn dumps_under(
    function: &str,
    inner: Option<&str>,
    library: &str,
    state: &str,
    minutes: u32,
) -> Vec<String> {
    let go_line = line_of(&format!("go s.{function}("));
    let mut out = Vec::new();
    for k in 0..3u32 {
        let mut s =
            String::from("goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x1d\n\n");
        let groups: &[(u64, u64)] = &[(100, 10), (200, 15), (300, 20)];
        for (g, &(first, count)) in groups.iter().enumerate().take(k as usize + 1) {
            // The first goroutines' waits grow with the snapshots.
            let wait = if g == 0 { minutes * k / 2 } else { 0 };
            let state = if wait > 0 {
                format!("{state}, {wait} minutes")
            } else {
                state.to_string()
            };
            for id in first..first + count {
                let _ = writeln!(s, "goroutine {id} [{state}]:");
                s.push_str(library);
                if let Some(inner) = inner {
                    let _ = write!(
                        s,
                        "main.(*session).{inner}(0xc000010000, {{0x5f1e20, 0xc000012000}})\n\t/src/app/main.go:{} +0x2b\n",
                        line_of(&format!("// {inner}"))
                    );
                }
                let _ = write!(
                    s,
                    "main.(*session).{function}(0xc000010000, {{0x5f1e20, 0xc000012000}})\n\t/src/app/main.go:{} +0x2b\ncreated by main.main in goroutine 1\n\t/src/app/main.go:{go_line} +0x4c\n\n",
                    line_of(&format!("// {function}"))
                );
            }
        }
        out.push(s);
    }
    out
}

fn analyze(texts: &[String], source: bool) -> Vec<Finding> {
    analyze_written_source(texts, "debug2.txt", source.then_some(SOURCE)).findings
}

/// The finding whose stack holds `function`.
fn finding(found: &[Finding], function: &str) -> Finding {
    let name = format!("main.(*session).{function}");
    found
        .iter()
        .find(|f| f.frames.iter().any(|fr| fr.function == name))
        .unwrap_or_else(|| panic!("no finding in {function}: {found:#?}"))
        .clone()
}

/// Checks that the group in `function` is medium or more without the
/// source and `low` with it, decided by what ends its wait (`ends`).
fn assert_bounded(texts: &[String], function: &str, ends: &str) -> Finding {
    let without = finding(&analyze(texts, false), function);
    assert!(
        without.severity >= Severity::Medium,
        "{function} without the source: {without:#?}"
    );
    let with = finding(&analyze(texts, true), function);
    assert_eq!(with.severity, Severity::Low, "{function}: {with:#?}");
    assert!(with.confidence <= 0.3, "{function}: {}", with.confidence);
    assert!(
        with.decided_by.starts_with("source: ") && with.decided_by.contains(ends),
        "{function}: {}",
        with.decided_by
    );
    // Said once, and what decided before is kept.
    assert_eq!(
        with.evidence
            .iter()
            .filter(|e| e.contains("a wait with a deadline"))
            .count(),
        1,
        "{function}: {:#?}",
        with.evidence
    );
    assert!(
        with.evidence
            .iter()
            .any(|e| e.starts_with("before the source: ")),
        "{function}: {:#?}",
        with.evidence
    );
    with
}

#[test]
fn waits_a_timer_or_a_deadline_ends_are_not_leaks() {
    for (function, inner, state, ends) in [
        ("lurk", None, "select", "the timer life at main.go:"),
        ("poll", None, "select", "the time.After at main.go:"),
        (
            "watch",
            None,
            "select",
            "the deadline of ctx (context.WithTimeout at main.go:",
        ),
        ("serve", None, "select", "the timer life at main.go:"),
        ("nap", None, "sleep", "time.Sleep at main.go:"),
        // The context a caller made with a deadline and passed down.
        (
            "handle",
            Some("await"),
            "select",
            "the deadline of ctx (context.WithTimeout at main.go:",
        ),
        // A loop that repeats the wait, under a deadline made before it.
        (
            "visit",
            Some("waitOnce"),
            "select",
            "ends once the deadline of ctx (context.WithTimeout at main.go:",
        ),
        (
            "shift",
            Some("waitOnce"),
            "select",
            "ends once the deadline of ctx (context.WithDeadline at main.go:",
        ),
        // A function's own timer, whatever other timers of that name the
        // package stops.
        ("doze", Some("napFor"), "select", "the timer t at main.go:"),
        // A timer stopped in a case of the select that runs once: after
        // the wait.
        ("expire", None, "select", "the timer life at main.go:"),
        // Timers that a type's method or a helper returns.
        (
            "parked",
            None,
            "select",
            "the timer that C() returns (at main.go:",
        ),
        (
            "linger",
            None,
            "select",
            "the timer that after() returns (at main.go:",
        ),
        (
            "hold",
            None,
            "select",
            "the timer that expiresIn() returns (at main.go:",
        ),
        // A field of the session, whatever another type does with a
        // field of its own of that name.
        ("cooldown", None, "select", "the timer t at main.go:"),
        // Stopped by a method of its type that runs only on the way out.
        (
            "queue",
            None,
            "select",
            "the timer that Expired() returns (at main.go:",
        ),
    ] {
        assert_bounded(&dumps(function, inner, state, 2), function, ends);
    }
    // The loop that repeats the wait returns when the timer fires.
    let serve = finding(&analyze(&dumps("serve", None, "select", 2), true), "serve");
    assert!(
        serve
            .decided_by
            .contains("is repeated by the loop at main.go:"),
        "{}",
        serve.decided_by
    );
    // HTTP requests with a deadline of their context or their client's
    // timeout: the library's signature (a client without a timeout) does
    // not hold.
    let board = assert_bounded(
        &dumps_under("board", None, HTTP_FRAMES, "select", 2),
        "board",
        "the deadline of ctx (context.WithDeadline at main.go:",
    );
    assert!(board
        .decided_by
        .contains("the HTTP request sent at main.go:"));
    assert_bounded(
        &dumps_under("fetch", None, HTTP_FRAMES, "select", 1),
        "fetch",
        "the Timeout of the client s.hc (every session gets its hc from an http.Client with one) (after 30s)",
    );
}

#[test]
fn waits_no_timer_ends_for_good_stay_findings() {
    for (function, inner, library, state, why) in [
        // A timer stopped elsewhere never fires.
        ("ring", None, "", "select", "stopped elsewhere"),
        // An hour outlasts any series of snapshots; its cancel is dropped.
        ("lost", None, "", "select", "an hour, cancel dropped"),
        ("long", None, "", "select", "two hours"),
        // A timer the loop re-arms, stopped on another path.
        (
            "supervise",
            None,
            "",
            "select",
            "stopped elsewhere, reset in the loop",
        ),
        // The caller passes a context without a deadline.
        (
            "forever",
            Some("await"),
            "",
            "select",
            "no deadline up the stack",
        ),
        // http.Get: the default client has no timeout.
        ("hang", None, HTTP_FRAMES, "select", "no client timeout"),
        // A helper's channel that no timer feeds, and a helper's timer that
        // another method stops.
        ("drain", None, "", "select", "a plain channel"),
        ("backoff", None, "", "select", "a timer stopped by Postpone"),
        (
            "penalty",
            None,
            "",
            "select",
            "stopped by another type's method",
        ),
    ] {
        let texts = dumps_under(function, inner, library, state, 2);
        let without = finding(&analyze(&texts, false), function);
        let with = finding(&analyze(&texts, true), function);
        assert!(
            with.severity >= Severity::Medium && with.severity == without.severity,
            "{function} ({why}): {with:#?}"
        );
        assert!(
            !with.decided_by.contains("a wait with a deadline")
                && !with.decided_by.contains("wakes by itself"),
            "{function} ({why}): {}",
            with.decided_by
        );
    }
    // Goroutines that waited longer than the timer the source states: the
    // code read is not what runs.
    let texts = dumps("nap", None, "sleep", 4);
    let nap = finding(&analyze(&texts, true), "nap");
    assert!(nap.severity >= Severity::Medium, "{nap:#?}");
    assert!(
        nap.evidence
            .iter()
            .any(|e| e.contains("longer than the 90s the source gives the wait")),
        "{:#?}",
        nap.evidence
    );
}

/// Loops a timer wakes at each turn, with a way out, that nothing bounds
/// as a whole: their goroutines live long, as pollers and heartbeats of a
/// roster do and as loops nobody stops do. The survivors there are no
/// proof of a leak: `medium` at most, 0.5, and the finding says so; `low`,
/// 0.3, where every loop that repeats the wait reads a cancellation (a
/// done-like channel, `ctx.Done()`, `ctx.Err()`): its owner ends it, as a
/// roster's members are ended. A loop that nothing cancels around the
/// wait (`for { s.waitOnce(ctx) }`) stays `medium`.
#[test]
fn loops_that_wake_by_themselves_are_long_lived_not_proven_leaks() {
    for (function, inner, why, cancelled) in [
        // Woken by a time.After at every turn, leaves on ctx.Done().
        ("pump", None, "re-armed at each turn", true),
        // A ticker's case that returns only on a condition: a heartbeat.
        ("beat", None, "returns on a condition only", true),
        // A wait bounded in its function but repeated by its caller's
        // loop, which nothing cancels.
        ("loop", Some("waitOnce"), "repeated by the caller", false),
        // Loops that a deadline does not end.
        (
            "follow",
            Some("waitOnce"),
            "a context with no deadline",
            true,
        ),
        (
            "sticky",
            Some("waitOnce"),
            "goes on past the deadline",
            true,
        ),
        // The inner loop reads its round's context; the outer one, nothing.
        (
            "rounds",
            Some("waitOnce"),
            "a deadline made at each turn",
            false,
        ),
    ] {
        let texts = dumps(function, inner, "select", 2);
        let without = finding(&analyze(&texts, false), function);
        assert!(
            without.severity > Severity::Medium,
            "{function} ({why}) without the source: {without:#?}"
        );
        let with = finding(&analyze(&texts, true), function);
        assert_eq!(
            with.decided_by
                .contains("every loop that repeats it reads a cancellation"),
            cancelled,
            "{function} ({why}): {}",
            with.decided_by
        );
        if cancelled {
            assert_eq!(with.severity, Severity::Low, "{function} ({why})");
            assert!(with.confidence <= 0.3, "{function} ({why})");
        } else {
            assert_eq!(with.severity, Severity::Medium, "{function} ({why})");
            assert!(with.confidence <= 0.5, "{function} ({why})");
        }
        assert!(
            with.decided_by.contains("wakes by itself")
                && with.decided_by.contains("its way out is `case <-"),
            "{function} ({why}): {}",
            with.decided_by
        );
        assert!(
            !with.decided_by.contains("a wait with a deadline"),
            "{function} ({why}): {}",
            with.decided_by
        );
    }
    // A long poll whose every request has a deadline, repeated by a loop
    // with a way out; the same loop with none stays.
    let texts = dumps_under("longPoll", None, HTTP_FRAMES, "select", 1);
    let without = finding(&analyze(&texts, false), "longPoll");
    // Its wait grew by one minute: without the source, a timer the dump
    // does not show may end it (tests/timer_unseen.rs).
    assert_eq!(without.severity, Severity::Medium, "{without:#?}");
    assert!(
        without
            .evidence
            .iter()
            .any(|e| e.contains("may wait on a timer the dump does not show")),
        "{without:#?}"
    );
    let with = finding(&analyze(&texts, true), "longPoll");
    // Its loop returns once ctx.Err() says the owner cancelled.
    assert_eq!(with.severity, Severity::Low, "{with:#?}");
    assert!(with.confidence <= 0.3);
    assert!(
        with.decided_by
            .starts_with("source: the HTTP request sent at main.go:")
            && with
                .decided_by
                .contains("is repeated by the loop at main.go:")
            && with.decided_by.contains("(after 90s)"),
        "{}",
        with.decided_by
    );
    let texts = dumps_under("spin", None, HTTP_FRAMES, "select", 1);
    let spin = finding(&analyze(&texts, true), "spin");
    assert!(spin.severity > Severity::Medium, "{spin:#?}");
    assert!(!spin.decided_by.contains("repeated by the loop"));
    // Single waits on a timer that a loop with a way out repeats.
    for (function, inner, state, minutes) in [
        ("drip", Some("pause"), "chan receive", 1),
        ("tick", None, "sleep", 0),
    ] {
        let texts = dumps(function, inner, state, minutes);
        let without = finding(&analyze(&texts, false), function);
        assert!(
            without.severity >= Severity::Medium,
            "{function}: {without:#?}"
        );
        let with = finding(&analyze(&texts, true), function);
        // Both loops read ctx.Err().
        assert_eq!(with.severity, Severity::Low, "{function}: {with:#?}");
        assert!(with.confidence <= 0.3, "{function}");
        assert!(
            with.decided_by
                .contains("which has a way out, and wakes by itself when")
                && with.decided_by.contains("sleep between rounds"),
            "{function}: {}",
            with.decided_by
        );
    }
    let texts = dumps("grind", None, "sleep", 0);
    let grind = finding(&analyze(&texts, true), "grind");
    assert!(!grind.decided_by.contains("wakes by itself"), "{grind:#?}");
    // Waits longer than the timer that should wake the loop: it does not.
    let texts = dumps("loop", Some("waitOnce"), "select", 4);
    let stuck = finding(&analyze(&texts, true), "loop");
    assert!(stuck.severity > Severity::Medium, "{stuck:#?}");
    assert!(
        stuck
            .evidence
            .iter()
            .any(|e| e.contains("longer than the 1m of the timer that wakes the loop")),
        "{:#?}",
        stuck.evidence
    );
}
