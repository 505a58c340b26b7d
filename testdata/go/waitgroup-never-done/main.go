// waitgroup-never-done: fetchPart returns early on error without calling
// wg.Done(), so the request goroutine waits in wg.Wait() forever.
package main

import (
	"errors"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Part struct {
	Index int
	Data  string
}

type Aggregator struct {
	mu    sync.Mutex
	parts map[int]Part
}

func (a *Aggregator) fetchPart(wg *sync.WaitGroup, req, index int) {
	data, err := download(req, index)
	if err != nil {
		return // BUG: wg.Done() skipped (not deferred)
	}
	a.mu.Lock()
	a.parts[req*10+index] = Part{Index: index, Data: data}
	a.mu.Unlock()
	wg.Done()
}

func download(req, index int) (string, error) {
	if req%2 == 0 && index == 2 {
		return "", errors.New("part unavailable")
	}
	return fmt.Sprintf("req %d part %d", req, index), nil
}

// handleBatch runs per request and waits for its three parts.
func (a *Aggregator) handleBatch(req int, done chan<- int) {
	var wg sync.WaitGroup
	wg.Add(3)
	for i := 0; i < 3; i++ {
		go a.fetchPart(&wg, req, i)
	}
	wg.Wait()
	done <- req
}

func main() {
	snap.Start()
	a := &Aggregator{parts: map[int]Part{}}
	req := 0
	for k := 1; k <= 3; k++ {
		done := make(chan int, 20)
		for i := 0; i < 20; i++ {
			req++
			go a.handleBatch(req, done)
		}
		for i := 0; i < 10; i++ {
			<-done
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("waitgroup-never-done")
}
