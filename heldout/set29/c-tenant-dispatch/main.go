// c-tenant-dispatch: per-tenant job dispatcher for a multi-tenant SaaS.
//
// Each tenant gets its own worker goroutine (and queue) the first time it
// submits a job, so one tenant's jobs run in order and a slow tenant does
// not hold up the others. Workers stay for the life of the process; the
// tenant set is bounded, so their number grows while new tenants show up
// and levels off. Finished jobs emit webhooks into a shared sync.Cond
// queue drained by a few senders, with per-tenant circuit breakers and
// timer-based retries. Config comes from a long-polled KV store; three
// in-process replicas race for a leader lease, and the leader runs a
// rebalancer. A per-tenant rate limiter with a cleanup loop sits in front.
//
// No goroutine leak: all goroutines are either fixed daemons, one per
// tenant (bounded), or the leader's rebalancer (stopped on step-down).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

const configKey = "/services/tenant-dispatch/config"

func main() {
	snapkit.Start()

	logger := log.New(os.Stderr, "dispatch ", log.LstdFlags)

	kv := newKVStore()
	initial, _ := json.Marshal(Config{TenantQueue: 64, WebhooksEnabled: true, TenantRate: 10, TenantBurst: 20})
	kv.Put(configKey, initial)
	cfg := &configHolder{}
	cfg.Store(&Config{TenantQueue: 64, WebhooksEnabled: true, TenantRate: 10, TenantBurst: 20})
	go watchConfig(kv, configKey, cfg, logger)
	go operator(kv, configKey, 25*time.Second)

	hooks := newHookQueue(2048)
	breakers := newBreakerSet(5, 10*time.Second)
	go breakers.sweep(10*time.Second, time.Minute)
	senders := make([]*hookSender, 4)
	for i := range senders {
		senders[i] = &hookSender{q: hooks, breakers: breakers}
		go senders[i].run()
	}

	d := NewDispatcher(cfg, hooks)

	lease := &leaseTable{}
	for i := 0; i < 3; i++ {
		r := &replica{id: fmt.Sprintf("replica-%d", i), lease: lease, ttl: 1500 * time.Millisecond, d: d, log: logger}
		go r.campaign()
	}

	limits := newTenantLimiter(cfg)
	go limits.cleanup(15*time.Second, 45*time.Second)

	for i := 0; i < 4; i++ {
		go ingest(d, limits, int64(i))
	}

	go func() {
		t := time.NewTicker(20 * time.Second)
		defer t.Stop()
		for range t.C {
			total, deepest := d.Backlog()
			var delivered, failed, dropped int64
			for _, s := range senders {
				delivered += atomic.LoadInt64(&s.delivered)
				failed += atomic.LoadInt64(&s.failed)
				dropped += atomic.LoadInt64(&s.dropped)
			}
			logger.Printf("tenants=%d backlog=%d/%d hooks_pending=%d delivered=%d failed=%d dropped=%d limited_clients=%d",
				d.Tenants(), total, deepest, hooks.Len(), delivered, failed, dropped, limits.Len())
		}
	}()

	select {}
}

var jobKinds = []string{"invoice.created", "invoice.paid", "user.invited", "report.render", "internal"}

// ingest plays the API front end: requests from tenants, a few big ones
// and a long tail of small ones.
func ingest(d *Dispatcher, lim *tenantLimiter, seed int64) {
	rng := rand.New(rand.NewSource(time.Now().UnixNano() + seed))
	z := rand.NewZipf(rng, 1.05, 1, 599)
	for {
		time.Sleep(time.Duration(50+rng.Intn(60)) * time.Millisecond)
		tenant := fmt.Sprintf("t-%04d", z.Uint64())
		if !lim.Allow(tenant) {
			continue
		}
		j := Job{
			Tenant:   tenant,
			Kind:     jobKinds[rng.Intn(len(jobKinds))],
			Payload:  make([]byte, 64+rng.Intn(512)),
			Enqueued: time.Now(),
		}
		d.Submit(j)
	}
}

// tenantLimiter is a token bucket per tenant; limits come from config.
type tenantLimiter struct {
	cfg *configHolder

	mu sync.Mutex
	b  map[string]*tokens
}

type tokens struct {
	n    float64
	last time.Time
}

func newTenantLimiter(cfg *configHolder) *tenantLimiter {
	return &tenantLimiter{cfg: cfg, b: make(map[string]*tokens)}
}

func (l *tenantLimiter) Allow(tenant string) bool {
	c := l.cfg.Load()
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.b[tenant]
	if !ok {
		t = &tokens{n: c.TenantBurst, last: now}
		l.b[tenant] = t
	}
	t.n += now.Sub(t.last).Seconds() * c.TenantRate
	if t.n > c.TenantBurst {
		t.n = c.TenantBurst
	}
	t.last = now
	if t.n < 1 {
		return false
	}
	t.n--
	return true
}

func (l *tenantLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.b)
}

func (l *tenantLimiter) cleanup(every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		l.mu.Lock()
		for k, v := range l.b {
			if now.Sub(v.last) > idle {
				delete(l.b, k)
			}
		}
		l.mu.Unlock()
	}
}
