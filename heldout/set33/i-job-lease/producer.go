package main

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// producer is the application side that enqueues work: a steady stream
// of jobs whose rate ramps with elapsed time, plus a nightly-batch style
// burst every 25 s.
type producer struct {
	qc    *queueClient
	start time.Time
	rnd   *rand.Rand

	sent, errors int64
}

func newProducer(qc *queueClient) *producer {
	return &producer{qc: qc, start: time.Now(), rnd: rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x10b))}
}

var tenants = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"}

func (p *producer) pick() (string, map[string]string) {
	tenant := tenants[p.rnd.Intn(len(tenants))]
	switch n := p.rnd.Intn(100); {
	case n < 34:
		return "thumbnail", map[string]string{"tenant": tenant, "object": fmt.Sprintf("img/%d.jpg", p.rnd.Intn(1e6))}
	case n < 68:
		return "email", map[string]string{"tenant": tenant, "template": "receipt"}
	case n < 92:
		events := []string{"order.created", "order.paid", "invoice.sent", "user.signup"}
		return "webhook", map[string]string{"tenant": tenant, "event": events[p.rnd.Intn(len(events))]}
	default:
		return "report", map[string]string{"tenant": tenant, "range": "last-7d"}
	}
}

func (p *producer) rate() float64 {
	return 2.5 + time.Since(p.start).Seconds()/16 // ~2.5/s ramping to ~11/s
}

func (p *producer) run(ctx context.Context) {
	burst := time.NewTicker(25 * time.Second)
	defer burst.Stop()
	for {
		gap := time.Duration(float64(time.Second) / p.rate())
		select {
		case <-ctx.Done():
			return
		case <-burst.C:
			p.burst(ctx, 30+p.rnd.Intn(20))
		case <-time.After(gap):
			kind, payload := p.pick()
			p.send(ctx, kind, payload, false)
		}
	}
}

// burst enqueues a batch concurrently, a handful of submitters at a time.
func (p *producer) burst(ctx context.Context, n int) {
	type item struct {
		kind    string
		payload map[string]string
	}
	items := make(chan item)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				p.send(ctx, it.kind, it.payload, false)
			}
		}()
	}
	for i := 0; i < n; i++ {
		kind, payload := p.pick()
		items <- item{kind, payload}
	}
	close(items)
	wg.Wait()
}

func (p *producer) send(ctx context.Context, kind string, payload map[string]string, priority bool) {
	if err := p.qc.Enqueue(ctx, kind, payload, priority); err != nil {
		atomic.AddInt64(&p.errors, 1)
		return
	}
	atomic.AddInt64(&p.sent, 1)
}

// partner simulates the customers' webhook receivers: usually quick,
// with a slow tail, occasional 503s, and a rough patch every ~30 s.
type partner struct {
	start time.Time
	mu    sync.Mutex
	rnd   *rand.Rand
	hits  int64
}

func newPartner() *partner {
	return &partner{start: time.Now(), rnd: rand.New(rand.NewSource(time.Now().UnixNano() ^ 0x4a11))}
}

func (pt *partner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&pt.hits, 1)
	el := time.Since(pt.start)
	degraded := el%(30*time.Second) > 26*time.Second
	pt.mu.Lock()
	n := pt.rnd.Intn(100)
	d := time.Duration(50+pt.rnd.Intn(250)) * time.Millisecond
	if n < 4 || (degraded && n < 30) {
		d = time.Duration(3000+pt.rnd.Intn(3000)) * time.Millisecond
	}
	pt.mu.Unlock()
	if n >= 97 {
		http.Error(w, "receiver unavailable", http.StatusServiceUnavailable)
		return
	}
	select {
	case <-time.After(d):
		w.WriteHeader(http.StatusOK)
	case <-r.Context().Done():
	}
}
