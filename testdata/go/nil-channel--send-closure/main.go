// nil-channel--send-closure: `go func() { s.updates <- v }()` on one line,
// where the struct's updates channel was never made: every send blocks
// in `chan send (nil chan)`.
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Store struct {
	data    map[string]int
	updates chan string // never made: NewStore forgot it
}

func NewStore() *Store { return &Store{data: map[string]int{}} }

func (s *Store) Set(k string, v int) {
	s.data[k] = v
	go func() { s.updates <- k }()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	s := NewStore()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			s.Set("key", i)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("nil-channel--send-closure")
}
