package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type delivery struct {
	ID       string          `json:"id"`
	Endpoint string          `json:"endpoint"`
	Event    string          `json:"event"`
	Body     json.RawMessage `json:"body"`
	Attempt  int             `json:"attempt"`
	Created  time.Time       `json:"created"`
}

// pending is a delivery parked until its due time.
type pending struct {
	d      *delivery
	due    time.Time
	cancel chan struct{}
}

type scheduler struct {
	ctx     context.Context
	hc      *http.Client
	secret  []byte
	targets map[string]*target

	mu      sync.Mutex
	pending map[string]*pending

	ready chan *delivery

	minWorkers, maxWorkers int
	workers                int32
	idleTimeout            time.Duration

	dlqMu sync.Mutex
	dlq   []*delivery

	leases *leaseTable

	seq                                                  int64
	scheduled, cancelled, delivered, retries, dead, shed int64
}

type target struct {
	ep      *endpoint
	breaker *breaker
}

func newScheduler(ctx context.Context, hc *http.Client, eps []*endpoint) *scheduler {
	s := &scheduler{
		ctx:         ctx,
		hc:          hc,
		secret:      []byte("whsec_7f3a9c"),
		targets:     make(map[string]*target),
		pending:     make(map[string]*pending),
		ready:       make(chan *delivery, 512),
		minWorkers:  2,
		maxWorkers:  24,
		idleTimeout: 6 * time.Second,
		leases:      newLeaseTable(),
	}
	for _, ep := range eps {
		s.targets[ep.name] = &target{ep: ep, breaker: newBreaker(4, 4*time.Second)}
	}
	return s
}

// Schedule parks d until due. Each parked delivery waits on its own timer so
// it can be cancelled or rescheduled individually.
func (s *scheduler) Schedule(d *delivery, due time.Time) {
	if d.ID == "" {
		d.ID = fmt.Sprintf("whd_%07d", atomic.AddInt64(&s.seq, 1))
	}
	p := &pending{d: d, due: due, cancel: make(chan struct{})}
	s.mu.Lock()
	if old := s.pending[d.ID]; old != nil {
		close(old.cancel) // rescheduled
	}
	s.pending[d.ID] = p
	s.mu.Unlock()
	atomic.AddInt64(&s.scheduled, 1)
	go s.park(p)
}

func (s *scheduler) park(p *pending) {
	t := time.NewTimer(time.Until(p.due))
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.cancel:
		return
	case <-s.ctx.Done():
		return
	}
	s.mu.Lock()
	if s.pending[p.d.ID] != p {
		s.mu.Unlock()
		return
	}
	delete(s.pending, p.d.ID)
	s.mu.Unlock()
	select {
	case s.ready <- p.d:
	case <-s.ctx.Done():
	}
}

// Cancel drops a parked delivery. It reports whether there was one.
func (s *scheduler) Cancel(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[id]
	if p == nil {
		return false
	}
	delete(s.pending, id)
	close(p.cancel)
	atomic.AddInt64(&s.cancelled, 1)
	return true
}

// Snooze moves a parked delivery to a new due time.
func (s *scheduler) Snooze(id string, by time.Duration) bool {
	s.mu.Lock()
	p := s.pending[id]
	s.mu.Unlock()
	if p == nil {
		return false
	}
	s.Schedule(p.d, p.due.Add(by))
	return true
}

func (s *scheduler) parked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// pickParked returns a random parked delivery id (for the simulated users
// who cancel or snooze things).
func (s *scheduler) pickParked() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.pending {
		return id
	}
	return ""
}

// ---- dispatch pool ---------------------------------------------------------

func (s *scheduler) startWorkers() {
	for i := 0; i < s.minWorkers; i++ {
		atomic.AddInt32(&s.workers, 1)
		go s.worker(true)
	}
	go s.scale()
}

func (s *scheduler) scale() {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		n := atomic.LoadInt32(&s.workers)
		if backlog := len(s.ready); backlog > 4 && int(n) < s.maxWorkers {
			atomic.AddInt32(&s.workers, 1)
			go s.worker(false)
		}
	}
}

func (s *scheduler) worker(core bool) {
	defer atomic.AddInt32(&s.workers, -1)
	idle := time.NewTimer(s.idleTimeout)
	defer idle.Stop()
	for {
		select {
		case d := <-s.ready:
			s.deliver(d)
			if !idle.Stop() {
				select {
				case <-idle.C:
				default:
				}
			}
			idle.Reset(s.idleTimeout)
		case <-idle.C:
			if !core && len(s.ready) == 0 {
				return
			}
			idle.Reset(s.idleTimeout)
		case <-s.ctx.Done():
			return
		}
	}
}

var errBreakerOpen = errors.New("circuit open")

func (s *scheduler) deliver(d *delivery) {
	tg := s.targets[d.Endpoint]
	if tg == nil {
		return
	}
	if !tg.breaker.Allow() {
		// endpoint is failing: park again until the breaker may let a probe
		// through; this does not count as an attempt
		s.Schedule(d, time.Now().Add(tg.breaker.cooldown+time.Duration(rand.Intn(2000))*time.Millisecond))
		return
	}
	d.Attempt++

	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	s.leases.hold(ctx, d.ID)
	err := s.post(ctx, tg, d)
	tg.breaker.Record(err == nil)
	if err == nil {
		atomic.AddInt64(&s.delivered, 1)
		return
	}
	if d.Attempt >= 6 {
		atomic.AddInt64(&s.dead, 1)
		s.dlqMu.Lock()
		if len(s.dlq) < 5000 {
			s.dlq = append(s.dlq, d)
		}
		s.dlqMu.Unlock()
		return
	}
	atomic.AddInt64(&s.retries, 1)
	s.Schedule(d, time.Now().Add(retryBackoff(d.Attempt)))
}

// retryBackoff: 1s, 2s, 4s ... capped at 60s, +/- 25% jitter.
func retryBackoff(attempt int) time.Duration {
	d := time.Second << uint(attempt-1)
	if d > time.Minute {
		d = time.Minute
	}
	j := time.Duration(rand.Int63n(int64(d/2))) - d/4
	return d + j
}

func (s *scheduler) sign(body []byte) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (s *scheduler) post(ctx context.Context, tg *target, d *delivery) error {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tg.ep.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", s.sign(body))
	req.Header.Set("X-Delivery", d.ID)
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", tg.ep.name, resp.Status)
	}
	return nil
}

// redrive replays dead deliveries whose endpoint looks healthy again, a
// bounded number per round, spread over a few seconds.
func (s *scheduler) redrive(every time.Duration, perRound int) {
	for range time.Tick(every) {
		s.dlqMu.Lock()
		var again, keep []*delivery
		for _, d := range s.dlq {
			tg := s.targets[d.Endpoint]
			if len(again) < perRound && tg != nil && tg.breaker.State() == stateClosed {
				again = append(again, d)
			} else {
				keep = append(keep, d)
			}
		}
		s.dlq = keep
		s.dlqMu.Unlock()
		now := time.Now()
		for _, d := range again {
			d.Attempt = 3 // three more tries
			s.Schedule(d, now.Add(time.Duration(rand.Intn(5000))*time.Millisecond))
		}
	}
}

// ---- leases ------------------------------------------------------------------

// leaseTable records which deliveries are in flight so that another
// dispatcher instance would not pick them up; each lease is renewed by a
// heartbeat goroutine until the holder's context ends.
type leaseTable struct {
	mu     sync.Mutex
	leases map[string]time.Time
	renews int64
}

func newLeaseTable() *leaseTable { return &leaseTable{leases: make(map[string]time.Time)} }

const leaseTTL = 300 * time.Millisecond

func (l *leaseTable) hold(ctx context.Context, id string) {
	l.mu.Lock()
	l.leases[id] = time.Now().Add(leaseTTL)
	l.mu.Unlock()
	go func() {
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				l.mu.Lock()
				delete(l.leases, id)
				l.mu.Unlock()
				return
			case now := <-t.C:
				atomic.AddInt64(&l.renews, 1)
				l.mu.Lock()
				l.leases[id] = now.Add(leaseTTL)
				l.mu.Unlock()
			}
		}
	}()
}

func (l *leaseTable) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.leases)
}
