// sleep-loop--labels-goto: the retry loop is written with a label and
// goto (`retry: if !lease.acquired() { time.Sleep(d); goto retry }`); the
// lease is held by a node that died, so it never returns.
package main

import (
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Lease struct {
	mu    sync.Mutex
	owner string
}

func (l *Lease) tryAcquire(who string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owner == "" {
		l.owner = who
		return true
	}
	return l.owner == who
}

func (l *Lease) acquire(who string) {
	attempts := 0
retry:
	attempts++
	if !l.tryAcquire(who) {
		time.Sleep(10 * time.Second)
		goto retry
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	lease := &Lease{owner: "node-dead"}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go lease.acquire("node-a")
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sleep-loop--labels-goto")
}
