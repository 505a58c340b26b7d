// chan-send-blocked--oneline-closure: the send is the whole body of a
// one-line closure, `go func(i int) { c.out <- i * weight(i) }(i)`, so
// the blocked line is the go statement's own line. The scorer that
// reads c.out stopped after the warm-up.
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Scorer struct {
	out   chan int
	total int
	done  chan struct{}
}

func weight(i int) int { return i%7 + 1 }

// Score fans the items out; every result goes to c.out.
func (c *Scorer) Score(items []int) {
	for _, i := range items {
		go func(i int) { c.out <- i * weight(i) }(i)
	}
}

// sum reads n results and stops, like a report that only wanted the first page.
func (c *Scorer) sum(n int) {
	defer close(c.done)
	for j := 0; j < n; j++ {
		c.total += <-c.out
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Scorer{out: make(chan int), done: make(chan struct{})}
	go c.sum(4)
	c.Score([]int{1, 2, 3, 4})
	<-c.done
	for k := 1; k <= 3; k++ {
		for b := 0; b < 5; b++ {
			c.Score([]int{k, b})
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--oneline-closure")
}
