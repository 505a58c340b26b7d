// heap-growth--field-append: an audit trail keeps every event it records
// in a slice field and nothing trims it (heap only; no map, no subslice,
// no package-level slice: plain growth).
package main

import (
	"fmt"

	"example.com/leaks/internal/snap"
)

type event struct {
	seq    int
	actor  string
	detail [192]byte
}

type trail struct {
	events []*event
}

func (t *trail) record(seq int, actor string) {
	e := &event{seq: seq, actor: actor}
	copy(e.detail[:], fmt.Sprintf("actor %s did %d", actor, seq))
	t.events = append(t.events, e)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	t := &trail{}
	seq := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10000; i++ {
			seq++
			t.record(seq, fmt.Sprintf("user%d", seq%50))
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		fmt.Printf("phase %d: %d events\n", k, len(t.events))
	}
	snap.Finish("heap-growth--field-append")
}
