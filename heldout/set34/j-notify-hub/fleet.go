package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// fleet plays the hub's subscribers: apps following their user's inbox
// topic with long-polls of 60-150 s, and ops dashboards following the busy
// alerts topic. It starts with a handful and one joins every 1.5-3 s; a
// quarter of them are sessions that end after 30-120 s.
type fleet struct {
	base string
	tr   http.RoundTripper

	mu  sync.Mutex
	rnd *rand.Rand

	active, joined, left atomic.Int64
	polls, empty, events atomic.Int64
	maxSize              int64
}

func newFleet(base string, tr http.RoundTripper) *fleet {
	return &fleet{
		base:    base,
		tr:      tr,
		rnd:     rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x7a11)),
		maxSize: 90,
	}
}

func (f *fleet) intn(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rnd.Intn(n)
}

func (f *fleet) between(lo, hi time.Duration) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return lo + time.Duration(f.rnd.Int63n(int64(hi-lo)+1))
}

func (f *fleet) run(ctx context.Context) {
	for i := 0; i < 6; i++ {
		f.join(ctx)
	}
	next := time.NewTimer(f.between(1500*time.Millisecond, 3*time.Second))
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C:
		}
		if f.active.Load() < f.maxSize {
			f.join(ctx)
		}
		next.Reset(f.between(1500*time.Millisecond, 3*time.Second))
	}
}

func (f *fleet) join(parent context.Context) {
	id := f.joined.Add(1)
	ctx, cancel := parent, context.CancelFunc(func() {})
	if f.intn(100) < 25 {
		ctx, cancel = context.WithTimeout(parent, f.between(30*time.Second, 120*time.Second))
	}

	var loop func(context.Context)
	if f.intn(100) < 80 {
		wait := []time.Duration{60 * time.Second, 90 * time.Second, 120 * time.Second, 150 * time.Second}[f.intn(4)]
		app := &inboxApp{
			fleet: f,
			name:  fmt.Sprintf("app-%03d", id),
			topic: fmt.Sprintf("user/%d", 1+f.intn(1000)),
			wait:  wait,
			hc:    &http.Client{Transport: f.tr, Timeout: wait + 10*time.Second},
		}
		loop = app.run
	} else {
		dash := &opsDashboard{fleet: f, name: fmt.Sprintf("dash-%03d", id), wait: f.between(20*time.Second, 45*time.Second)}
		loop = dash.run
	}

	f.active.Add(1)
	go func() {
		defer f.active.Add(-1)
		defer cancel()
		loop(ctx)
		if parent.Err() == nil {
			f.left.Add(1)
		}
	}()
}

// poll does one long-poll. It returns the events (nil on 204) and the
// cursor to continue from.
func (f *fleet) poll(ctx context.Context, hc *http.Client, topic string, after uint64, wait time.Duration) ([]Event, uint64, error) {
	v := url.Values{"topic": {topic}, "wait": {wait.String()}}
	if after > 0 {
		v.Set("after", strconv.FormatUint(after, 10))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/v1/events?"+v.Encode(), nil)
	if err != nil {
		return nil, after, err
	}
	f.polls.Add(1)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, after, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent:
		f.empty.Add(1)
		if n, err := strconv.ParseUint(resp.Header.Get("X-Next"), 10, 64); err == nil {
			after = n
		}
		return nil, after, nil
	case http.StatusOK:
		var pr pollResponse
		if err := json.NewDecoder(resp.Body).Decode(&pr); err != nil {
			return nil, after, err
		}
		f.events.Add(int64(len(pr.Events)))
		return pr.Events, pr.Next, nil
	default:
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, after, fmt.Errorf("poll %s: %s", topic, resp.Status)
	}
}

// inboxApp follows one user's inbox. User topics are quiet, so most of its
// polls run until the hub's deadline ends them.
type inboxApp struct {
	fleet  *fleet
	name   string
	topic  string
	wait   time.Duration
	hc     *http.Client
	cursor uint64
	unread int
}

func (a *inboxApp) run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		evs, next, err := a.fleet.poll(ctx, a.hc, a.topic, a.cursor, a.wait)
		if err != nil {
			failures++
			if !sleepCtx(ctx, time.Duration(failures)*time.Second) {
				return
			}
			continue
		}
		failures = 0
		a.cursor = next
		a.unread += len(evs)
	}
}

// opsDashboard follows the alerts topic, which is busy, under a deadline
// per request rather than a client timeout.
type opsDashboard struct {
	fleet  *fleet
	name   string
	wait   time.Duration
	cursor uint64
	seen   int
}

func (d *opsDashboard) run(ctx context.Context) {
	hc := &http.Client{Transport: d.fleet.tr}
	for {
		rctx, cancel := context.WithDeadline(ctx, time.Now().Add(d.wait+5*time.Second))
		evs, next, err := d.fleet.poll(rctx, hc, "ops/alerts", d.cursor, d.wait)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !sleepCtx(ctx, 2*time.Second) {
				return
			}
			continue
		}
		d.cursor = next
		d.seen += len(evs)
		// render, then come back for more
		if !sleepCtx(ctx, 250*time.Millisecond) {
			return
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
