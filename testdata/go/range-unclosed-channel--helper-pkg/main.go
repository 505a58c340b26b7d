// range-unclosed-channel--helper-pkg: the ranging loop is in another
// package of the module (internal/stream.Consume); the user's upload
// handler starts it per upload and never closes the channel.
package main

import (
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
	"example.com/leaks/internal/stream"
)

type Uploads struct {
	mu    sync.Mutex
	bytes int
}

func (u *Uploads) handleUpload(chunks [][]byte) {
	parts := make(chan []byte)
	go stream.Consume(parts, func(b []byte) {
		u.mu.Lock()
		u.bytes += len(b)
		u.mu.Unlock()
	})
	for _, c := range chunks {
		parts <- c
	}
	// forgot close(parts)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	u := &Uploads{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			u.handleUpload([][]byte{[]byte("part1"), []byte("part2")})
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("range-unclosed-channel--helper-pkg")
}
