package main

import (
	"log"
	"math/rand"
	"sync"
	"time"
)

// leaseTable is a shared lock with expiry, like a row in a database that
// replicas race to own.
type leaseTable struct {
	mu      sync.Mutex
	holder  string
	expires time.Time
	term    int
}

func (lt *leaseTable) TryAcquire(id string, ttl time.Duration) (bool, int) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	now := time.Now()
	if lt.holder == id || now.After(lt.expires) {
		if lt.holder != id {
			lt.term++
		}
		lt.holder = id
		lt.expires = now.Add(ttl)
		return true, lt.term
	}
	return false, lt.term
}

func (lt *leaseTable) Release(id string) {
	lt.mu.Lock()
	if lt.holder == id {
		lt.holder = ""
		lt.expires = time.Time{}
	}
	lt.mu.Unlock()
}

// replica campaigns for leadership. While it leads it runs the rebalancer;
// it steps down now and then (deploys, restarts) and loses the lease if it
// stalls for longer than the TTL.
type replica struct {
	id    string
	lease *leaseTable
	ttl   time.Duration
	d     *Dispatcher
	log   *log.Logger
}

func (r *replica) campaign() {
	t := time.NewTicker(r.ttl / 3)
	defer t.Stop()
	var stop chan struct{}
	var done chan struct{}
	lead := false
	for range t.C {
		ok, term := r.lease.TryAcquire(r.id, r.ttl)
		switch {
		case ok && !lead:
			lead = true
			stop, done = make(chan struct{}), make(chan struct{})
			r.log.Printf("%s: leader for term %d", r.id, term)
			go r.rebalance(stop, done)
		case !ok && lead:
			lead = false
			close(stop)
			<-done
			r.log.Printf("%s: lost leadership", r.id)
		}
		if lead && rand.Intn(120) == 0 {
			close(stop)
			<-done
			lead = false
			r.lease.Release(r.id)
			// Give the others a chance before campaigning again.
			time.Sleep(r.ttl)
		}
	}
}

// rebalance runs only on the leader: it periodically looks at backlog
// and would move hot tenants between shards.
func (r *replica) rebalance(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			total, deepest := r.d.Backlog()
			if deepest > 32 {
				r.log.Printf("%s: rebalance: backlog=%d deepest=%d", r.id, total, deepest)
			}
		}
	}
}
