// nil-channel: the Notifier's channels are struct fields that
// newNotifier forgot to make(). listen receives from a nil channel and
// publish sends to one: both block forever ("chan receive (nil chan)" and
// "chan send (nil chan)").
package main

import (
	"example.com/leaks/internal/snap"
)

type Event struct {
	Kind string
	ID   int
}

type Notifier struct {
	name   string
	events chan Event // never initialised
	seen   int
}

func newNotifier(name string) *Notifier {
	return &Notifier{name: name} // BUG: events: make(chan Event)
}

func (n *Notifier) listen() {
	for {
		ev := <-n.events
		n.seen += ev.ID
	}
}

func (n *Notifier) publish(ev Event) {
	n.events <- ev
}

func main() {
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 9; i++ {
			n := newNotifier("webhook")
			go n.listen()
		}
		n := newNotifier("audit")
		go n.publish(Event{Kind: "login", ID: k})
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("nil-channel")
}
