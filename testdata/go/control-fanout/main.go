// control-fanout (leak-free): fan-out/fan-in search. Each query fans out
// to one goroutine per shard; the shards send their hits on an unbuffered
// results channel, a closer goroutine waits for them (wg.Wait) and closes
// it, and the query goroutine ranges over the results and forwards each
// hit to its caller. At the snapshots the callers have not read yet, so
// the query goroutines are blocked forwarding and the shards blocked
// sending: every sender has a live receiver. Queries in flight grow
// 2 → 6 → 14 (10 shards each); all drain after each snapshot.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Hit struct {
	Shard int
	Doc   string
}

type Searcher struct {
	shards int
}

func (s *Searcher) searchShard(shard int, q string, results chan<- Hit) {
	results <- Hit{Shard: shard, Doc: fmt.Sprintf("%s@%d", q, shard)}
}

// Query fans out to every shard and forwards the merged hits to out.
func (s *Searcher) Query(q string, out chan<- Hit) {
	results := make(chan Hit)
	var wg sync.WaitGroup
	for i := 0; i < s.shards; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s.searchShard(i, q, results)
		}(i)
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for h := range results {
		out <- h
	}
	close(out)
}

func main() {
	snap.Start()
	s := &Searcher{shards: 10}
	inflight := []int{2, 6, 14}
	for k, n := range inflight {
		outs := make([]chan Hit, n)
		for i := range outs {
			outs[i] = make(chan Hit)
			go s.Query(fmt.Sprintf("q%d-%d", k, i), outs[i])
		}
		snap.Settle()
		snap.Goroutines(k + 1) // callers have not started reading
		hits := 0
		for _, out := range outs {
			for range out {
				hits++
			}
		}
		snap.Settle()
		fmt.Printf("phase %d: %d queries, %d hits\n", k+1, n, hits)
	}
	snap.Finish("control-fanout")
}
