// nil-channel--field-nilled: Close drops a stream's pending events by
// setting its channel field to nil; emitters started afterwards copy the
// field and send on the nil channel forever.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type stream struct {
	mu     sync.Mutex
	events chan string
}

func (s *stream) Close() {
	s.mu.Lock()
	s.events = nil
	s.mu.Unlock()
}

func (s *stream) emit(ev string) {
	s.mu.Lock()
	out := s.events
	s.mu.Unlock()
	out <- ev
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			s := &stream{events: make(chan string, 1)}
			s.emit("open")
			s.Close()
			go s.emit(fmt.Sprintf("late-%d-%d", k, i))
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("nil-channel--field-nilled")
}
