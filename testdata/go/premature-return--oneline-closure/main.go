// premature-return--oneline-closure: `go func() { ch <- load(id) }()` on
// one line, then a validation error returns before `<-ch`.
package main

import (
	"errors"
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Order struct {
	ID    int
	Items int
}

var errEmpty = errors.New("order has no items")

func load(id int) Order {
	time.Sleep(time.Millisecond)
	return Order{ID: id, Items: id % 2}
}

func checkout(id int, items int) (Order, error) {
	ch := make(chan Order)
	go func() { ch <- load(id) }()
	if items == 0 {
		return Order{}, fmt.Errorf("checkout %d: %w", id, errEmpty)
	}
	return <-ch, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			id++
			if _, err := checkout(id, i%2); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--oneline-closure")
}
