// control-pool-plateau (leak-free): a worker pool that starts its workers
// lazily, one per submitted job, up to a maximum of 8. The pool fills and
// then stays: 4 → 8 → 8 → 8 idle workers over four snapshots, all ranging
// over the live job queue.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Job struct {
	ID   int
	Data []byte
}

type Pool struct {
	mu      sync.Mutex
	jobs    chan Job
	workers int
	max     int
	done    sync.WaitGroup
	sum     int
}

func NewPool(max int) *Pool {
	return &Pool{jobs: make(chan Job, 64), max: max}
}

func (p *Pool) Submit(j Job) {
	p.mu.Lock()
	if p.workers < p.max {
		p.workers++
		go p.worker(p.workers)
	}
	p.mu.Unlock()
	p.done.Add(1)
	p.jobs <- j
}

func (p *Pool) worker(id int) {
	for j := range p.jobs {
		p.mu.Lock()
		p.sum += len(j.Data) + id
		p.mu.Unlock()
		p.done.Done()
	}
}

func main() {
	snap.Start()
	p := NewPool(8)
	load := []int{4, 6, 20, 40}
	id := 0
	for k, n := range load {
		for i := 0; i < n; i++ {
			id++
			p.Submit(Job{ID: id, Data: make([]byte, 32)})
		}
		p.done.Wait()
		snap.Settle()
		snap.Goroutines(k + 1)
		fmt.Printf("phase %d: %d jobs, %d workers\n", k+1, n, p.workers)
	}
	close(p.jobs)
	snap.Finish("control-pool-plateau")
}
