package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// group runs functions concurrently; the first error cancels the rest.
type group struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context) (*group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &group{cancel: cancel}, ctx
}

func (g *group) Go(fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(); err != nil {
			g.once.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// Point is one rolled-up series for a window.
type Point struct {
	Key                 string
	Count               int
	Sum, Min, Max, Mean float64
}

// Roller closes windows and hands rollups to the uploader.
type Roller struct {
	agg     *Aggregator
	up      *Uploader
	logger  *log.Logger
	windows int64
}

func (r *Roller) Windows() int64 { return atomic.LoadInt64(&r.windows) }

// run closes a window at every wall-clock multiple of `every`, after a short
// grace period for late samples.
func (r *Roller) run(ctx context.Context, every time.Duration) {
	const grace = 700 * time.Millisecond
	for {
		now := time.Now()
		boundary := now.Truncate(every).Add(every)
		timer := time.NewTimer(boundary.Add(grace).Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
			now := boundary
			parts := make([]map[string]*stat, len(r.agg.shards))
			for i, sh := range r.agg.shards {
				parts[i] = sh.Swap()
			}
			points, err := r.rollupWithRetry(ctx, parts)
			if err != nil {
				r.logger.Printf("window %s: rollup failed: %v", now.Format("15:04:05"), err)
				continue
			}
			atomic.AddInt64(&r.windows, 1)
			r.up.UploadWindow(ctx, now, points)
		}
	}
}

var errShardChecksum = errors.New("shard checksum mismatch")

func (r *Roller) rollupWithRetry(ctx context.Context, parts []map[string]*stat) ([]Point, error) {
	backoff := 50 * time.Millisecond
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		var pts []Point
		if pts, err = r.rollup(ctx, parts); err == nil {
			return pts, nil
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		backoff *= 2
	}
	return nil, err
}

func (r *Roller) rollup(ctx context.Context, parts []map[string]*stat) ([]Point, error) {
	out := make([][]Point, len(parts))
	g, gctx := newGroup(ctx)
	for i := range parts {
		i := i
		g.Go(func() error {
			select {
			case <-time.After(time.Duration(5+rand.Intn(25)) * time.Millisecond):
			case <-gctx.Done():
				return gctx.Err()
			}
			if rand.Intn(60) == 0 {
				return fmt.Errorf("shard %d: %w", i, errShardChecksum)
			}
			pts := make([]Point, 0, len(parts[i]))
			for k, st := range parts[i] {
				pts = append(pts, Point{Key: k, Count: st.count, Sum: st.sum, Min: st.min, Max: st.max, Mean: st.sum / float64(st.count)})
			}
			out[i] = pts
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var all []Point
	for _, p := range out {
		all = append(all, p...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a].Key < all[b].Key })
	return all, nil
}
