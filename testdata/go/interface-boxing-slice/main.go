// interface-boxing-slice: the event log keeps every event as an
// interface{} value; each append copies the 640-byte Event struct into a
// new heap object.
package main

import (
	"example.com/leaks/internal/snap"
)

type Event struct {
	Kind    int
	Payload [632]byte
}

type EventLog struct {
	events []interface{}
}

func (l *EventLog) Record(ev Event) {
	l.events = append(l.events, ev)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	l := &EventLog{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 2000; i++ {
			l.Record(Event{Kind: i})
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("interface-boxing-slice")
}
