package main

import (
	"context"
	"log"
	"sort"
	"sync/atomic"
	"time"
)

type sample struct {
	route string
	took  time.Duration
	err   bool
}

// statsCollector aggregates request samples sent by the handlers.
type statsCollector struct {
	in chan sample
}

func newStatsCollector(buf int) *statsCollector {
	return &statsCollector{in: make(chan sample, buf)}
}

func (s *statsCollector) observe(route string, took time.Duration, err error) {
	s.in <- sample{route: route, took: took, err: err != nil}
}

func (s *statsCollector) run(ctx context.Context, every time.Duration, hc *hedgedClient) {
	t := time.NewTicker(every)
	defer t.Stop()
	window := map[string][]time.Duration{}
	errs := map[string]int{}
	for {
		select {
		case <-ctx.Done():
			return
		case sm := <-s.in:
			window[sm.route] = append(window[sm.route], sm.took)
			if sm.err {
				errs[sm.route]++
			}
		case <-t.C:
			for route, d := range window {
				sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
				p99 := d[len(d)*99/100]
				log.Printf("%s: n=%d err=%d p50=%v p99=%v", route, len(d), errs[route], d[len(d)/2], p99)
			}
			log.Printf("upstream: calls=%d hedged=%d errors=%d",
				atomic.LoadInt64(&hc.calls), atomic.LoadInt64(&hc.hedged), atomic.LoadInt64(&hc.errors))
			window = map[string][]time.Duration{}
			errs = map[string]int{}
		}
	}
}
