// control-last-burst (leak-free): a service that is idle at the first two
// snapshots and busy at the third: 30 request handlers waiting for their
// backend, the batch coordinator that started them waiting in wg.Wait(),
// and one retry poller sleeping between attempts (0 → 0 → 30, 0 → 0 → 1,
// 0 → 0 → 1). Everything finishes right after the last snapshot.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Backend struct {
	reply chan []byte
}

type Handler struct {
	backend *Backend
	mu      sync.Mutex
	bytes   int
}

func (h *Handler) serve(req int, wg *sync.WaitGroup) {
	defer wg.Done()
	body := <-h.backend.reply
	h.mu.Lock()
	h.bytes += len(body) + req%2
	h.mu.Unlock()
}

func (h *Handler) batch(n int, done chan<- struct{}) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go h.serve(i, &wg)
	}
	wg.Wait()
	close(done)
}

type Retrier struct {
	mu       sync.Mutex
	ok       bool
	attempts int
}

func (r *Retrier) pollUntilOK(interval time.Duration, done chan<- struct{}) {
	for {
		time.Sleep(interval)
		r.mu.Lock()
		r.attempts++
		ok := r.ok
		r.mu.Unlock()
		if ok {
			close(done)
			return
		}
	}
}

func main() {
	snap.Start()
	h := &Handler{backend: &Backend{reply: make(chan []byte)}}
	for k := 1; k <= 2; k++ {
		snap.Settle()
		snap.Goroutines(k) // idle
	}
	batchDone := make(chan struct{})
	go h.batch(30, batchDone)
	r := &Retrier{}
	retryDone := make(chan struct{})
	go r.pollUntilOK(500*time.Millisecond, retryDone)
	snap.Settle()
	snap.Goroutines(3)
	close(h.backend.reply) // the backend answers (empty bodies)
	r.mu.Lock()
	r.ok = true
	r.mu.Unlock()
	<-batchDone
	<-retryDone
	fmt.Printf("served %d bytes after %d attempts\n", h.bytes, r.attempts)
	snap.Finish("control-last-burst")
}
