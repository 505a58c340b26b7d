// cond-never-signalled--named-func: `go awaitQuorum(c, id)` waits in
// c.cond.Wait() for a quorum of 3 votes; vote counts without Broadcast.
// Only two votes arrive during the run (a third voter is down).
package main

import (
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Cluster struct {
	mu    sync.Mutex
	cond  *sync.Cond
	votes int
	need  int
}

func awaitQuorum(c *Cluster, id int) {
	c.mu.Lock()
	for c.votes < c.need {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

func (c *Cluster) vote() { c.mu.Lock(); c.votes++; c.mu.Unlock() }

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Cluster{need: 3}
	c.cond = sync.NewCond(&c.mu)
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			go awaitQuorum(c, id)
		}
		pool.Do(func() {})
		snap.Settle()
		if k < 3 {
			c.vote() // counted, but no Broadcast: waiters never re-check
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("cond-never-signalled--named-func")
}
