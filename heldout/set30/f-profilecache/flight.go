package main

import (
	"sync"
)

// call is one in-progress origin fetch that other callers can wait on.
type call struct {
	done chan struct{}
	val  *Profile
	err  error
	dups int
}

// flightGroup collapses concurrent loads of the same key into one.
type flightGroup struct {
	mu    sync.Mutex
	calls map[string]*call
}

type temporary interface{ Temporary() bool }

// Do runs fn for key unless a load for key is already running, in which
// case it waits for that one and returns its result.
func (g *flightGroup) Do(key string, fn func() (*Profile, error)) (*Profile, error, bool) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = make(map[string]*call)
	}
	if c, ok := g.calls[key]; ok {
		c.dups++
		g.mu.Unlock()
		<-c.done
		return c.val, c.err, true
	}
	c := &call{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()

	c.val, c.err = fn()

	if t, ok := c.err.(temporary); ok && t.Temporary() {
		// Don't let everyone share a "try again later": drop the call so
		// the next request goes back to the origin.
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		return nil, c.err, false
	}

	close(c.done)
	g.mu.Lock()
	delete(g.calls, key)
	g.mu.Unlock()
	return c.val, c.err, c.dups > 0
}

func (g *flightGroup) inflight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.calls)
}
