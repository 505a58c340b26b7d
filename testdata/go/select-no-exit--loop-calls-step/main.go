// select-no-exit--loop-calls-step: each tailer runs `for { t.step() }`, and
// step selects on the tailer's lines and its flush ticker with no case that
// ends the loop; tailers of closed files are never stopped.
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type tailer struct {
	path  string
	lines chan string
	flush <-chan time.Time
	buf   []string
}

func (t *tailer) step() {
	select {
	case l := <-t.lines:
		t.buf = append(t.buf, l)
	case <-t.flush:
		t.buf = t.buf[:0]
	}
}

func (t *tailer) run() {
	for {
		t.step()
	}
}

func follow(path string) *tailer {
	t := &tailer{path: path, lines: make(chan string), flush: time.NewTicker(time.Hour).C}
	go t.run()
	return t
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			t := follow(fmt.Sprintf("/var/log/app-%d-%d.log", k, i))
			t.lines <- "opened"
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-exit--loop-calls-step")
}
