// control-worker-pool (leak-free): a fixed pool of workers ranges over a
// live job queue. Between phases the workers idle in "chan receive"; the
// count never changes.
package main

import (
	"fmt"
	"hash/crc32"

	"example.com/leaks/internal/snap"
)

type Job struct {
	ID   int
	Data []byte
}

type Pool struct {
	jobs    chan Job
	results chan uint32
}

func NewPool(workers int) *Pool {
	p := &Pool{jobs: make(chan Job), results: make(chan uint32)}
	for i := 0; i < workers; i++ {
		go p.worker(i)
	}
	return p
}

func (p *Pool) worker(id int) {
	for j := range p.jobs {
		p.results <- crc32.ChecksumIEEE(j.Data)
	}
}

// Process submits n jobs and waits for all results.
func (p *Pool) Process(n, base int) uint32 {
	go func() {
		for i := 0; i < n; i++ {
			p.jobs <- Job{ID: base + i, Data: []byte(fmt.Sprintf("job-%d", base+i))}
		}
	}()
	var sum uint32
	for i := 0; i < n; i++ {
		sum ^= <-p.results
	}
	return sum
}

func main() {
	snap.Start()
	p := NewPool(8)
	for k := 1; k <= 3; k++ {
		sum := p.Process(200, k*1000)
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: checksum %08x\n", k, sum)
	}
	snap.Finish("control-worker-pool")
}
