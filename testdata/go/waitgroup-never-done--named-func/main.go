// waitgroup-never-done--named-func: `go collect(&wg, results, done)`: a
// named function that waits for the fetchers, but fetch adds one to the
// group for a retry that it then skips, so the count never reaches zero.
package main

import (
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func fetch(id int, wg *sync.WaitGroup, results chan<- int) {
	defer wg.Done()
	if id%3 == 0 {
		wg.Add(1) // a retry that is never started
		return
	}
	results <- id
}

func collect(wg *sync.WaitGroup, results chan int, done chan<- int) {
	wg.Wait()
	close(results)
	n := 0
	for range results {
		n++
	}
	done <- n
}

func batch(ids []int) {
	var wg sync.WaitGroup
	results := make(chan int, len(ids))
	done := make(chan int, 1)
	wg.Add(len(ids))
	for _, id := range ids {
		go fetch(id, &wg, results)
	}
	go collect(&wg, results, done)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			batch([]int{1, 2, 3})
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("waitgroup-never-done--named-func")
}
