// select-no-exit: every subscriber gets a pump goroutine that loops
// `for { select { case v := <-in: ... case <-tick: ... } }` with no done
// or ctx case. Unsubscribing drops the subscriber from the hub but the
// pump never exits.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Message struct {
	Topic string
	Body  string
}

type Subscriber struct {
	id      int
	in      chan Message
	pending []Message
	flushed int
}

type Hub struct {
	mu   sync.Mutex
	subs map[int]*Subscriber
}

func (h *Hub) Subscribe(id int) *Subscriber {
	s := &Subscriber{id: id, in: make(chan Message, 8)}
	h.mu.Lock()
	h.subs[id] = s
	h.mu.Unlock()
	go s.pump(time.NewTicker(30 * time.Second).C)
	return s
}

// Unsubscribe forgets the subscriber; nothing tells pump to stop.
func (h *Hub) Unsubscribe(id int) {
	h.mu.Lock()
	delete(h.subs, id)
	h.mu.Unlock()
}

func (s *Subscriber) pump(tick <-chan time.Time) {
	for {
		select {
		case m := <-s.in:
			s.pending = append(s.pending, m)
		case <-tick:
			s.flushed += len(s.pending)
			s.pending = s.pending[:0]
		}
	}
}

func main() {
	snap.Start()
	h := &Hub{subs: map[int]*Subscriber{}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			s := h.Subscribe(id)
			s.in <- Message{Topic: "orders", Body: fmt.Sprintf("order %d", id)}
			h.Unsubscribe(id)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("select-no-exit")
}
