// control-bursty-gate (leak-free): a dispatcher goroutine fans each batch
// out to one goroutine per item. Every item waits on the batch's gate,
// which is closed once the whole batch is queued (here: just after the
// snapshot); the dispatcher waits for all of them in wg.Wait(). Batches
// grow 20 → 60 → 140, so the counts at the snapshots grow, but no
// goroutine outlives its batch: no goroutine id survives a snapshot.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"

	"example.com/leaks/internal/snap"
)

type Item struct {
	ID      int
	Payload []byte
}

type Dispatcher struct {
	processed int64
	bytes     int64
}

func (d *Dispatcher) process(it Item) {
	atomic.AddInt64(&d.processed, 1)
	atomic.AddInt64(&d.bytes, int64(len(it.Payload)))
}

// dispatch starts one goroutine per item, all held at the gate so that
// the batch is applied together, and reports when every item is done.
func (d *Dispatcher) dispatch(batch []Item, gate <-chan struct{}, done chan<- int) {
	var wg sync.WaitGroup
	for _, it := range batch {
		wg.Add(1)
		go func(it Item) {
			defer wg.Done()
			<-gate
			d.process(it)
		}(it)
	}
	wg.Wait()
	done <- len(batch)
}

func main() {
	snap.Start()
	d := &Dispatcher{}
	sizes := []int{20, 60, 140}
	id := 0
	for k := 1; k <= len(sizes); k++ {
		batch := make([]Item, sizes[k-1])
		for i := range batch {
			id++
			batch[i] = Item{ID: id, Payload: make([]byte, 64)}
		}
		gate := make(chan struct{})
		done := make(chan int)
		go d.dispatch(batch, gate, done)
		snap.Settle()
		snap.Goroutines(k) // the whole batch is parked at its gate
		close(gate)
		fmt.Printf("batch %d: %d items\n", k, <-done)
	}
	snap.Finish("control-bursty-gate")
}
