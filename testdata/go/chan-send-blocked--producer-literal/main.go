// chan-send-blocked--producer-literal: (*Feed).Replay starts a literal that
// sends every stored event on the feed's out channel, in a loop, and
// returns; the reader takes a page of events and stops, so the producer
// literal stays blocked in the middle of its loop. Replay returned
// normally: no early return, a consumer that went away.
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Event struct {
	Seq  int
	Kind string
}

type Feed struct {
	out    chan Event
	stored []Event
}

func (f *Feed) Replay(from int) {
	go func() {
		for _, ev := range f.stored[from:] {
			f.out <- ev
		}
		close(f.out)
	}()
}

func readPage(f *Feed, n int) []Event {
	page := make([]Event, 0, n)
	for ev := range f.out {
		page = append(page, ev)
		if len(page) == n {
			break
		}
	}
	return page
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	stored := make([]Event, 20)
	for i := range stored {
		stored[i] = Event{Seq: i, Kind: "update"}
	}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			f := &Feed{out: make(chan Event), stored: stored}
			f.Replay(i)
			_ = readPage(f, 3)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-send-blocked--producer-literal")
}
