package main

import (
	"context"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// Prober keeps one monitor goroutine per registered target.
type Prober struct {
	ctx    context.Context
	board  *statusBoard
	checks map[string]checker

	maxAttempts int
	maxBackoff  time.Duration

	mu       sync.Mutex
	monitors map[string]*monitor

	attempts int64
	failures int64
}

type monitor struct {
	p      *Prober
	target Target
	check  checker
	stop   chan struct{}

	consecutiveDown int
}

func NewProber(ctx context.Context, board *statusBoard, checks map[string]checker) *Prober {
	return &Prober{
		ctx:         ctx,
		board:       board,
		checks:      checks,
		maxAttempts: 3,
		maxBackoff:  90 * time.Second,
		monitors:    make(map[string]*monitor),
	}
}

// Register starts monitoring t. Registering a name again replaces the old
// monitor.
func (p *Prober) Register(t Target) {
	m := &monitor{p: p, target: t, check: p.checks[t.Kind], stop: make(chan struct{})}
	p.mu.Lock()
	if old, ok := p.monitors[t.Name]; ok {
		close(old.stop)
	}
	p.monitors[t.Name] = m
	p.mu.Unlock()
	p.board.ensure(t.Name)
	go m.run()
}

// Deregister stops monitoring name and drops its status.
func (p *Prober) Deregister(name string) {
	p.mu.Lock()
	m, ok := p.monitors[name]
	delete(p.monitors, name)
	p.mu.Unlock()
	if ok {
		close(m.stop)
		p.board.remove(name)
	}
}

func (p *Prober) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.monitors)
}

func (m *monitor) run() {
	// spread the first rounds so a batch of registrations doesn't probe in
	// lockstep
	timer := time.NewTimer(jitter(m.target.Interval/2, 0.9))
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
		case <-m.stop:
			return
		case <-m.p.ctx.Done():
			return
		}
		err, ok := m.round()
		if !ok {
			return
		}
		m.p.board.record(m.target.Name, err)
		timer.Reset(m.nextRound(err))
	}
}

// round probes the target, retrying failed attempts with a short
// exponential back-off. ok is false when the monitor was stopped meanwhile.
func (m *monitor) round() (err error, ok bool) {
	backoff := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		atomic.AddInt64(&m.p.attempts, 1)
		err = m.check.Check(m.p.ctx, &m.target)
		if err == nil {
			return nil, true
		}
		atomic.AddInt64(&m.p.failures, 1)
		if attempt >= m.p.maxAttempts {
			return err, true
		}
		if !m.wait(jitter(backoff, 0.25)) {
			return err, false
		}
		backoff *= 2
	}
}

// wait sleeps for d unless the monitor is stopped first.
func (m *monitor) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.stop:
		return false
	case <-m.p.ctx.Done():
		return false
	}
}

// nextRound is the regular interval for healthy targets and an exponential
// back-off (capped) for targets that keep failing, so dead hosts are not
// hammered.
func (m *monitor) nextRound(err error) time.Duration {
	if err == nil {
		if m.consecutiveDown > 0 {
			log.Printf("prober: %s recovered after %d failed rounds", m.target.Name, m.consecutiveDown)
		}
		m.consecutiveDown = 0
		return jitter(m.target.Interval, 0.1)
	}
	m.consecutiveDown++
	d := m.target.Interval << uint(m.consecutiveDown)
	if d > m.p.maxBackoff || d <= 0 {
		d = m.p.maxBackoff
	}
	return jitter(d, 0.1)
}
