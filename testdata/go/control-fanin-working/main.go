// control-fanin-working (leak-free): a query goroutine fans each query out
// to one closure per shard. The shards work (here: sleep, as a call to a
// backend would take time) and send their partial score on a results
// channel with room for every answer; the query goroutine receives them
// all. Queries grow 10 → 40 → 90 shards, so the counts at the snapshots
// grow, but every shard finishes: no goroutine id survives a snapshot, and
// in every snapshot the shards' creator is there, receiving their results.
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/snap"
)

type partial struct {
	shard int
	score int
}

// scoreShards asks every shard for its partial score at once and sums
// the answers.
func scoreShards(query string, shards int, work time.Duration) int {
	results := make(chan partial, shards)
	for i := 0; i < shards; i++ {
		go func(shard int) {
			time.Sleep(work) // the shard's backend call
			results <- partial{shard: shard, score: len(query) * (shard + 1)}
		}(i)
	}
	total := 0
	for i := 0; i < shards; i++ {
		total += (<-results).score
	}
	return total
}

func main() {
	snap.Start()
	sizes := []int{10, 40, 90}
	for k, n := range sizes {
		done := make(chan int)
		go func(n int) { done <- scoreShards("sku:42", n, 2*time.Second) }(n)
		snap.Settle()
		snap.Goroutines(k + 1) // every shard is at work, the query receiving
		fmt.Printf("query %d: %d shards, score %d\n", k+1, n, <-done)
	}
	snap.Finish("control-fanin-working")
}
