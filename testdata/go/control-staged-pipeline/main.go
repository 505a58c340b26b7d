// control-staged-pipeline (leak-free): a record pipeline is configured
// stage by stage while records flow, one stage per snapshot: each stage
// has three workers ranging over its input channel and a closer goroutine
// that waits for them (`go func() { wg.Wait(); close(out) }()`) to close its
// output. Over four snapshots the workers grow 3 → 6 → 9 → 12 and the
// closers 1 → 2 → 3 → 4, at every step, every goroutine staying: a set of
// long-lived goroutines still being built, which closing the source ends,
// stage after stage.
package main

import (
	"fmt"
	"strings"
	"sync"

	"example.com/leaks/internal/snap"
)

type Record struct {
	Key  string
	Body string
}

type Pipeline struct {
	source chan Record
	tail   <-chan Record
	stages []string
}

func NewPipeline() *Pipeline {
	src := make(chan Record)
	return &Pipeline{source: src, tail: src}
}

// AddStage appends a stage of n workers applying fn.
func (p *Pipeline) AddStage(name string, n int, fn func(Record) Record) {
	in := p.tail
	out := make(chan Record)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go runStage(fn, in, out, &wg)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	p.tail = out
	p.stages = append(p.stages, name)
}

func runStage(fn func(Record) Record, in <-chan Record, out chan<- Record, wg *sync.WaitGroup) {
	defer wg.Done()
	for r := range in {
		out <- fn(r)
	}
}

func main() {
	snap.Start()
	p := NewPipeline()
	stages := []struct {
		name string
		fn   func(Record) Record
	}{
		{"trim", func(r Record) Record { r.Body = strings.TrimSpace(r.Body); return r }},
		{"upper", func(r Record) Record { r.Key = strings.ToUpper(r.Key); return r }},
		{"tag", func(r Record) Record { r.Body = "[" + r.Key + "] " + r.Body; return r }},
		{"count", func(r Record) Record { r.Body += fmt.Sprintf(" (%d)", len(r.Body)); return r }},
	}
	for k, st := range stages {
		p.AddStage(st.name, 3, st.fn)
		// Records flow through the stages configured so far.
		done := make(chan int)
		go func(tail <-chan Record, n int) {
			got := 0
			for i := 0; i < n; i++ {
				<-tail
				got++
			}
			done <- got
		}(p.tail, 50)
		for i := 0; i < 50; i++ {
			p.source <- Record{Key: fmt.Sprintf("k%d", i), Body: "  record body  "}
		}
		got := <-done
		snap.Settle()
		snap.Goroutines(k + 1)
		fmt.Printf("phase %d: %d stages, %d records through\n", k+1, len(p.stages), got)
	}
	close(p.source)
	for range p.tail {
	}
	snap.Finish("control-staged-pipeline")
}
