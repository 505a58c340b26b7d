package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var errRetryLater = errors.New("server asked to retry later")

// fleet plays the clients of the config service: sidecars that hold a
// long-poll on their service's config, feature-flag watchers, and rollout
// followers. It starts with a few and adds one every couple of seconds;
// some clients are short-lived (jobs, canaries) and leave after a while.
type fleet struct {
	base     string
	services []string
	client   *http.Client // no client timeout: every request carries its own deadline
	start    time.Time
	maxSize  int64

	mu  sync.Mutex
	rnd *rand.Rand

	active, joined, left int64
	changes, timeouts    int64
	retries              int64
	wg                   sync.WaitGroup
}

func newFleet(base string, services []string, tr *http.Transport) *fleet {
	return &fleet{
		base:     base,
		services: services,
		client:   &http.Client{Transport: tr},
		start:    time.Now(),
		maxSize:  72,
		rnd:      rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x5eed)),
	}
}

func (f *fleet) intn(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rnd.Intn(n)
}

func (f *fleet) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(f.intn(int((hi-lo)/time.Millisecond)+1))*time.Millisecond
}

func (f *fleet) run(ctx context.Context) {
	for i := 0; i < 8; i++ {
		f.spawn(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			f.wg.Wait()
			return
		case <-time.After(f.between(1600*time.Millisecond, 2600*time.Millisecond)):
		}
		if atomic.LoadInt64(&f.active) < f.maxSize {
			f.spawn(ctx)
		}
	}
}

// spawn starts one client. Short-lived clients get a lifetime and leave
// when it runs out, abandoning whatever long-poll they have in flight.
func (f *fleet) spawn(parent context.Context) {
	id := atomic.AddInt64(&f.joined, 1)
	svc := f.services[f.intn(len(f.services))]

	ctx, cancel := parent, context.CancelFunc(func() {})
	if f.intn(100) < 30 {
		ctx, cancel = context.WithTimeout(parent, f.between(20*time.Second, 80*time.Second))
	}

	var run func(context.Context)
	switch n := f.intn(100); {
	case n < 58:
		waits := []time.Duration{120 * time.Second, 150 * time.Second, 180 * time.Second, 180 * time.Second}
		s := &sidecar{fleet: f, name: fmt.Sprintf("sidecar-%03d", id), key: "services/" + svc + "/config", wait: waits[f.intn(len(waits))]}
		run = s.run
	case n < 78:
		fw := &flagWatcher{fleet: f, name: fmt.Sprintf("flags-%03d", id), prefix: "flags/", wait: f.between(25*time.Second, 40*time.Second)}
		run = fw.run
	default:
		rf := &rolloutFollower{
			fleet:  f,
			name:   fmt.Sprintf("rollout-%03d", id),
			svc:    svc,
			wait:   120 * time.Second,
			client: &http.Client{Transport: f.client.Transport, Timeout: 135 * time.Second},
		}
		run = rf.run
	}

	atomic.AddInt64(&f.active, 1)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer atomic.AddInt64(&f.active, -1)
		defer cancel()
		run(ctx)
		if parent.Err() == nil {
			atomic.AddInt64(&f.left, 1)
		}
	}()
}

// watchReply is one long-poll answer.
type watchReply struct {
	changed bool
	ev      Event
	rev     int64 // store revision reported with a 204
}

func (f *fleet) watch(ctx context.Context, c *http.Client, key string, prefix bool, after int64, wait time.Duration) (watchReply, error) {
	v := url.Values{}
	v.Set("rev", strconv.FormatInt(after, 10))
	v.Set("wait", wait.String())
	if prefix {
		v.Set("prefix", "1")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/v1/watch/"+key+"?"+v.Encode(), nil)
	if err != nil {
		return watchReply{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return watchReply{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var ev Event
		if err := json.NewDecoder(resp.Body).Decode(&ev); err != nil {
			return watchReply{}, err
		}
		atomic.AddInt64(&f.changes, 1)
		return watchReply{changed: true, ev: ev, rev: ev.Rev}, nil
	case http.StatusNoContent:
		atomic.AddInt64(&f.timeouts, 1)
		rev, _ := strconv.ParseInt(resp.Header.Get("X-Revision"), 10, 64)
		return watchReply{rev: rev}, nil
	case http.StatusServiceUnavailable:
		io.Copy(io.Discard, resp.Body)
		return watchReply{}, errRetryLater
	default:
		io.Copy(io.Discard, resp.Body)
		return watchReply{}, fmt.Errorf("watch %s: %s", key, resp.Status)
	}
}

func (f *fleet) get(ctx context.Context, key string) (Event, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/v1/kv/"+key, nil)
	if err != nil {
		return Event{}, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return Event{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		io.Copy(io.Discard, resp.Body)
		rev, _ := strconv.ParseInt(resp.Header.Get("X-Revision"), 10, 64)
		return Event{Key: key, Rev: rev}, nil
	}
	var ev Event
	err = json.NewDecoder(resp.Body).Decode(&ev)
	return ev, err
}

func (f *fleet) put(ctx context.Context, key, value string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, f.base+"/v1/kv/"+key, strings.NewReader(value))
	if err != nil {
		return err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// backoff hands out retry timers; the caller decides how to wait on them.
type backoff struct {
	base, max time.Duration
	attempt   int
	rnd       *rand.Rand
}

func newBackoff(base, max time.Duration, seed int64) *backoff {
	return &backoff{base: base, max: max, rnd: rand.New(rand.NewSource(seed))}
}

func (b *backoff) next() *time.Timer {
	d := b.base << uint(b.attempt)
	if d > b.max || d <= 0 {
		d = b.max
	}
	b.attempt++
	d = d/2 + time.Duration(b.rnd.Int63n(int64(d/2)+1))
	return time.NewTimer(d)
}

func (b *backoff) reset() { b.attempt = 0 }

// sleepOn waits for a retry timer; false means the client is shutting down.
func sleepOn(ctx context.Context, t *time.Timer) bool {
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sidecar holds a long-poll on its service's config key and reloads the
// config when it changes. Service configs change rarely, so most polls
// run until the server's wait expires.
type sidecar struct {
	fleet *fleet
	name  string
	key   string
	wait  time.Duration
	rev   int64
}

func (s *sidecar) run(ctx context.Context) {
	bo := newBackoff(15*time.Second, 45*time.Second, time.Now().UnixNano())
	cur, err := s.fleet.get(ctx, s.key)
	if err != nil {
		return
	}
	s.rev = cur.Rev
	for ctx.Err() == nil {
		err := s.pollOnce(ctx)
		if err == nil {
			bo.reset()
			continue
		}
		if ctx.Err() != nil {
			return
		}
		atomic.AddInt64(&s.fleet.retries, 1)
		if !sleepOn(ctx, bo.next()) {
			return
		}
	}
}

func (s *sidecar) pollOnce(ctx context.Context) error {
	// Give the server its full wait plus slack before giving up on it.
	reqCtx, cancel := context.WithTimeout(ctx, s.wait+15*time.Second)
	defer cancel()
	r, err := s.fleet.watch(reqCtx, s.fleet.client, s.key, false, s.rev, s.wait)
	if err != nil {
		return err
	}
	if r.changed {
		s.rev = r.ev.Rev
		s.reload(ctx, r.ev)
	}
	return nil
}

func (s *sidecar) reload(ctx context.Context, ev Event) {
	// Re-render templates and signal the service; a short pause.
	t := time.NewTimer(s.fleet.between(40*time.Millisecond, 250*time.Millisecond))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// flagWatcher follows every feature flag with a prefix watch. Flags
// change every few seconds, so its polls turn over quickly.
type flagWatcher struct {
	fleet  *fleet
	name   string
	prefix string
	wait   time.Duration
	rev    int64
	flags  map[string]string
}

func (fw *flagWatcher) run(ctx context.Context) {
	fw.flags = make(map[string]string)
	bo := newBackoff(10*time.Second, 30*time.Second, time.Now().UnixNano()^7)
	for ctx.Err() == nil {
		deadline := time.Now().Add(fw.wait + 5*time.Second)
		reqCtx, cancel := context.WithDeadline(ctx, deadline)
		r, err := fw.fleet.watch(reqCtx, fw.fleet.client, fw.prefix, true, fw.rev, fw.wait)
		cancel()
		switch {
		case err == nil && r.changed:
			fw.flags[r.ev.Key] = r.ev.Value
			fw.rev = r.ev.Rev
			bo.reset()
		case err == nil:
			if r.rev > fw.rev {
				fw.rev = r.rev
			}
			bo.reset()
		case ctx.Err() != nil:
			return
		default:
			atomic.AddInt64(&fw.fleet.retries, 1)
			retry := bo.next()
			if !sleepOn(ctx, retry) {
				return
			}
		}
	}
}

// rolloutFollower waits for its service's deploy target to change. The
// poll runs in its own goroutine so the follower can keep reporting its
// status while it waits.
type rolloutFollower struct {
	fleet  *fleet
	name   string
	svc    string
	wait   time.Duration
	client *http.Client // Timeout bounds each poll
	rev    int64
	target string
}

type pollResult struct {
	r   watchReply
	err error
}

func (rf *rolloutFollower) run(ctx context.Context) {
	key := "deploy/" + rf.svc + "/target"
	cur, err := rf.fleet.get(ctx, key)
	if err != nil {
		return
	}
	rf.rev, rf.target = cur.Rev, cur.Value
	status := time.NewTicker(30 * time.Second)
	defer status.Stop()

	for ctx.Err() == nil {
		resc := make(chan pollResult, 1)
		go rf.poll(ctx, key, resc)

		var res pollResult
	wait:
		for {
			select {
			case res = <-resc:
				break wait
			case <-status.C:
				rf.reportStatus(ctx)
			}
		}
		if res.err != nil {
			if ctx.Err() != nil {
				return
			}
			atomic.AddInt64(&rf.fleet.retries, 1)
			if !sleepOn(ctx, time.NewTimer(rf.fleet.between(5*time.Second, 20*time.Second))) {
				return
			}
			continue
		}
		if res.r.changed {
			rf.rev, rf.target = res.r.ev.Rev, res.r.ev.Value
			rf.reportStatus(ctx)
		}
	}
}

func (rf *rolloutFollower) poll(ctx context.Context, key string, out chan<- pollResult) {
	r, err := rf.fleet.watch(ctx, rf.client, key, false, rf.rev, rf.wait)
	out <- pollResult{r: r, err: err}
}

func (rf *rolloutFollower) reportStatus(ctx context.Context) {
	if err := rf.fleet.put(ctx, "status/"+rf.svc+"/"+rf.name, "running "+rf.target); err != nil && ctx.Err() == nil {
		log.Printf("%s: status: %v", rf.name, err)
	}
}
