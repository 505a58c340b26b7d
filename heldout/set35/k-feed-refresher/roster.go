package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	"sort"
	"sync"
	"time"
)

// feedRoster owns the set of subscribed feeds. New feeds are added on a
// schedule (users keep subscribing) and now and then one is dropped.
type feedRoster struct {
	baseURL string
	client  *http.Client
	hub     *hub
	store   *itemStore
	stats   *stats
	initial int
	max     int
	every   time.Duration

	mu     sync.Mutex
	active map[string]context.CancelFunc
	nextID int
}

func (r *feedRoster) run(ctx context.Context) {
	r.mu.Lock()
	r.active = make(map[string]context.CancelFunc)
	r.mu.Unlock()
	for i := 0; i < r.initial; i++ {
		r.subscribe(ctx)
	}
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if r.size() < r.max {
			r.subscribe(ctx)
		}
		if rand.Intn(5) == 0 && r.size() > 10 {
			r.unsubscribeRandom()
		}
	}
}

func (r *feedRoster) subscribe(ctx context.Context) {
	r.mu.Lock()
	r.nextID++
	id := fmt.Sprintf("feed-%03d", r.nextID)
	fctx, cancel := context.WithCancel(ctx)
	r.active[id] = cancel
	r.mu.Unlock()

	p := &feedPoller{
		id:      id,
		url:     r.baseURL + "/feeds/" + id,
		thumbs:  r.baseURL,
		client:  r.client,
		hub:     r.hub,
		store:   r.store,
		stats:   r.stats,
		every:   time.Duration(2500+rand.Intn(2500)) * time.Millisecond,
		timeout: 1500 * time.Millisecond,
		seen:    make(map[string]bool),
	}
	go p.run(fctx)
}

func (r *feedRoster) unsubscribeRandom() {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, 0, len(r.active))
	for id := range r.active {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	id := ids[rand.Intn(len(ids))]
	r.active[id]()
	delete(r.active, id)
	r.store.drop(id)
	log.Printf("roster: unsubscribed %s (%d left)", id, len(r.active))
}

func (r *feedRoster) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

// pick returns up to n random subscribed feeds.
func (r *feedRoster) pick(n int) []string {
	r.mu.Lock()
	ids := make([]string, 0, len(r.active))
	for id := range r.active {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	if len(ids) > n {
		ids = ids[:n]
	}
	return ids
}
