// control-session-greeter (leak-free): a presence service keeps one
// session per signed-in device (10, 20, 30 at the snapshots: a roster
// that fills). open starts two goroutines per session: serve, which
// flushes the session's presence every 30 s until the session's context
// is cancelled, and greet, which waits a moment and sends the device its
// welcome state, then ends. At each snapshot the newest sessions' greeters
// are still waiting; by the next they are done, and serve goes on as it
// should: a helper that ends is no sign that its session did.
package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type session struct {
	device  string
	mu      sync.Mutex
	outbox  []string
	flushes int
}

func open(ctx context.Context, device string) *session {
	s := &session{device: device}
	go s.serve(ctx, 30*time.Second)
	go s.greet(2 * time.Second)
	return s
}

func (s *session) serve(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			s.outbox = s.outbox[:0]
			s.flushes++
			s.mu.Unlock()
		}
	}
}

func (s *session) greet(after time.Duration) {
	time.Sleep(after)
	s.mu.Lock()
	s.outbox = append(s.outbox, fmt.Sprintf("welcome %s", s.device))
	s.mu.Unlock()
}

func main() {
	snap.Start()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sessions []*session
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			sessions = append(sessions, open(ctx, fmt.Sprintf("device-%d", len(sessions)+1)))
		}
		snap.Settle()
		snap.Goroutines(k)
		// Let this phase's greeters finish before the next.
		time.Sleep(2500 * time.Millisecond)
	}
	snap.Finish("control-session-greeter")
}
