// range-unclosed-channel--explicit-recv-loop: workers started in a loop
// receive with `for { job, ok := <-q; if !ok { return } ... }` (the same
// runtime.chanrecv2 as `for range`); runBatch never closes q.
package main

import (
	"strings"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Thumbnailer struct {
	mu   sync.Mutex
	made int
}

func (t *Thumbnailer) runBatch(images []string, workers int) {
	q := make(chan string)
	for w := 0; w < workers; w++ {
		go func() {
			for {
				img, ok := <-q
				if !ok {
					return
				}
				t.mu.Lock()
				t.made += len(strings.TrimSuffix(img, ".jpg"))
				t.mu.Unlock()
			}
		}()
	}
	for _, img := range images {
		q <- img
	}
	// BUG: missing close(q)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	t := &Thumbnailer{}
	for k := 1; k <= 3; k++ {
		for b := 0; b < 5; b++ {
			t.runBatch([]string{"a.jpg", "b.jpg", "c.jpg"}, 2)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("range-unclosed-channel--explicit-recv-loop")
}
