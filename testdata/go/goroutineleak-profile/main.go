// goroutineleak-profile: the timeout-leak bug plus a healthy worker pool,
// captured with Go 1.27's "goroutineleak" profile as well. The leak
// detector (a special GC cycle run when the profile is written) reports
// goroutines blocked on channels or sync objects that no runnable
// goroutine can reach: the timed-out workers (their channel is only
// referenced from their own stack) and the lockers of a mutex that only
// they can see. The pool workers are blocked too, but their job queue is
// reachable from main, so they are not reported.
//
// For every snapshot K it writes goroutine-K.* first and then
// goroutineleak-K.pb.gz, goroutineleak-K.debug1.txt and
// goroutineleak-K.debug2.txt (the full goroutine dump taken right after
// the leak-detection GC, in which leaked goroutines show as
// "[chan send (leaked)]"). Go versions without the profile (1.19) only get
// the goroutine-K files.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Response struct{ Body string }

func queryBackend(q string, slow bool) Response {
	if slow {
		time.Sleep(60 * time.Millisecond)
	}
	return Response{Body: "ok:" + q}
}

func fetchWithTimeout(q string, slow bool) (Response, error) {
	ch := make(chan Response)
	go func() {
		ch <- queryBackend(q, slow)
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-time.After(20 * time.Millisecond):
		return Response{}, fmt.Errorf("query %s: timeout", q)
	}
}

// lockedShard is created per batch; the first flush returns early with the
// lock held, the retries then block on a mutex nobody else can reach.
type lockedShard struct {
	mu   sync.Mutex
	rows int
}

func (s *lockedShard) flush(fail bool) {
	s.mu.Lock()
	if fail {
		return // BUG: mu stays locked
	}
	s.rows++
	s.mu.Unlock()
}

func flushBatch() {
	s := &lockedShard{}
	s.flush(true)
	for i := 0; i < 2; i++ {
		go s.flush(false)
	}
}

type Pool struct{ jobs chan string }

func (p *Pool) worker() {
	for j := range p.jobs {
		_ = j
	}
}

func main() {
	snap.Start()
	p := &Pool{jobs: make(chan string)}
	for i := 0; i < 4; i++ {
		go p.worker()
	}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 16; i++ {
			n++
			_, _ = fetchWithTimeout(fmt.Sprintf("q%d", n), i%2 == 0)
			p.jobs <- fmt.Sprintf("job%d", n)
		}
		flushBatch()
		time.Sleep(80 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
		snap.Profile("goroutineleak", k, 0, 1, 2)
	}
	snap.Finish("goroutineleak-profile")
}
