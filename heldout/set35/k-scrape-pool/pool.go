package main

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type jobConfig struct {
	name     string
	sd       string // static, catalog, watch
	interval time.Duration
	timeout  time.Duration
}

type poolStats struct {
	scrapes  atomic.Int64
	failures atomic.Int64
	started  atomic.Int64
	stopped  atomic.Int64
}

// scrapePool owns the scrape loops of one job and keeps them in line with
// the job's discovered targets.
type scrapePool struct {
	cfg    jobConfig
	client *http.Client
	store  *head
	remote *remoteQueue
	stats  *poolStats

	mu    sync.Mutex
	loops map[string]*scrapeLoop
}

// sync starts loops for new targets and stops the loops of targets that
// are gone, waiting until they have stopped (so their staleness markers
// are written before sync returns).
func (p *scrapePool) sync(ctx context.Context, targets []string) (added, removed int) {
	want := make(map[string]bool, len(targets))
	for _, t := range targets {
		want[t] = true
	}
	var gone []*scrapeLoop
	p.mu.Lock()
	for u, l := range p.loops {
		if !want[u] {
			gone = append(gone, l)
			delete(p.loops, u)
		}
	}
	for u := range want {
		if _, ok := p.loops[u]; ok {
			continue
		}
		lctx, cancel := context.WithCancel(ctx)
		l := &scrapeLoop{
			job:      p.cfg.name,
			url:      u,
			interval: p.cfg.interval,
			timeout:  p.cfg.timeout,
			client:   p.client,
			store:    p.store,
			remote:   p.remote,
			stats:    p.stats,
			cancel:   cancel,
			stopped:  make(chan struct{}),
		}
		p.loops[u] = l
		p.stats.started.Add(1)
		added++
		go l.run(lctx)
	}
	p.mu.Unlock()
	stopAll(gone)
	p.stats.stopped.Add(int64(len(gone)))
	return added, len(gone)
}

func (p *scrapePool) stop() {
	p.mu.Lock()
	var all []*scrapeLoop
	for u, l := range p.loops {
		all = append(all, l)
		delete(p.loops, u)
	}
	p.mu.Unlock()
	stopAll(all)
	p.stats.stopped.Add(int64(len(all)))
}

func (p *scrapePool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.loops)
}

func stopAll(loops []*scrapeLoop) {
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Add(1)
		go func(l *scrapeLoop) {
			defer wg.Done()
			l.stop()
		}(l)
	}
	wg.Wait()
}
