// context-not-cancelled--with-timeout: Subscribe derives
// `ctx, _ := context.WithTimeout(s.root, time.Hour)` (cancel dropped) and a
// select loop per subscriber waits for ctx.Done() or an update; the
// contexts would only end after an hour.
package main

import (
	"context"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Service struct {
	root    context.Context
	updates chan string
}

func (s *Service) Subscribe(name string) {
	ctx, _ := context.WithTimeout(s.root, time.Hour)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case u := <-s.updates:
				_ = name + u
			}
		}
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	root, stop := context.WithCancel(context.Background())
	s := &Service{root: root, updates: make(chan string)}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			s.Subscribe("client")
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("context-not-cancelled--with-timeout")
	stop()
}
