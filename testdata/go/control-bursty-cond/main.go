// control-bursty-cond (leak-free): rounds of a simulation. main starts one
// goroutine per agent; every agent waits on a sync.Cond barrier until the
// round opens (Broadcast, just after the snapshot), does its step and
// exits; main waits for the round with a WaitGroup. Rounds grow 16 → 48 →
// 96 → 150 over four snapshots; no agent outlives its round.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Barrier struct {
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

func NewBarrier() *Barrier {
	b := &Barrier{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *Barrier) Await() {
	b.mu.Lock()
	for !b.open {
		b.cond.Wait()
	}
	b.mu.Unlock()
}

func (b *Barrier) Open() {
	b.mu.Lock()
	b.open = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

type Agent struct {
	ID    int
	Score int
}

type World struct {
	mu    sync.Mutex
	total int
}

func (w *World) step(a *Agent, round *Barrier, wg *sync.WaitGroup) {
	defer wg.Done()
	round.Await()
	a.Score += a.ID % 7
	w.mu.Lock()
	w.total += a.Score
	w.mu.Unlock()
}

func main() {
	snap.Start()
	w := &World{}
	rounds := []int{16, 48, 96, 150}
	for k, n := range rounds {
		round := NewBarrier()
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go w.step(&Agent{ID: i}, round, &wg)
		}
		snap.Settle()
		snap.Goroutines(k + 1) // every agent of the round waits at the barrier
		round.Open()
		wg.Wait()
		fmt.Printf("round %d: %d agents, total %d\n", k+1, n, w.total)
	}
	snap.Finish("control-bursty-cond")
}
