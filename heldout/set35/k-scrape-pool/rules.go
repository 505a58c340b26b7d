package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// ruleGroup evaluates its recording rules against the head on a fixed
// period; an evaluation that runs past half the period is abandoned and
// counted as missed.
type ruleGroup struct {
	name  string
	every time.Duration
	rules []string
	store *head

	evals  atomic.Int64
	missed atomic.Int64
}

func (g *ruleGroup) run(ctx context.Context) {
	// Spread the groups over their period, the same way every restart.
	select {
	case <-time.After(time.Duration(hashString(g.name) % uint64(g.every))):
	case <-ctx.Done():
		return
	}
	tk := time.NewTicker(g.every)
	defer tk.Stop()
	for range tk.C {
		if ctx.Err() != nil {
			return
		}
		g.evaluate(ctx)
	}
}

func (g *ruleGroup) evaluate(ctx context.Context) {
	ectx, cancel := context.WithTimeout(ctx, g.every/2)
	defer cancel()
	for _, r := range g.rules {
		if ectx.Err() != nil {
			g.missed.Add(1)
			return
		}
		g.store.scan(r, jitter(5*time.Millisecond, 40*time.Millisecond))
	}
	g.evals.Add(1)
}

var rulePrefixes = []string{"node_", "api_", "db_", "worker_", "cache_", "ingress_", "batch_", "edge_", "up{", "scrape_duration"}

func newRuleGroup(i int, store *head) *ruleGroup {
	g := &ruleGroup{
		name:  fmt.Sprintf("recording-%d", i),
		every: []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second}[i%3],
		store: store,
	}
	for j := 0; j < 3+randIntn(5); j++ {
		g.rules = append(g.rules, rulePrefixes[randIntn(len(rulePrefixes))])
	}
	return g
}
