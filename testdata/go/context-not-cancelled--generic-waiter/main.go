// context-not-cancelled--generic-waiter: a generic named function
// `flushOnDone[T]` waits on <-ctx.Done() and then hands its value to a
// sink; Spool.Begin starts it per batch with a WithCancel child of the
// spool's context and stores the cancel where nothing ever calls it.
package main

import (
	"context"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func flushOnDone[T any](ctx context.Context, v T, sink func(T)) {
	<-ctx.Done()
	sink(v)
}

type batch struct {
	id    int
	lines []string
}

type Spool struct {
	ctx     context.Context
	cancels []context.CancelFunc
	flushed int
}

func (s *Spool) Begin(id int) {
	ctx, cancel := context.WithCancel(s.ctx)
	s.cancels = append(s.cancels, cancel) // BUG: never called
	go flushOnDone(ctx, batch{id: id, lines: make([]string, 0, 8)}, func(b batch) { s.flushed++ })
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	s := &Spool{ctx: context.Background()}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 9; i++ {
			id++
			s.Begin(id)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--generic-waiter")
}
