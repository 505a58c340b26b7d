package main

import (
	"context"
	"sync"
	"time"
)

type point struct {
	ts  int64
	val float64
}

// seriesBatch is what a batcher hands to the flusher.
type seriesBatch struct {
	series string
	points []point
}

type batcherConfig struct {
	MaxSize   int           // emit once this many points are buffered
	Linger    time.Duration // emit whatever is buffered this often
	IdleTicks int           // retire after this many empty linger ticks
}

// seriesBatcher accumulates the points of one series. One runs per live
// series; it retires itself when the series stops reporting.
type seriesBatcher struct {
	name string
	in   chan []point
	done chan struct{}
	out  chan<- *seriesBatch
	cfg  batcherConfig
	reg  *registry
}

func (b *seriesBatcher) run(ctx context.Context) {
	t := time.NewTicker(b.cfg.Linger)
	defer t.Stop()
	var cur []point
	idle := 0
	for {
		select {
		case <-ctx.Done():
			return
		case pts := <-b.in:
			idle = 0
			cur = append(cur, pts...)
			if len(cur) >= b.cfg.MaxSize {
				if !b.emit(ctx, cur) {
					return
				}
				cur = nil
			}
		case <-t.C:
			if len(cur) > 0 {
				if !b.emit(ctx, cur) {
					return
				}
				cur = nil
				continue
			}
			idle++
			if idle >= b.cfg.IdleTicks && b.reg.retire(b) {
				return
			}
		}
	}
}

func (b *seriesBatcher) emit(ctx context.Context, pts []point) bool {
	select {
	case b.out <- &seriesBatch{series: b.name, points: pts}:
		return true
	case <-ctx.Done():
		return false
	}
}

// registry maps series names to their batchers, starting a batcher the
// first time a series is seen.
type registry struct {
	ctx context.Context
	out chan<- *seriesBatch
	cfg batcherConfig

	mu      sync.Mutex
	series  map[string]*seriesBatcher
	created int
	retired int
}

func newRegistry(ctx context.Context, out chan<- *seriesBatch, cfg batcherConfig) *registry {
	return &registry{ctx: ctx, out: out, cfg: cfg, series: make(map[string]*seriesBatcher)}
}

func (r *registry) get(name string) *seriesBatcher {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.series[name]; ok {
		return b
	}
	b := &seriesBatcher{
		name: name,
		in:   make(chan []point, 8),
		done: make(chan struct{}),
		out:  r.out,
		cfg:  r.cfg,
		reg:  r,
	}
	r.series[name] = b
	r.created++
	go b.run(r.ctx)
	return b
}

// route hands pts to the series' batcher. If the batcher retired in the
// meantime, a fresh one is started.
func (r *registry) route(ctx context.Context, name string, pts []point) error {
	for {
		b := r.get(name)
		select {
		case b.in <- pts:
			return nil
		case <-b.done:
			// retired under us; look it up again
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// retire removes b if nothing is waiting in its input.
func (r *registry) retire(b *seriesBatcher) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(b.in) > 0 {
		return false
	}
	if r.series[b.name] == b {
		delete(r.series, b.name)
	}
	close(b.done)
	r.retired++
	return true
}

func (r *registry) counts() (live, created, retired int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.series), r.created, r.retired
}
