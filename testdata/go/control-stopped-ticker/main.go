// control-stopped-ticker (leak-free): every session's heartbeat uses a
// ticker that is stopped, and the goroutine exits when the session closes.
// One long-lived reporter goroutine with its own ticker stays throughout.
package main

import (
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Session struct {
	ID    int
	done  chan struct{}
	pings int
}

func (s *Session) heartbeat(every time.Duration, wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.pings++
		case <-s.done:
			return
		}
	}
}

func (s *Session) Close() { close(s.done) }

type Reporter struct {
	stop chan struct{}
}

func (r *Reporter) run() {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-r.stop:
			return
		}
	}
}

func main() {
	snap.Start()
	r := &Reporter{stop: make(chan struct{})}
	go r.run()
	id := 0
	for k := 1; k <= 3; k++ {
		var wg sync.WaitGroup
		var sessions []*Session
		for i := 0; i < 10; i++ {
			id++
			s := &Session{ID: id, done: make(chan struct{})}
			sessions = append(sessions, s)
			wg.Add(1)
			go s.heartbeat(time.Millisecond, &wg)
		}
		time.Sleep(10 * time.Millisecond)
		for _, s := range sessions {
			s.Close()
		}
		wg.Wait()
		snap.Settle()
		snap.Goroutines(k)
	}
	close(r.stop)
	snap.Finish("control-stopped-ticker")
}
