// goroutine-retains-data-chan: each cache shard starts a refresher that
// waits for invalidations on a channel nobody ever sends on; the refresher
// holds the shard's 16 KiB table.
package main

import (
	"example.com/leaks/internal/snap"
)

type shard struct {
	table []byte
	hits  int
}

func refresher(s *shard, invalidations chan int) {
	for {
		key := <-invalidations
		s.table[key%len(s.table)] = 0
	}
}

func newShard() *shard {
	s := &shard{table: make([]byte, 16<<10)}
	inv := make(chan int)
	go refresher(s, inv)
	return s
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			_ = newShard()
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("goroutine-retains-data-chan")
}
