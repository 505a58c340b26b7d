// control-bursty (leak-free): request handlers spike and drain. At each
// snapshot a different number of requests is in flight (12, then 4, then
// 8), all of them blocked on their backend reply; the previous burst has
// fully drained. Counts go up and down, they don't grow.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Backend struct {
	release chan struct{}
}

func (b *Backend) call(req int) int {
	<-b.release
	return req * 2
}

type Server struct {
	backend *Backend
	wg      sync.WaitGroup
	mu      sync.Mutex
	served  int
}

func (s *Server) handleRequest(req int) {
	defer s.wg.Done()
	v := s.backend.call(req)
	s.mu.Lock()
	s.served += v & 1
	s.mu.Unlock()
}

func main() {
	snap.Start()
	bursts := []int{12, 4, 8}
	req := 0
	for k := 1; k <= 3; k++ {
		s := &Server{backend: &Backend{release: make(chan struct{})}}
		for i := 0; i < bursts[k-1]; i++ {
			req++
			s.wg.Add(1)
			go s.handleRequest(req)
		}
		snap.Settle()
		snap.Goroutines(k) // burst in flight
		close(s.backend.release)
		s.wg.Wait() // burst drained before the next one starts
		fmt.Printf("phase %d: %d requests served\n", k, bursts[k-1])
	}
	snap.Finish("control-bursty")
}
