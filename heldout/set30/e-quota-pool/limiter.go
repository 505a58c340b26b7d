package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"math/rand"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// limiter is the API the rest of the sidecar uses.
type limiter struct {
	pool *Pool

	allowed, denied, errors atomic.Int64

	umu   sync.Mutex
	usage map[string]int64
}

func (l *limiter) Allow(ctx context.Context, tenant string, amount int) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	payload := append([]byte(tenant), 0)
	payload = strconv.AppendInt(payload, int64(amount), 10)
	var (
		f   frame
		err error
	)
	for attempt := 0; attempt < 2; attempt++ {
		f, err = l.pool.Do(ctx, opCheck, payload)
		if err != errConnClosed {
			break
		}
	}
	if err != nil {
		l.errors.Add(1)
		return false, err
	}
	switch f.code {
	case statusOK:
		l.allowed.Add(1)
		l.record(tenant, amount)
		return true, nil
	case statusDenied:
		l.denied.Add(1)
		return false, nil
	}
	l.errors.Add(1)
	return false, fmt.Errorf("quota: bad request for %q", tenant)
}

func (l *limiter) record(tenant string, n int) {
	l.umu.Lock()
	if l.usage == nil {
		l.usage = make(map[string]int64)
	}
	l.usage[tenant] += int64(n)
	l.umu.Unlock()
}

// usageFlusher periodically ships accumulated usage to the quota service.
func (l *limiter) usageFlusher(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.umu.Lock()
		batch := l.usage
		l.usage = nil
		l.umu.Unlock()
		if len(batch) == 0 {
			continue
		}
		var buf bytes.Buffer
		for k, v := range batch {
			fmt.Fprintf(&buf, "%s %d\n", k, v)
		}
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := l.pool.Do(rctx, opReport, buf.Bytes())
		cancel()
		if err != nil {
			log.Printf("usage flush: %v", err)
		}
	}
}

func (l *limiter) keepalive(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		_, _ = l.pool.Do(rctx, opPing, nil)
		cancel()
	}
}

// loadGen ramps request concurrency up across the run, in bursts.
type loadGen struct {
	lim   *limiter
	start time.Time
}

func (g *loadGen) run(ctx context.Context) {
	sem := make(chan struct{}, 160)
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	quietUntil := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if now.Before(quietUntil) {
				continue
			}
			if rand.Intn(300) == 0 {
				// Upstream callers go quiet for a while (deploy, batch window).
				quietUntil = now.Add(time.Duration(5+rand.Intn(4)) * time.Second)
				continue
			}
			n := g.arrivals(now)
			for i := 0; i < n; i++ {
				select {
				case sem <- struct{}{}:
				default:
					continue // shed load
				}
				go func() {
					defer func() { <-sem }()
					tenant := fmt.Sprintf("tenant-%03d", rand.Intn(60))
					_, _ = g.lim.Allow(ctx, tenant, 1+rand.Intn(20))
				}()
			}
		}
	}
}

// arrivals is the number of requests to start in this 40ms tick: the base
// rate grows linearly with time and one tick in twenty is a burst.
func (g *loadGen) arrivals(now time.Time) int {
	el := now.Sub(g.start).Seconds()
	mean := 0.5 + el/12 // ~0.5 -> ~12 per tick over 140 s
	n := int(mean*rand.Float64()*2 + 0.5)
	if rand.Intn(20) == 0 {
		n += 5 + int(el/4)
	}
	return n
}
