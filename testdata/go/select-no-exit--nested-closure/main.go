// select-no-exit--nested-closure: the loop is a closure nested in a
// closure: (*Hub).Attach.func3.2 (the second literal inside Attach's third
// literal; func2 has a nested literal of its own, func2.1), created by
// Attach.func3, which has returned. A `<-` appears in comments and in a
// format string.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type msg struct{ body string }

type Hub struct {
	mu    sync.Mutex
	n     int
	flush chan struct{}
	log   []string
}

func (h *Hub) Attach(id int, in chan msg) {
	less := func(a, b int) bool { return a < b }
	_ = less
	logf := func(format string, args ...interface{}) {
		defer func() { recover() }()
		h.log = append(h.log, fmt.Sprintf(format, args...))
	}
	go func() {
		apply := func(m msg) {
			h.mu.Lock()
			h.n += len(m.body)
			h.mu.Unlock()
		}
		go func() {
			for {
				select {
				case m := <-in: // in <- is never closed
					apply(m)
				case <-h.flush:
					logf("flush <- %d", id)
				}
			}
		}()
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	h := &Hub{flush: make(chan struct{})}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			in := make(chan msg)
			h.Attach(id, in)
			in <- msg{body: "hello"}
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-exit--nested-closure")
}
