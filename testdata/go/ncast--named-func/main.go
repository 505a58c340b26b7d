// ncast--named-func: `go ask(b, q, answers)` for each of 3 backends in a
// loop; the caller takes the first answer and returns, 2 ask goroutines
// per call stay blocked on their send.
package main

import (
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Backend struct {
	Zone  string
	Delay time.Duration
}

type Answer struct {
	Zone string
	Text string
}

func ask(b Backend, q string, answers chan<- Answer) {
	time.Sleep(b.Delay)
	answers <- Answer{Zone: b.Zone, Text: "re: " + q}
}

func hedged(backends []Backend, q string) Answer {
	answers := make(chan Answer)
	for _, b := range backends {
		go ask(b, q, answers)
	}
	return <-answers
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	backends := []Backend{{"eu", time.Millisecond}, {"us", 4 * time.Millisecond}, {"ap", 7 * time.Millisecond}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			hedged(backends, "ping")
			pool.Do(func() {})
		}
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ncast--named-func")
}
