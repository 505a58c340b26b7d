package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// Line is one raw log line read from a source.
type Line struct {
	Source string
	Offset int64
	Text   string
}

// Fleet models the set of hosts currently emitting logs. The window of live
// host ids drifts forward as instances are replaced, and jumps on deploys.
type Fleet struct {
	base int64 // atomic
	size int
}

func NewFleet() *Fleet { return &Fleet{base: 1000, size: 24} }

func (f *Fleet) Host() string {
	id := atomic.LoadInt64(&f.base) + int64(rand.Intn(f.size))
	return fmt.Sprintf("ip-10-4-%d-%d", id/250, id%250)
}

func (f *Fleet) run(ctx context.Context) {
	churn := time.NewTicker(3 * time.Second)
	defer churn.Stop()
	nextDeploy := time.Now().Add(time.Duration(25+rand.Intn(30)) * time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-churn.C:
			atomic.AddInt64(&f.base, 1)
			if now.After(nextDeploy) {
				// rolling deploy replaces a good part of the fleet
				atomic.AddInt64(&f.base, int64(8+rand.Intn(10)))
				nextDeploy = now.Add(time.Duration(25+rand.Intn(30)) * time.Second)
			}
		}
	}
}

var (
	services = []string{"checkout", "cart", "search", "auth", "catalog", "payments"}
	routes   = []string{"/api/cart", "/api/items", "/api/login", "/api/pay", "/healthz", "/api/search"}
	levels   = []string{"info", "info", "info", "info", "debug", "warn", "error"}
	messages = []string{"request served", "cache refreshed", "upstream slow", "retrying call", "token expired"}
)

// Source is one tailed log file.
type Source struct {
	name   string
	rate   int
	offset int64 // atomic
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *Source) run(ctx context.Context, out chan<- Line, fleet *Fleet, stats *Stats) {
	defer close(s.done)
	t := time.NewTicker(time.Second / time.Duration(s.rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		text := s.synthesize(fleet)
		off := atomic.AddInt64(&s.offset, int64(len(text)+1))
		select {
		case out <- Line{Source: s.name, Offset: off, Text: text}:
			atomic.AddInt64(&stats.linesRead, 1)
		case <-ctx.Done():
			return
		}
	}
}

func (s *Source) synthesize(fleet *Fleet) string {
	ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	status := 200
	switch n := rand.Intn(100); {
	case n < 3:
		status = 500
	case n < 8:
		status = 404
	}
	line := fmt.Sprintf(`ts=%s level=%s host=%s svc=%s route=%s status=%d dur_ms=%d msg="%s"`,
		ts, levels[rand.Intn(len(levels))], fleet.Host(), services[rand.Intn(len(services))],
		routes[rand.Intn(len(routes))], status, 1+rand.Intn(400), messages[rand.Intn(len(messages))])
	if rand.Intn(200) == 0 {
		// truncated write from a crashing process
		line = line[:len(line)/2]
	}
	return line
}

// SourceManager owns the set of running sources.
type SourceManager struct {
	mu      sync.Mutex
	sources map[string]*Source
	out     chan<- Line
	fleet   *Fleet
	stats   *Stats
	logger  *log.Logger
}

func NewSourceManager(out chan<- Line, fleet *Fleet, stats *Stats, logger *log.Logger) *SourceManager {
	return &SourceManager{sources: make(map[string]*Source), out: out, fleet: fleet, stats: stats, logger: logger}
}

func (m *SourceManager) Add(ctx context.Context, name string, rate int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sources[name]; ok {
		return
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Source{name: name, rate: rate, cancel: cancel, done: make(chan struct{})}
	m.sources[name] = s
	go s.run(sctx, m.out, m.fleet, m.stats)
}

func (m *SourceManager) Remove(name string) {
	m.mu.Lock()
	s, ok := m.sources[name]
	delete(m.sources, name)
	m.mu.Unlock()
	if !ok {
		return
	}
	s.cancel()
	<-s.done
}

func (m *SourceManager) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.sources))
	for n := range m.sources {
		out = append(out, n)
	}
	return out
}

// run adds sources as they are discovered and rotates one every so often,
// the way a tailer reopens a file after logrotate.
func (m *SourceManager) run(ctx context.Context) {
	plan := []struct {
		after time.Duration
		name  string
		rate  int
	}{
		{0, "/var/log/app/checkout.log", 25},
		{0, "/var/log/app/search.log", 20},
		{8 * time.Second, "/var/log/app/auth.log", 15},
		{22 * time.Second, "/var/log/app/payments.log", 20},
		{41 * time.Second, "/var/log/app/catalog.log", 12},
		{70 * time.Second, "/var/log/nginx/access.log", 30},
	}
	start := time.Now()
	rotate := time.NewTicker(13 * time.Second)
	defer rotate.Stop()
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	next := 0
	for {
		for next < len(plan) && time.Since(start) >= plan[next].after {
			p := plan[next]
			m.logger.Printf("discovered source %s", p.name)
			m.Add(ctx, p.name, p.rate)
			next++
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-rotate.C:
			names := m.names()
			if len(names) == 0 {
				continue
			}
			name := names[rand.Intn(len(names))]
			rate := 0
			for _, p := range plan {
				if p.name == name {
					rate = p.rate
				}
			}
			m.Remove(name)
			time.Sleep(time.Duration(100+rand.Intn(400)) * time.Millisecond)
			m.Add(ctx, name, rate)
		}
	}
}
