// select-no-cases--method-value: `park := s.park; go park()` where park
// ends in `select {}`; one per session.
package main

import (
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Session struct {
	user  string
	ready bool
}

// park keeps the session "alive" until the process exits.
func (s *Session) park() {
	s.ready = true
	select {}
}

func openSession(user string) *Session {
	s := &Session{user: user}
	park := s.park
	go park()
	return s
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			openSession("u")
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("select-no-cases--method-value")
}
