// control-pool-busy-idle (leak-free): a fixed pool of 12 workers started
// once. In each phase some jobs wait on a slow backend until the next phase
// answers them; as the slow jobs thin out (9, 6, 3, 0), more and more
// workers are caught idle in `for job := range p.jobs`: 3 → 6 → 9 → 12.
// The idle group grows at every step while the pool holds at 12, and
// workers go back and forth between idle and busy.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Job struct {
	ID    int
	reply chan int
}

type Pool struct {
	jobs chan Job
	busy sync.WaitGroup
	mu   sync.Mutex
	sum  int
}

func NewPool(workers int) *Pool {
	p := &Pool{jobs: make(chan Job)}
	for i := 0; i < workers; i++ {
		go p.worker(i)
	}
	return p
}

func (p *Pool) worker(id int) {
	for job := range p.jobs {
		n := p.call(job)
		p.mu.Lock()
		p.sum += n + id
		p.mu.Unlock()
		p.busy.Done()
	}
}

// call waits for the backend's answer to the job.
func (p *Pool) call(job Job) int {
	return <-job.reply
}

func main() {
	snap.Start()
	p := NewPool(12)
	var pending []chan int
	id := 0
	for k, slow := range []int{9, 6, 3, 0} {
		// Answer the jobs of the last phase; wait until every worker is
		// back in the queue.
		for _, r := range pending {
			r <- 1
		}
		p.busy.Wait()
		pending = pending[:0]
		for i := 0; i < slow; i++ {
			id++
			r := make(chan int, 1)
			pending = append(pending, r)
			p.busy.Add(1)
			p.jobs <- Job{ID: id, reply: r}
		}
		snap.Settle()
		snap.Goroutines(k + 1)
		fmt.Printf("phase %d: %d slow jobs in flight\n", k+1, slow)
	}
	close(p.jobs)
	snap.Finish("control-pool-busy-idle")
}
