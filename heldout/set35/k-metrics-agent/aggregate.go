package main

import (
	"context"
	"fmt"
	"sort"
	"sync/atomic"
	"time"
)

// batch is a chunk of the remote-write payload, one line per series.
type batch struct {
	id      uint64
	lines   []string
	created time.Time
}

type seriesPoint struct {
	value float64
	at    time.Time
	dirty bool
}

// aggregator folds scrape results into the latest value per series and
// cuts the dirty series into batches on every flush tick.
type aggregator struct {
	in       <-chan scrapeResult
	out      chan<- *batch
	every    time.Duration
	maxLines int

	series  map[string]*seriesPoint
	up      map[string]bool
	nextID  uint64
	flushed atomic.Int64
	dropped atomic.Int64
}

func newAggregator(in <-chan scrapeResult, out chan<- *batch, every time.Duration) *aggregator {
	return &aggregator{
		in:       in,
		out:      out,
		every:    every,
		maxLines: 180,
		series:   make(map[string]*seriesPoint),
		up:       make(map[string]bool),
	}
}

func (a *aggregator) run(ctx context.Context) {
	tick := time.NewTicker(a.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-a.in:
			a.fold(r)
		case <-tick.C:
			for _, b := range a.cut() {
				// Block while the shippers are behind: the pollers then
				// wait in emit, which is the back-pressure we want.
				select {
				case a.out <- b:
					a.flushed.Add(1)
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

func (a *aggregator) fold(r scrapeResult) {
	a.up[r.source] = r.up
	upKey := fmt.Sprintf("up{instance=%q}", r.source)
	p := a.series[upKey]
	if p == nil {
		p = &seriesPoint{}
		a.series[upKey] = p
	}
	p.value, p.at, p.dirty = 0, r.at, true
	if r.up {
		p.value = 1
	}
	for _, s := range r.samples {
		p := a.series[s.series]
		if p == nil {
			p = &seriesPoint{}
			a.series[s.series] = p
		}
		p.value, p.at, p.dirty = s.value, r.at, true
	}
}

func (a *aggregator) cut() []*batch {
	var keys []string
	for k, p := range a.series {
		if p.dirty {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	var out []*batch
	var cur *batch
	for _, k := range keys {
		p := a.series[k]
		p.dirty = false
		if cur == nil || len(cur.lines) >= a.maxLines {
			a.nextID++
			cur = &batch{id: a.nextID, created: time.Now()}
			out = append(out, cur)
		}
		cur.lines = append(cur.lines, fmt.Sprintf("%s %g %d", k, p.value, p.at.UnixMilli()))
	}
	return out
}
