package main

import (
	"context"
	"log"
	"sync"
	"time"
)

// taskGroup runs a bounded number of tasks at once and waits for all of
// them; the first error cancels the rest.
type taskGroup struct {
	wg     sync.WaitGroup
	sem    chan struct{}
	cancel context.CancelFunc

	errOnce sync.Once
	err     error
}

func newTaskGroup(ctx context.Context, limit int) (*taskGroup, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &taskGroup{sem: make(chan struct{}, limit), cancel: cancel}, ctx
}

func (g *taskGroup) Go(f func() error) {
	g.sem <- struct{}{}
	g.wg.Add(1)
	go func() {
		defer func() {
			<-g.sem
			g.wg.Done()
		}()
		if err := f(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

func (g *taskGroup) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// snapshotStore stands in for the object store topic snapshots go to.
type snapshotStore struct {
	mu    sync.Mutex
	saved map[string]int
}

func newSnapshotStore() *snapshotStore { return &snapshotStore{saved: map[string]int{}} }

func (s *snapshotStore) save(ctx context.Context, name string, events int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-after(randBetween(80*time.Millisecond, 450*time.Millisecond)):
	}
	s.mu.Lock()
	s.saved[name] += events
	s.mu.Unlock()
	return nil
}

// compactor periodically drops old events from every topic and snapshots
// what it dropped.
type compactor struct {
	hub   *hub
	keep  time.Duration
	store *snapshotStore
}

func (c *compactor) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		cut := start.Add(-c.keep)
		g, gctx := newTaskGroup(ctx, 4)
		topics := c.hub.snapshot()
		for _, tp := range topics {
			tp := tp
			g.Go(func() error {
				n := tp.trimBefore(cut)
				return c.store.save(gctx, tp.name, n)
			})
		}
		if err := g.Wait(); err != nil {
			log.Printf("compactor: %v", err)
			continue
		}
		log.Printf("compactor: %d topics in %v", len(topics), time.Since(start).Round(time.Millisecond))
	}
}
