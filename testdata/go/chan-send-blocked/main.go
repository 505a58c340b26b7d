// chan-send-blocked: workers send on an unbuffered results channel whose
// only reader, the collector, has already stopped. Every job submitted
// after that leaves one worker blocked in "chan send" forever.
package main

import (
	"fmt"
	"strings"

	"example.com/leaks/internal/snap"
)

type Result struct {
	JobID int
	Words int
}

type Pipeline struct {
	results chan Result // unbuffered; read only by collect
	total   int
	stopped chan struct{}
}

func NewPipeline() *Pipeline {
	return &Pipeline{results: make(chan Result), stopped: make(chan struct{})}
}

// collect reads a fixed number of results and then stops, as a
// reporting loop that only wanted the first batch would.
func (p *Pipeline) collect(limit int) {
	defer close(p.stopped)
	for i := 0; i < limit; i++ {
		r := <-p.results
		p.total += r.Words
	}
}

// Submit starts one worker per job.
func (p *Pipeline) Submit(id int, text string) {
	go p.process(id, text)
}

// process does the work and sends the result; nobody reads it any more.
func (p *Pipeline) process(id int, text string) {
	n := len(strings.Fields(text))
	p.results <- Result{JobID: id, Words: n}
}

func main() {
	snap.Start()
	p := NewPipeline()
	go p.collect(5)
	for i := 0; i < 5; i++ {
		p.Submit(i, "warm up the pipeline")
	}
	<-p.stopped
	job := 100
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			job++
			p.Submit(job, fmt.Sprintf("document %d of phase %d", i, k))
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("chan-send-blocked")
}
