// control-pool-ramp-held (leak-free): an elastic pool of (*Pool).worker
// goroutines grows as jobs back up, 10 → 16 → 18 workers, then holds at
// its bound of 18. A worker is busy while its job waits for its upstream
// reply ((*Job).run) and idle in `for job := range p.jobs` between jobs;
// replies come back after new jobs were handed out, so workers go back
// and forth. The busy group reads 8 → 9 → 9 → 16 while the pool grows
// over two steps and then holds: new workers at the first steps, workers
// moving between states after them. Everything ends after snapshot 4.
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

// run waits for the job's upstream reply.
func (j *Job) run() int {
	return <-j.reply
}

type Pool struct {
	jobs    chan *Job
	wg      sync.WaitGroup
	mu      sync.Mutex
	workers int
	done    int
}

func (p *Pool) worker() {
	defer p.wg.Done()
	for job := range p.jobs {
		v := job.run()
		p.mu.Lock()
		p.done += v
		p.mu.Unlock()
	}
}

// grow adds n workers, as the autoscaler does when jobs back up.
func (p *Pool) grow(n int) {
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		p.workers++
		go p.worker()
	}
}

type Dispatcher struct {
	pool    *Pool
	pending []*Job
	next    int
}

// dispatch hands out n jobs; each blocks its worker until replied.
func (d *Dispatcher) dispatch(n int) {
	for i := 0; i < n; i++ {
		d.next++
		j := &Job{ID: d.next, reply: make(chan int)}
		d.pending = append(d.pending, j)
		d.pool.jobs <- j
	}
}

// reply answers the n oldest pending jobs; their workers go idle.
func (d *Dispatcher) reply(n int) {
	for _, j := range d.pending[:n] {
		j.reply <- 1
	}
	d.pending = d.pending[n:]
}

func main() {
	snap.Start()
	p := &Pool{jobs: make(chan *Job)}
	d := &Dispatcher{pool: p}
	phases := []struct{ grow, dispatch, reply int }{
		{10, 8, 0}, // 10 workers, 8 busy
		{6, 6, 5},  // 16 workers: 6 new jobs, then 5 old ones answered: 9 busy
		{2, 2, 2},  // 18 workers: 2 new jobs, 2 old ones answered: 9 busy
		{0, 7, 0},  // at the bound: 7 new jobs for idle workers: 16 busy
	}
	for k, ph := range phases {
		p.grow(ph.grow)
		d.dispatch(ph.dispatch)
		d.reply(ph.reply)
		snap.Settle()
		snap.Goroutines(k + 1)
	}
	d.reply(len(d.pending))
	close(p.jobs)
	p.wg.Wait()
	fmt.Printf("workers %d, jobs done %d\n", p.workers, p.done)
	snap.Finish("control-pool-ramp-held")
}
