// chan-send-blocked--nested-closure: the blocked send sits in a callback
// literal nested inside the goroutine's closure, so the stack reads
// (*Exporter).Flush.func3.1 under (*Exporter).Flush.func3 (after two other
// literals in Flush). The writer that reads rows quit on a bad row.
package main

import (
	"sort"
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Exporter struct {
	rows   []string
	out    chan string // read by writer until it fails
	failed bool
}

func (e *Exporter) each(fn func(string)) {
	for _, r := range e.rows {
		fn(r)
	}
}

func (e *Exporter) Flush() {
	sort.Slice(e.rows, func(i, j int) bool { return e.rows[i] < e.rows[j] })
	clean := func(s string) string { return strings.TrimSpace(s) }
	go func() {
		e.each(func(r string) {
			e.out <- clean(r)
		})
	}()
}

// writer stops at the first malformed row, as one that hit a write error.
func writer(in <-chan string, quit chan<- struct{}) {
	for r := range in {
		if strings.Contains(r, "<-") { // "a <- b" is malformed CSV here
			close(quit)
			return
		}
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(2)
	out := make(chan string)
	quit := make(chan struct{})
	go writer(out, quit)
	first := &Exporter{rows: []string{"a,1", "a <- b"}, out: out}
	first.Flush()
	<-quit
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			e := &Exporter{rows: []string{" x,1 ", " y,2 "}, out: out}
			e.Flush()
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--nested-closure")
}
