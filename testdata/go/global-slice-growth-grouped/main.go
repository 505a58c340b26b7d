// global-slice-growth-grouped: subscribers are kept in a package-level
// slice declared in a var block; unsubscribing only flips a flag.
package main

import (
	"sync"

	"example.com/leaks/internal/snap"
)

type Subscriber struct {
	topic  string
	active bool
	buf    [200]byte
}

var (
	subsMu      sync.Mutex
	subscribers []*Subscriber
)

func Subscribe(topic string) *Subscriber {
	s := &Subscriber{topic: topic, active: true}
	subsMu.Lock()
	subscribers = append(subscribers, s)
	subsMu.Unlock()
	return s
}

func (s *Subscriber) Unsubscribe() { s.active = false }

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 3000; i++ {
			Subscribe("orders").Unsubscribe()
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("global-slice-growth-grouped")
}
