package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	errNoRoute   = errors.New("no processor available")
	errProcessor = errors.New("processor error")
)

// ---- circuit breaker -------------------------------------------------------

type breakerState int

const (
	stateClosed breakerState = iota
	stateOpen
	stateHalfOpen
)

func (s breakerState) String() string {
	switch s {
	case stateOpen:
		return "open"
	case stateHalfOpen:
		return "half-open"
	}
	return "closed"
}

type breaker struct {
	mu        sync.Mutex
	state     breakerState
	fails     int
	threshold int
	cooldown  time.Duration
	openedAt  time.Time
	probing   bool
	trips     int
}

func newBreaker(threshold int, cooldown time.Duration) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown}
}

// Allow reports whether a call may go through. In half-open state a single
// trial call is admitted at a time.
func (b *breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case stateOpen:
		if time.Since(b.openedAt) < b.cooldown {
			return false
		}
		b.state = stateHalfOpen
		b.probing = false
		fallthrough
	case stateHalfOpen:
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
	return true
}

func (b *breaker) Record(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		b.fails = 0
		b.state = stateClosed
		b.probing = false
		return
	}
	b.fails++
	if b.state == stateHalfOpen || b.fails >= b.threshold {
		if b.state != stateOpen {
			b.trips++
		}
		b.state = stateOpen
		b.openedAt = time.Now()
		b.probing = false
	}
}

func (b *breaker) State() breakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// ---- routes and router -----------------------------------------------------

type route struct {
	name    string
	pool    *connPool
	breaker *breaker
	weight  float64

	mu   sync.Mutex
	ewma float64 // ms

	calls, fails int64
}

func (rt *route) observe(d time.Duration) {
	ms := float64(d) / float64(time.Millisecond)
	rt.mu.Lock()
	if rt.ewma == 0 {
		rt.ewma = ms
	} else {
		rt.ewma = 0.8*rt.ewma + 0.2*ms
	}
	rt.mu.Unlock()
}

func (rt *route) score() float64 {
	rt.mu.Lock()
	lat := rt.ewma
	rt.mu.Unlock()
	if lat < 1 {
		lat = 1
	}
	return rt.weight / lat
}

type payment struct {
	ref      string
	merchant int
	amount   int64 // cents
	bin      string
}

type authResult struct {
	route    string
	code     string
	declined bool
	reason   string
	attempts int
}

type router struct {
	routes []*route

	approved, declined, failed int64
}

func newRouter(routes []*route) *router {
	return &router{routes: routes}
}

// ordered returns the routes best-first.
func (r *router) ordered() []*route {
	out := make([]*route, len(r.routes))
	copy(out, r.routes)
	sort.Slice(out, func(i, j int) bool { return out[i].score() > out[j].score() })
	return out
}

const (
	callBudget     = 1500 * time.Millisecond
	attemptTimeout = 450 * time.Millisecond
	maxAttempts    = 4
	backoffBase    = 15 * time.Millisecond
	backoffCap     = 200 * time.Millisecond
)

// Authorize sends pay to the best available processor, retrying and failing
// over on transient errors until the call budget runs out.
func (r *router) Authorize(ctx context.Context, pay payment) (authResult, error) {
	ctx, cancel := context.WithTimeout(ctx, callBudget)
	defer cancel()

	order := r.ordered()
	var lastErr error = errNoRoute
	for attempt := 0; attempt < maxAttempts; attempt++ {
		var rt *route
		for i := 0; i < len(order); i++ {
			cand := order[(attempt+i)%len(order)]
			if cand.breaker.Allow() {
				rt = cand
				break
			}
		}
		if rt != nil {
			res, err := r.tryOnce(ctx, rt, pay)
			if err == nil {
				res.attempts = attempt + 1
				if res.declined {
					atomic.AddInt64(&r.declined, 1)
				} else {
					atomic.AddInt64(&r.approved, 1)
				}
				return res, nil
			}
			lastErr = err
			if ctx.Err() != nil {
				break
			}
		}
		if !sleepCtx(ctx, backoff(attempt)) {
			break
		}
	}
	atomic.AddInt64(&r.failed, 1)
	return authResult{}, fmt.Errorf("authorize %s: %w", pay.ref, lastErr)
}

func (r *router) tryOnce(ctx context.Context, rt *route, pay payment) (authResult, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	atomic.AddInt64(&rt.calls, 1)

	start := time.Now()
	c, err := rt.pool.Get(actx)
	if err != nil {
		atomic.AddInt64(&rt.fails, 1)
		rt.breaker.Record(false)
		return authResult{}, err
	}
	reply, err := c.roundTrip(actx, fmt.Sprintf("AUTH %s %d %s", pay.ref, pay.amount, pay.bin))
	rt.pool.Put(c, err == nil)
	if err != nil {
		atomic.AddInt64(&rt.fails, 1)
		rt.breaker.Record(false)
		return authResult{}, err
	}
	rt.observe(time.Since(start))

	f := strings.Fields(reply)
	if len(f) < 3 {
		rt.breaker.Record(false)
		return authResult{}, fmt.Errorf("%s: bad reply %q", rt.name, reply)
	}
	switch f[0] {
	case "OK":
		rt.breaker.Record(true)
		return authResult{route: rt.name, code: f[2]}, nil
	case "DECLINE":
		rt.breaker.Record(true) // a decline is a healthy answer
		return authResult{route: rt.name, declined: true, reason: f[2]}, nil
	}
	atomic.AddInt64(&rt.fails, 1)
	rt.breaker.Record(false)
	return authResult{}, fmt.Errorf("%s: %w: %s", rt.name, errProcessor, strings.Join(f[2:], " "))
}

// backoff is exponential with full jitter.
func backoff(attempt int) time.Duration {
	d := backoffBase << uint(attempt)
	if d > backoffCap {
		d = backoffCap
	}
	return time.Duration(rand.Int63n(int64(d)) + 1)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// probe pings every processor periodically and feeds the latency EWMA. A
// failed ping counts against the breaker.
func (r *router) probe(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	n := 0
	for range t.C {
		n++
		var wg sync.WaitGroup
		for _, rt := range r.routes {
			wg.Add(1)
			go func(rt *route, seq int) {
				defer wg.Done()
				pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				c, err := rt.pool.Get(pctx)
				if err != nil {
					return
				}
				reply, err := c.roundTrip(pctx, fmt.Sprintf("PING %d", seq))
				rt.pool.Put(c, err == nil)
				if err != nil || !strings.HasPrefix(reply, "PONG") {
					rt.breaker.Record(false)
					return
				}
				rt.observe(time.Since(start))
			}(rt, n)
		}
		wg.Wait()
	}
}

func (r *router) report(every time.Duration) {
	for range time.Tick(every) {
		var b strings.Builder
		fmt.Fprintf(&b, "router: approved=%d declined=%d failed=%d |",
			atomic.LoadInt64(&r.approved), atomic.LoadInt64(&r.declined), atomic.LoadInt64(&r.failed))
		for _, rt := range r.routes {
			idle, inUse := rt.pool.sizes()
			rt.mu.Lock()
			lat := rt.ewma
			rt.mu.Unlock()
			fmt.Fprintf(&b, " %s[%s idle=%d busy=%d dials=%d dialErr=%d ewma=%.1fms]",
				rt.name, rt.breaker.State(), idle, inUse,
				atomic.LoadInt64(&rt.pool.dials), atomic.LoadInt64(&rt.pool.dialErrs), lat)
		}
		log.Print(b.String())
	}
}

// ---- settlement ------------------------------------------------------------

type ledger struct {
	mu      sync.Mutex
	pending map[string][]payment
	batches int64
	settled int64
}

func newLedger() *ledger {
	return &ledger{pending: make(map[string][]payment)}
}

func (l *ledger) add(routeName string, p payment) {
	l.mu.Lock()
	l.pending[routeName] = append(l.pending[routeName], p)
	l.mu.Unlock()
}

func (l *ledger) take() map[string][]payment {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.pending
	l.pending = make(map[string][]payment)
	return out
}

func (l *ledger) requeue(routeName string, ps []payment) {
	l.mu.Lock()
	// keep the backlog bounded: an acquirer that keeps rejecting the cutoff
	// window must not make us hold on to payments forever
	if len(l.pending[routeName]) < 5000 {
		l.pending[routeName] = append(l.pending[routeName], ps...)
	}
	l.mu.Unlock()
}

// settleLoop submits the captured payments once per cycle, one batch per
// processor in parallel.
func (l *ledger) settleLoop(ctx context.Context, r *router, every time.Duration) {
	byName := make(map[string]*route)
	for _, rt := range r.routes {
		byName[rt.name] = rt
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		work := l.take()
		var wg sync.WaitGroup
		var ok, failed int64
		for name, ps := range work {
			rt := byName[name]
			if rt == nil || len(ps) == 0 {
				continue
			}
			wg.Add(1)
			go func(rt *route, ps []payment) {
				defer wg.Done()
				batch := fmt.Sprintf("B%d", atomic.AddInt64(&l.batches, 1))
				if err := settleBatch(ctx, rt, batch, ps); err != nil {
					atomic.AddInt64(&failed, 1)
					l.requeue(rt.name, ps)
					return
				}
				atomic.AddInt64(&ok, 1)
				atomic.AddInt64(&l.settled, int64(len(ps)))
			}(rt, ps)
		}
		wg.Wait()
		if failed > 0 {
			log.Printf("settlement: %d batches ok, %d requeued", ok, failed)
		}
	}
}

func settleBatch(ctx context.Context, rt *route, batch string, ps []payment) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var total int64
	for _, p := range ps {
		total += p.amount
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var c *pconn
		c, err = rt.pool.Get(ctx)
		if err == nil {
			var reply string
			reply, err = c.roundTrip(ctx, fmt.Sprintf("SETTLE %s %d %d", batch, len(ps), total))
			rt.pool.Put(c, err == nil)
			if err == nil {
				if strings.HasPrefix(reply, "SETTLED") {
					return nil
				}
				err = fmt.Errorf("%s: %s", rt.name, reply)
			}
		}
		if !sleepCtx(ctx, backoff(attempt+2)) {
			break
		}
	}
	return err
}

// ---- merchant load ---------------------------------------------------------

type merchantLoad struct {
	router   *router
	ledger   *ledger
	inflight chan struct{}
	seq      int64
	shed     int64
	t0       time.Time
}

func newMerchantLoad(r *router, l *ledger, maxInflight int) *merchantLoad {
	return &merchantLoad{router: r, ledger: l, inflight: make(chan struct{}, maxInflight), t0: time.Now()}
}

var bins = []string{"411111", "550000", "340000", "601100", "353011", "622126"}

func (m *merchantLoad) newPayment(merchant int) payment {
	n := atomic.AddInt64(&m.seq, 1)
	return payment{
		ref:      fmt.Sprintf("m%d-%d", merchant, n),
		merchant: merchant,
		amount:   int64(100 + rand.Intn(25000)),
		bin:      bins[rand.Intn(len(bins))],
	}
}

// rate is payments/second for a merchant: a slow wave plus noise.
func (m *merchantLoad) rate(merchant int) float64 {
	el := time.Since(m.t0).Seconds()
	phase := float64(merchant) * 1.1
	return 9 + 6*math.Sin(2*math.Pi*el/75+phase) + 2*rand.Float64()
}

func (m *merchantLoad) merchant(ctx context.Context, id int) {
	for {
		wait := time.Duration(rand.ExpFloat64() / m.rate(id) * float64(time.Second))
		time.Sleep(wait)
		select {
		case m.inflight <- struct{}{}:
		default:
			atomic.AddInt64(&m.shed, 1) // checkout page shows "try again"
			continue
		}
		go func(p payment) {
			defer func() { <-m.inflight }()
			m.checkout(ctx, p)
		}(m.newPayment(id))
	}
}

func (m *merchantLoad) checkout(ctx context.Context, p payment) {
	res, err := m.router.Authorize(ctx, p)
	if err != nil || res.declined {
		return
	}
	m.ledger.add(res.route, p)
}

// flashSales fires a burst of checkouts every so often. The burst shoppers
// queue for an in-flight slot for up to two seconds before giving up.
func (m *merchantLoad) flashSales(ctx context.Context) {
	for {
		time.Sleep(time.Duration(22+rand.Intn(20)) * time.Second)
		n := 120 + rand.Intn(160)
		merchant := rand.Intn(6)
		for i := 0; i < n; i++ {
			go func(p payment) {
				wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				select {
				case m.inflight <- struct{}{}:
				case <-wctx.Done():
					atomic.AddInt64(&m.shed, 1)
					return
				}
				defer func() { <-m.inflight }()
				m.checkout(ctx, p)
			}(m.newPayment(merchant))
			if i%20 == 19 {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}
