package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"log"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// Sample is one pushed metric sample.
type Sample struct {
	Tenant string
	Series string
	Value  float64
	At     time.Time
}

type agentSpec struct {
	tenant string
	joinAt time.Duration
	perSec int
}

// agents starts the tenant agents as they come online, and restarts one
// now and then (deploys, node reboots).
func agents(ctx context.Context, out chan<- Sample, logger *log.Logger) {
	specs := []agentSpec{
		{"tenant-ads", 0, 12}, {"tenant-search", 0, 10}, {"tenant-mail", 0, 8},
		{"tenant-maps", 6 * time.Second, 10}, {"tenant-video", 14 * time.Second, 14},
		{"tenant-docs", 25 * time.Second, 6}, {"tenant-pay", 33 * time.Second, 8},
		{"tenant-auth", 47 * time.Second, 6}, {"tenant-cdn", 62 * time.Second, 12},
		{"tenant-ml", 80 * time.Second, 6}, {"tenant-iot", 96 * time.Second, 10},
		{"tenant-chat", 115 * time.Second, 6},
	}
	type running struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	live := make(map[string]running)
	start := func(s agentSpec) {
		actx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		live[s.tenant] = running{cancel, done}
		go func() {
			defer close(done)
			runAgent(actx, s, out)
		}()
	}
	t0 := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, s := range specs {
			if _, ok := live[s.tenant]; !ok && time.Since(t0) >= s.joinAt {
				logger.Printf("agent %s connected", s.tenant)
				start(s)
			}
		}
		if rand.Intn(25) == 0 && len(live) > 0 {
			// restart: the agent disconnects, stays down for a while, and the
			// join loop above brings it back
			i := rand.Intn(len(specs))
			if r, ok := live[specs[i].tenant]; ok {
				r.cancel()
				<-r.done
				delete(live, specs[i].tenant)
				down := time.Duration(10+rand.Intn(25)) * time.Second
				specs[i].joinAt = time.Since(t0) + down
				logger.Printf("agent %s disconnected (down %v)", specs[i].tenant, down)
			}
		}
	}
}

func runAgent(ctx context.Context, s agentSpec, out chan<- Sample) {
	t := time.NewTicker(time.Second / time.Duration(s.perSec))
	defer t.Stop()
	spikeUntil := time.Time{}
	nextSpike := time.Now().Add(time.Duration(15+rand.Intn(30)) * time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n := 1
			if now.After(nextSpike) {
				spikeUntil = now.Add(time.Duration(4+rand.Intn(6)) * time.Second)
				nextSpike = now.Add(time.Duration(25+rand.Intn(30)) * time.Second)
			}
			if now.Before(spikeUntil) {
				n = 4
			}
			for i := 0; i < n; i++ {
				smp := Sample{
					Tenant: s.tenant,
					Series: fmt.Sprintf("http_requests_total{code=\"%d\",pod=\"p%d\"}", 200+100*rand.Intn(4), rand.Intn(20)),
					Value:  rand.Float64() * 100,
					At:     now,
				}
				select {
				case out <- smp:
				case <-ctx.Done():
					return
				default:
					// queue full: agent drops and retries next scrape
				}
			}
		}
	}
}

// Aggregator holds the current window, sharded by series hash.
type Aggregator struct {
	shards []*aggShard
}

type aggShard struct {
	mu     sync.Mutex
	series map[string]*stat
}

type stat struct {
	count    int
	sum      float64
	min, max float64
}

func NewAggregator(n int) *Aggregator {
	a := &Aggregator{}
	for i := 0; i < n; i++ {
		a.shards = append(a.shards, &aggShard{series: make(map[string]*stat)})
	}
	return a
}

func (a *Aggregator) Add(s Sample) {
	h := fnv.New32a()
	h.Write([]byte(s.Tenant))
	h.Write([]byte(s.Series))
	sh := a.shards[h.Sum32()%uint32(len(a.shards))]
	key := s.Tenant + "/" + s.Series
	sh.mu.Lock()
	st, ok := sh.series[key]
	if !ok {
		st = &stat{min: s.Value, max: s.Value}
		sh.series[key] = st
	}
	st.count++
	st.sum += s.Value
	if s.Value < st.min {
		st.min = s.Value
	}
	if s.Value > st.max {
		st.max = s.Value
	}
	sh.mu.Unlock()
}

// Swap takes the shard's window contents and starts a fresh one.
func (sh *aggShard) Swap() map[string]*stat {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	m := sh.series
	sh.series = make(map[string]*stat, len(m))
	return m
}

// Supervisor runs the aggregation workers and sizes the pool by load.
type Supervisor struct {
	in       <-chan Sample
	agg      *Aggregator
	quotas   *QuotaBook
	min, max int

	mu    sync.Mutex
	quits []chan struct{}
	busy  int64 // atomic: nanoseconds spent working since last check
}

func (p *Supervisor) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.quits)
}

func (p *Supervisor) grow() {
	q := make(chan struct{})
	p.quits = append(p.quits, q)
	go p.worker(q)
}

func (p *Supervisor) shrink() {
	last := len(p.quits) - 1
	close(p.quits[last])
	p.quits = p.quits[:last]
}

func (p *Supervisor) worker(quit <-chan struct{}) {
	for {
		select {
		case <-quit:
			return
		case s := <-p.in:
			start := time.Now()
			if !p.quotas.Charge(s.Tenant) {
				continue
			}
			// relabeling, validation, exemplar handling
			time.Sleep(time.Duration(8+rand.Intn(20)) * time.Millisecond)
			p.agg.Add(s)
			atomic.AddInt64(&p.busy, int64(time.Since(start)))
		}
	}
}

func (p *Supervisor) run(ctx context.Context, every time.Duration) {
	p.mu.Lock()
	for i := 0; i < p.min; i++ {
		p.grow()
	}
	p.mu.Unlock()
	t := time.NewTicker(every)
	defer t.Stop()
	lowFor := 0
	for {
		select {
		case <-ctx.Done():
			p.mu.Lock()
			for len(p.quits) > 0 {
				p.shrink()
			}
			p.mu.Unlock()
			return
		case <-t.C:
		}
		busy := time.Duration(atomic.SwapInt64(&p.busy, 0))
		depth := len(p.in)
		p.mu.Lock()
		n := len(p.quits)
		util := float64(busy) / float64(time.Duration(n)*every)
		switch {
		case depth > 2*n && n < p.max:
			add := depth / 8
			if add < 1 {
				add = 1
			}
			for i := 0; i < add && len(p.quits) < p.max; i++ {
				p.grow()
			}
			lowFor = 0
		case util < 0.3 && depth == 0 && n > p.min:
			lowFor++
			if lowFor >= 8 { // ~2s of low utilization
				p.shrink()
				lowFor = 4
			}
		default:
			lowFor = 0
		}
		p.mu.Unlock()
	}
}
