package main

import (
	"context"
	"hash/fnv"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// event is one measurement reported by a tenant's instrumentation.
type event struct {
	Metric string    `json:"metric"`
	Value  float64   `json:"value"`
	At     time.Time `json:"at"`
}

type metricAgg struct {
	Count int64   `json:"count"`
	Sum   float64 `json:"sum"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

func (m *metricAgg) add(v float64) {
	if m.Count == 0 || v < m.Min {
		m.Min = v
	}
	if m.Count == 0 || v > m.Max {
		m.Max = v
	}
	m.Count++
	m.Sum += v
}

func (m *metricAgg) merge(o metricAgg) {
	if o.Count == 0 {
		return
	}
	if m.Count == 0 || o.Min < m.Min {
		m.Min = o.Min
	}
	if m.Count == 0 || o.Max > m.Max {
		m.Max = o.Max
	}
	m.Count += o.Count
	m.Sum += o.Sum
}

// rollup is one tenant's aggregate over one flush window.
type rollup struct {
	Tenant  string               `json:"tenant"`
	From    time.Time            `json:"from"`
	To      time.Time            `json:"to"`
	Metrics map[string]metricAgg `json:"metrics"`
}

type tenantQuery struct {
	metric string
	reply  chan tenantAnswer // buffered 1: the aggregator never waits on a reply
}

type tenantAnswer struct {
	tenant string
	agg    metricAgg
	err    error
}

// tenantAggregator owns one tenant's state; only its run goroutine
// touches cur and totals.
type tenantAggregator struct {
	tenant     string
	plan       string
	events     chan []event
	queries    chan *tenantQuery
	export     chan<- rollup
	flushEvery time.Duration

	cur         map[string]*metricAgg
	totals      map[string]*metricAgg
	windowStart time.Time

	ingested int64 // atomic
	flushed  int64 // atomic
}

func (a *tenantAggregator) run(ctx context.Context) {
	a.windowStart = time.Now()
	flush := time.NewTimer(a.flushEvery)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case batch := <-a.events:
			a.apply(batch)
		case q := <-a.queries:
			q.reply <- a.answer(q.metric)
		case now := <-flush.C:
			if r, ok := a.cut(now); ok {
				// Hand the window to the exporter. The exporter is
				// always running; while it is busy we wait here, which
				// throttles this tenant's ingest through its events
				// buffer.
				a.export <- r
				atomic.AddInt64(&a.flushed, 1)
			}
			flush.Reset(a.flushEvery)
		}
	}
}

func (a *tenantAggregator) apply(batch []event) {
	for _, ev := range batch {
		m := a.cur[ev.Metric]
		if m == nil {
			m = &metricAgg{}
			a.cur[ev.Metric] = m
		}
		m.add(ev.Value)
	}
	atomic.AddInt64(&a.ingested, int64(len(batch)))
}

func (a *tenantAggregator) answer(metric string) tenantAnswer {
	var agg metricAgg
	if t := a.totals[metric]; t != nil {
		agg = *t
	}
	if c := a.cur[metric]; c != nil {
		agg.merge(*c)
	}
	return tenantAnswer{tenant: a.tenant, agg: agg}
}

func (a *tenantAggregator) cut(now time.Time) (rollup, bool) {
	if len(a.cur) == 0 {
		a.windowStart = now
		return rollup{}, false
	}
	r := rollup{Tenant: a.tenant, From: a.windowStart, To: now, Metrics: make(map[string]metricAgg, len(a.cur))}
	for k, m := range a.cur {
		r.Metrics[k] = *m
		t := a.totals[k]
		if t == nil {
			t = &metricAgg{}
			a.totals[k] = t
		}
		t.merge(*m)
	}
	a.cur = map[string]*metricAgg{}
	a.windowStart = now
	return r, true
}

// registry holds the signed-up tenants. Tenants are never removed.
type registry struct {
	ctx        context.Context
	exporter   *rollupExporter
	flushEvery time.Duration

	mu      sync.RWMutex
	tenants map[string]*tenantAggregator
}

func newRegistry(ctx context.Context, exp *rollupExporter, flushEvery time.Duration) *registry {
	return &registry{ctx: ctx, exporter: exp, flushEvery: flushEvery, tenants: map[string]*tenantAggregator{}}
}

// SignUp registers a tenant and starts its aggregator; it reports false
// when the tenant already exists.
func (r *registry) SignUp(name, plan string) (*tenantAggregator, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.tenants[name]; ok {
		return a, false
	}
	a := &tenantAggregator{
		tenant:     name,
		plan:       plan,
		events:     make(chan []event, 32),
		queries:    make(chan *tenantQuery),
		export:     r.exporter.Intake(),
		flushEvery: r.flushEvery,
		cur:        map[string]*metricAgg{},
		totals:     map[string]*metricAgg{},
	}
	r.tenants[name] = a
	go a.run(r.ctx)
	r.exporter.Scale(len(r.tenants))
	return a, true
}

func (r *registry) Get(name string) *tenantAggregator {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.tenants[name]
}

// Select returns the tenants on plan, or all of them when plan is empty.
func (r *registry) Select(plan string) []*tenantAggregator {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*tenantAggregator, 0, len(r.tenants))
	for _, a := range r.tenants {
		if plan == "" || a.plan == plan {
			out = append(out, a)
		}
	}
	return out
}

func (r *registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.tenants))
	for n := range r.tenants {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var plans = []string{"free", "team", "enterprise"}

func planFor(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	return plans[h.Sum32()%uint32(len(plans))]
}
