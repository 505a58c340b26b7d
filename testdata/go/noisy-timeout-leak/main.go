// noisy-timeout-leak: a real leak hidden in churn. (*Resolver).Lookup
// starts the upstream query in a goroutine and selects on its unbuffered
// result channel and the context's deadline; when the deadline wins, the
// query goroutine (Lookup.func1) blocks on its send forever (+8 per
// snapshot). Around it, leak-free noise: a batcher that fans each flush out
// to one goroutine per record held at a gate (bursts 20 → 60 → 140, gone
// after each snapshot) and 4 idle pool workers.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Upstream struct {
	slow chan struct{} // closed when the slow answers finally arrive
}

func (u *Upstream) query(host string) string {
	<-u.slow
	return "192.0.2." + fmt.Sprint(len(host))
}

type Resolver struct {
	up      *Upstream
	timeout time.Duration
}

func (r *Resolver) Lookup(ctx context.Context, host string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	ch := make(chan string) // BUG: unbuffered; after a timeout nobody receives
	go func() {
		ch <- r.up.query(host)
	}()
	select {
	case addr := <-ch:
		return addr, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type Record struct {
	Key string
	Val int
}

type Batcher struct {
	mu      sync.Mutex
	written int
}

func (b *Batcher) flush(recs []Record, gate <-chan struct{}, wg *sync.WaitGroup) {
	for _, rec := range recs {
		wg.Add(1)
		go func(rec Record) {
			defer wg.Done()
			<-gate // all records of a flush commit together
			b.mu.Lock()
			b.written += rec.Val
			b.mu.Unlock()
		}(rec)
	}
}

type Pool struct {
	tasks chan func()
}

func (p *Pool) worker() {
	for t := range p.tasks {
		t()
	}
}

func main() {
	snap.Start()
	pool := &Pool{tasks: make(chan func())}
	for i := 0; i < 4; i++ {
		go pool.worker()
	}
	b := &Batcher{}
	bursts := []int{20, 60, 140}
	for k := 1; k <= 3; k++ {
		gate := make(chan struct{})
		var wg sync.WaitGroup
		recs := make([]Record, bursts[k-1])
		for i := range recs {
			recs[i] = Record{Key: fmt.Sprintf("k%d", i), Val: i}
		}
		b.flush(recs, gate, &wg)

		r := &Resolver{up: &Upstream{slow: make(chan struct{})}, timeout: 10 * time.Millisecond}
		var lookups sync.WaitGroup
		for i := 0; i < 8; i++ {
			lookups.Add(1)
			go func(i int) {
				defer lookups.Done()
				if _, err := r.Lookup(context.Background(), fmt.Sprintf("svc-%d.internal", i)); err != nil {
					_ = err // timed out
				}
			}(i)
		}
		lookups.Wait()
		close(r.up.slow) // the answers arrive after every caller gave up

		snap.Settle()
		snap.Goroutines(k)
		close(gate)
		wg.Wait()
	}
	snap.Finish("noisy-timeout-leak")
}
