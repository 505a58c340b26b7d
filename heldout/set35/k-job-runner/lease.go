package main

import (
	"context"
	"log"
	"sync"
	"time"
)

type lease struct {
	holder  string
	expires time.Time
	renewed int
}

// leaseTable records which worker owns which running job. A worker that
// stops renewing loses the job; watchExpiry reports such jobs as failed.
type leaseTable struct {
	ttl    time.Duration
	mu     sync.Mutex
	leases map[string]*lease
	lost   int
}

func newLeaseTable(ttl time.Duration) *leaseTable {
	return &leaseTable{ttl: ttl, leases: make(map[string]*lease)}
}

func (t *leaseTable) acquire(jobID, holder string) {
	t.mu.Lock()
	t.leases[jobID] = &lease{holder: holder, expires: time.Now().Add(t.ttl)}
	t.mu.Unlock()
}

func (t *leaseTable) renew(jobID, holder string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.leases[jobID]
	if !ok || l.holder != holder {
		return false
	}
	l.expires = time.Now().Add(t.ttl)
	l.renewed++
	return true
}

func (t *leaseTable) release(jobID string) {
	t.mu.Lock()
	delete(t.leases, jobID)
	t.mu.Unlock()
}

// hold acquires the lease for jobID and keeps it renewed from a background
// goroutine until the returned release function is called. release stops
// the renewer, waits for it and drops the lease.
func (t *leaseTable) hold(jobID, holder string) (release func()) {
	t.acquire(jobID, holder)
	stop := make(chan struct{})
	done := make(chan struct{})
	go t.keepRenewed(jobID, holder, stop, done)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			t.release(jobID)
		})
	}
}

func (t *leaseTable) keepRenewed(jobID, holder string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(t.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if !t.renew(jobID, holder) {
				log.Printf("lease %s: lost by %s", jobID, holder)
				return
			}
		}
	}
}

// watchExpiry fails jobs whose lease ran out (a wedged worker).
func (t *leaseTable) watchExpiry(ctx context.Context, store *jobStore) {
	tick := time.NewTicker(t.ttl / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			var expired []string
			t.mu.Lock()
			for id, l := range t.leases {
				if now.After(l.expires) {
					expired = append(expired, id)
					delete(t.leases, id)
					t.lost++
				}
			}
			t.mu.Unlock()
			for _, id := range expired {
				log.Printf("lease %s expired; failing job", id)
				store.finish(id, errLeaseExpired)
			}
		}
	}
}
