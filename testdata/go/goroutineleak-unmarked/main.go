// goroutineleak-unmarked: a leak the runtime's detector cannot prove. Each
// subscription registers its channel in a package-level registry and starts
// a deliverer that ranges over it; Unsubscribe is never called on the
// "client went away" path, so the channel is never closed and the
// deliverers pile up (+10 per snapshot). The registry keeps every channel
// reachable from a global, so the goroutineleak profile's detection GC
// marks none of them: growth and the runtime disagree, and the growth is
// the leak. A small pool of event workers is healthy.
//
// For every snapshot K it writes goroutine-K.* and then goroutineleak-K.*
// (Go 1.27; its debug=2 form is the full goroutine dump taken right after
// the detection GC, here with no goroutine marked "(leaked)").
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Event struct {
	Topic string
	Seq   int
}

type registry struct {
	mu   sync.Mutex
	subs map[int]chan Event
	next int
}

var subscriptions = &registry{subs: map[int]chan Event{}}

func (r *registry) Subscribe(topic string) (int, chan Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	ch := make(chan Event, 1)
	r.subs[r.next] = ch
	return r.next, ch
}

func (r *registry) Unsubscribe(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch, ok := r.subs[id]; ok {
		close(ch)
		delete(r.subs, id)
	}
}

type client struct {
	name      string
	delivered int
}

func (c *client) deliver(events <-chan Event) {
	for ev := range events {
		c.delivered += ev.Seq
	}
}

func serveClient(name string, goesAway bool) {
	id, ch := subscriptions.Subscribe("orders")
	c := &client{name: name}
	go c.deliver(ch)
	ch <- Event{Topic: "orders", Seq: 1}
	if goesAway {
		return // BUG: Unsubscribe(id) is skipped; the deliverer waits forever
	}
	subscriptions.Unsubscribe(id)
}

type workers struct {
	jobs chan int
	wg   sync.WaitGroup
}

func (w *workers) run() {
	defer w.wg.Done()
	for j := range w.jobs {
		_ = j * j
	}
}

func main() {
	snap.Start()
	w := &workers{jobs: make(chan int)}
	for i := 0; i < 3; i++ {
		w.wg.Add(1)
		go w.run()
	}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			n++
			serveClient(fmt.Sprintf("client-%d", n), i%2 == 0)
			w.jobs <- n
		}
		time.Sleep(50 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
		snap.Profile("goroutineleak", k, 0, 1, 2)
	}
	snap.Finish("goroutineleak-unmarked")
}
