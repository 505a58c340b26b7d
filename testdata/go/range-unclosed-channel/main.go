// range-unclosed-channel: each stream has a consumer doing
// `for ev := range ch`; the producer sends its events and returns without
// close(ch), so the consumer waits in "chan receive" forever.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Event struct {
	Stream int
	Seq    int
}

type Stats struct {
	mu     sync.Mutex
	events int
}

func (s *Stats) consumeEvents(ch <-chan Event) {
	for ev := range ch {
		s.mu.Lock()
		s.events += ev.Seq
		s.mu.Unlock()
	}
}

// produceEvents forgets close(ch).
func produceEvents(stream int, ch chan<- Event, n int) {
	for i := 0; i < n; i++ {
		ch <- Event{Stream: stream, Seq: i}
	}
}

func main() {
	snap.Start()
	stats := &Stats{}
	stream := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			stream++
			ch := make(chan Event)
			go stats.consumeEvents(ch)
			produceEvents(stream, ch, 5)
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: %d events\n", k, stats.events)
	}
	snap.Finish("range-unclosed-channel")
}
