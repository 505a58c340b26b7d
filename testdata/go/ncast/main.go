// ncast: one search request fans out to every replica on an unbuffered
// channel and returns with the first reply; the other N-1 replica
// goroutines of that request stay blocked in "chan send" forever. All
// siblings of one request share the request's goroutine as parent.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Reply struct {
	Replica string
	Hits    int
}

type Server struct {
	replicas []string
}

func (s *Server) queryReplica(replica string, delay time.Duration, q string, out chan<- Reply) {
	time.Sleep(delay)
	out <- Reply{Replica: replica, Hits: len(q)}
}

// firstReply fans out and takes whichever replica answers first.
func (s *Server) firstReply(q string) Reply {
	ch := make(chan Reply) // BUG: should have len(s.replicas) capacity
	for i, r := range s.replicas {
		go s.queryReplica(r, time.Duration(i+1)*2*time.Millisecond, q, ch)
	}
	return <-ch
}

// handleSearch runs in its own goroutine per request.
func (s *Server) handleSearch(q string, wg *sync.WaitGroup) {
	defer wg.Done()
	_ = s.firstReply(q)
}

func main() {
	snap.Start()
	s := &Server{replicas: []string{"replica-a", "replica-b", "replica-c", "replica-d"}}
	n := 0
	for k := 1; k <= 3; k++ {
		var wg sync.WaitGroup
		for i := 0; i < 5; i++ {
			n++
			wg.Add(1)
			go s.handleSearch(fmt.Sprintf("query-%d", n), &wg)
		}
		wg.Wait()
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("ncast")
}
