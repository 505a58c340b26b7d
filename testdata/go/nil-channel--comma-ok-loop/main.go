// nil-channel--comma-ok-loop: each Tailer reads its feed with an explicit
// `line, ok := <-t.feed` loop, but NewTailer never makes the feed channel:
// a receive on a nil channel that no close will end.
package main

import (
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Tailer struct {
	name string
	feed chan string
	out  strings.Builder
}

func (t *Tailer) follow() {
	for {
		line, ok := <-t.feed
		if !ok {
			return
		}
		t.out.WriteString(line)
	}
}

func NewTailer(name string) *Tailer {
	t := &Tailer{name: name} // BUG: feed: make(chan string) missing
	go t.follow()
	return t
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 8; i++ {
			_ = NewTailer("access.log")
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("nil-channel--comma-ok-loop")
}
