// premature-return--per-request: every request runs in its own goroutine, as
// in a server; the handler starts a lookup in a closure and returns on a bad
// request before receiving its result. The request goroutine is gone, its
// lookup stays blocked on the send.
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Order struct {
	ID    int
	Price int
}

var errBadRequest = errors.New("bad request")

type Shop struct {
	prices map[int]int
}

func (s *Shop) lookup(id int) Order {
	time.Sleep(time.Millisecond)
	return Order{ID: id, Price: s.prices[id%7]}
}

func (s *Shop) handle(id int, valid bool) (Order, error) {
	res := make(chan Order)
	go func() {
		res <- s.lookup(id)
	}()
	if !valid {
		return Order{}, fmt.Errorf("order %d: %w", id, errBadRequest)
	}
	return <-res, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	s := &Shop{prices: map[int]int{0: 3, 1: 5, 2: 8, 3: 13, 4: 21, 5: 34, 6: 55}}
	id := 0
	for k := 1; k <= 3; k++ {
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			id++
			wg.Add(1)
			go func(id int, valid bool) {
				defer wg.Done()
				_, _ = s.handle(id, valid)
			}(id, i%2 == 0)
			pool.Do(func() {})
		}
		wg.Wait()
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--per-request")
}
