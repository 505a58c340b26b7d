package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"sort"
	"sync"
	"time"
)

// Update is one catalog change from a merchant feed.
type Update struct {
	Merchant string
	SKU      string
	Title    string
	Price    int
	Deleted  bool
}

// Merchant is an onboarded merchant with a feed poller.
type Merchant struct {
	Name     string
	Catalog  int
	interval time.Duration
	cancel   context.CancelFunc
}

// Registry tracks onboarded merchants. Onboarding follows the merchants
// table: signups are front-loaded and the table has a fixed size.
type Registry struct {
	updates   chan<- Update
	rebuilder *Rebuilder
	logger    *log.Logger

	mu        sync.Mutex
	merchants map[string]*Merchant
}

func NewRegistry(updates chan<- Update, rb *Rebuilder, logger *log.Logger) *Registry {
	return &Registry{updates: updates, rebuilder: rb, logger: logger, merchants: make(map[string]*Merchant)}
}

func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.merchants)
}

func (r *Registry) Pick() (*Merchant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := rand.Intn(len(r.merchants) + 1)
	for _, m := range r.merchants {
		if n == 0 {
			return m, true
		}
		n--
	}
	return nil, false
}

const merchantTable = 48

func (r *Registry) run(ctx context.Context) {
	type signup struct {
		at   time.Duration
		name string
	}
	var plan []signup
	for i := 0; i < merchantTable; i++ {
		at := time.Duration(rand.ExpFloat64() * float64(22*time.Second))
		plan = append(plan, signup{at: at, name: fmt.Sprintf("merchant-%02d", i)})
	}
	sort.Slice(plan, func(i, j int) bool { return plan[i].at < plan[j].at })
	start := time.Now()
	t := time.NewTicker(1370 * time.Millisecond) // merchants table poll
	defer t.Stop()
	next := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		el := time.Since(start)
		for next < len(plan) && plan[next].at <= el {
			r.onboard(ctx, plan[next].name)
			next++
		}
		// a merchant pauses its shop now and then and comes back later
		if rand.Intn(40) == 0 {
			if m, ok := r.Pick(); ok {
				r.offboard(m.Name)
				name := m.Name
				time.AfterFunc(time.Duration(5+rand.Intn(10))*time.Second, func() { r.onboard(ctx, name) })
			}
		}
	}
}

func (r *Registry) onboard(ctx context.Context, name string) {
	r.mu.Lock()
	if _, ok := r.merchants[name]; ok {
		r.mu.Unlock()
		return
	}
	mctx, cancel := context.WithCancel(ctx)
	m := &Merchant{
		Name:     name,
		Catalog:  40 + rand.Intn(80),
		interval: time.Duration(2000+rand.Intn(4000)) * time.Millisecond,
		cancel:   cancel,
	}
	r.merchants[name] = m
	r.mu.Unlock()
	r.logger.Printf("onboarded %s (%d products)", name, m.Catalog)
	go r.poll(mctx, m)
	go r.rebuilder.Rebuild(mctx, m.Name, m.Catalog)
}

func (r *Registry) offboard(name string) {
	r.mu.Lock()
	m, ok := r.merchants[name]
	delete(r.merchants, name)
	r.mu.Unlock()
	if ok {
		m.cancel()
		r.logger.Printf("paused %s", name)
	}
}

// poll pulls catalog deltas from the merchant's feed.
func (r *Registry) poll(ctx context.Context, m *Merchant) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := rand.Intn(12)
		for i := 0; i < n; i++ {
			u := Update{
				Merchant: m.Name,
				SKU:      fmt.Sprintf("%s-%04d", m.Name, rand.Intn(m.Catalog)),
				Title:    titles[rand.Intn(len(titles))],
				Price:    100 + rand.Intn(20000),
				Deleted:  rand.Intn(20) == 0,
			}
			select {
			case r.updates <- u:
			case <-ctx.Done():
				return
			}
		}
	}
}

// promotions: a marketing push changes prices across many shops at once.
func (r *Registry) promotions(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(20+rand.Intn(20)) * time.Second):
		}
		n := 200 + rand.Intn(200)
		for i := 0; i < n; i++ {
			m, ok := r.Pick()
			if !ok {
				break
			}
			u := Update{Merchant: m.Name, SKU: fmt.Sprintf("%s-%04d", m.Name, rand.Intn(m.Catalog)), Price: 99 + rand.Intn(5000), Title: "SALE"}
			select {
			case r.updates <- u:
			case <-ctx.Done():
				return
			}
			if i%50 == 49 {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
}

var titles = []string{
	"Trail running shoe", "Waterproof jacket", "Ceramic mug", "Desk lamp",
	"Wool socks (3-pack)", "Bluetooth speaker", "Chef's knife", "Yoga mat",
}
