// sleep-loop--helper-pkg: the sleeping loop is internal/poll.Until, in
// another package of the module; WaitReady starts it per rollout for a
// service that never becomes ready.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/poll"
	"example.com/leaks/internal/snap"
)

type Rollout struct {
	mu    sync.Mutex
	ready map[string]bool
}

func (r *Rollout) isReady(svc string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready[svc]
}

func (r *Rollout) WaitReady(svc string, notify chan<- string) {
	go func() {
		poll.Until(func() bool { return r.isReady(svc) }, 15*time.Second)
		notify <- svc
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	r := &Rollout{ready: map[string]bool{}}
	notify := make(chan string, 100)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			r.WaitReady(fmt.Sprintf("svc-%d-%d", k, i), notify)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sleep-loop--helper-pkg")
}
