// context-not-cancelled--todo-closure: Reserve hands a multi-line closure
// context.TODO(), which it waits on before releasing the reservation:
// TODO's Done channel is nil, so the closure never wakes.
package main

import (
	"context"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Seats struct {
	mu    sync.Mutex
	taken map[int]bool
}

func (s *Seats) release(seat int) {
	s.mu.Lock()
	delete(s.taken, seat)
	s.mu.Unlock()
}

func (s *Seats) Reserve(seat int) {
	ctx := context.TODO() // should have been the request's context
	s.mu.Lock()
	s.taken[seat] = true
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.release(seat)
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	s := &Seats{taken: map[int]bool{}}
	seat := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			seat++
			n := seat
			pool.Do(func() { s.Reserve(n) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--todo-closure")
}
