// noisy-time-after: a Go <= 1.22 heap leak under Go's default
// MemProfileRate (512 KiB). (*Ingest).consume does
// `select { case m := <-in: ... case <-time.After(5 * time.Minute): }` per
// message; each call's timer stays in the runtime timer heap until it
// fires, minutes later. Traffic 5000, 10000, 11000 messages, then a quiet
// phase: with Go 1.19 the sampled in-use size of time.NewTimer grows in
// steps of a few samples (about 1 → 3 → 5 → 5 MiB over four heap
// snapshots, varying from run to run; the last step is a
// plateau only within the sampling error). Go >= 1.23 collects
// unreferenced timers: flat. Around it, leak-free noise: per-phase bursts
// of acknowledgement goroutines held at a gate (10 → 30 → 70 → 0) and 3
// idle workers.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Msg struct {
	Seq  int
	Body [24]byte
}

type Ingest struct {
	in      chan Msg
	handled int
	idle    int
}

func (g *Ingest) consume(n int, done chan<- int) {
	for i := 0; i < n; i++ {
		select {
		case m := <-g.in:
			g.handled += m.Seq & 1
		case <-time.After(5 * time.Minute): // BUG (Go <= 1.22): one live timer per message
			g.idle++
		}
	}
	done <- n
}

type Acker struct {
	mu    sync.Mutex
	acked int
}

func (a *Acker) ack(seq int, gate <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-gate
	a.mu.Lock()
	a.acked += seq & 1
	a.mu.Unlock()
}

func worker(jobs <-chan int) {
	for range jobs {
	}
}

func main() {
	snap.Start()
	jobs := make(chan int)
	for i := 0; i < 3; i++ {
		go worker(jobs)
	}
	g := &Ingest{in: make(chan Msg, 256)}
	a := &Acker{}
	traffic := []int{5000, 10000, 11000, 0}
	acks := []int{10, 30, 70, 0}
	seq := 0
	for k := 1; k <= 4; k++ {
		done := make(chan int)
		go g.consume(traffic[k-1], done)
		for i := 0; i < traffic[k-1]; i++ {
			seq++
			g.in <- Msg{Seq: seq}
		}
		<-done
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < acks[k-1]; i++ {
			wg.Add(1)
			go a.ack(seq+i, gate, &wg)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		close(gate)
		wg.Wait()
	}
	fmt.Printf("handled %d, idle %d\n", g.handled, g.idle)
	snap.Finish("noisy-time-after")
}
