// waitgroup-never-done--closure-in-loop: Rebuild does wg.Add(len(parts))
// and starts a closure per part in a loop; a bad part returns before
// wg.Done(), so the Rebuild goroutine waits in wg.Wait() forever.
package main

import (
	"errors"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Part struct {
	Name string
	Bad  bool
}

type Indexer struct {
	mu    sync.Mutex
	terms map[string]int
}

func (ix *Indexer) Rebuild(parts []Part) error {
	var wg sync.WaitGroup
	var firstErr error
	wg.Add(len(parts))
	for _, p := range parts {
		go func(p Part) {
			if p.Bad {
				ix.mu.Lock()
				firstErr = errors.New("bad part " + p.Name)
				ix.mu.Unlock()
				return // wg.Done skipped
			}
			ix.mu.Lock()
			ix.terms[p.Name]++
			ix.mu.Unlock()
			wg.Done()
		}(p)
	}
	wg.Wait()
	return firstErr
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ix := &Indexer{terms: map[string]int{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go ix.Rebuild([]Part{{Name: "a"}, {Name: "b", Bad: true}})
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("waitgroup-never-done--closure-in-loop")
}
