package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// lease is a grant from a concurrency pool. The holder gives it back with
// a release; if it never does (crashed worker, lost connection) the lease
// runs out at its maximum lifetime and the units are reclaimed.
type lease struct {
	id       string
	pool     *quotaPool
	units    int
	holder   string
	granted  time.Time
	lifetime *time.Timer
	released chan struct{}
}

type leaseTable struct {
	mu     sync.Mutex
	leases map[string]*lease
	seq    uint64

	released  int64
	reclaimed int64
}

func newLeaseTable() *leaseTable {
	return &leaseTable{leases: make(map[string]*lease)}
}

// grant records a lease on units already taken from p and starts the
// goroutine that enforces its maximum lifetime.
func (t *leaseTable) grant(p *quotaPool, units int, holder string, maxLife time.Duration) *lease {
	n := atomic.AddUint64(&t.seq, 1)
	l := &lease{
		id:       fmt.Sprintf("ls-%06x", n),
		pool:     p,
		units:    units,
		holder:   holder,
		granted:  time.Now(),
		lifetime: time.NewTimer(maxLife),
		released: make(chan struct{}),
	}
	t.mu.Lock()
	t.leases[l.id] = l
	t.mu.Unlock()
	go t.enforce(l)
	return l
}

// enforce waits for the holder to give the lease back or for its
// lifetime to run out, whichever comes first.
func (t *leaseTable) enforce(l *lease) {
	select {
	case <-l.released:
		return
	case <-l.lifetime.C:
	}
	if t.take(l.id) == nil {
		return // released at the last moment
	}
	atomic.AddInt64(&t.reclaimed, 1)
	l.pool.Put(l.units)
}

// take removes the lease from the table; only the caller that gets it
// back returns its units.
func (t *leaseTable) take(id string) *lease {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.leases[id]
	if l != nil {
		delete(t.leases, id)
	}
	return l
}

// release ends a lease on the holder's request.
func (t *leaseTable) release(id string) bool {
	l := t.take(id)
	if l == nil {
		return false
	}
	l.lifetime.Stop()
	close(l.released)
	atomic.AddInt64(&t.released, 1)
	l.pool.Put(l.units)
	return true
}

func (t *leaseTable) active() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.leases)
}
