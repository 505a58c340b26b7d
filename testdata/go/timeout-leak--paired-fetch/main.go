// timeout-leak--paired-fetch: (*Catalog).Product fetches a product's
// details and its stock level at once, each in a goroutine of its own
// sending on an unbuffered channel, and gives up on both after a deadline.
// Lookups of cold products take longer than the deadline, so both workers
// of such a request block on their sends for ever: two groups that grow in
// lockstep (+12 each per snapshot), started by one call at two `go`
// statements. Warm lookups beside them finish in time.
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Details struct {
	ID    string
	Title string
}

type Stock struct {
	ID    string
	Units int
}

var errDeadline = errors.New("catalog: deadline exceeded")

type Catalog struct {
	deadline time.Duration
}

func (c *Catalog) loadDetails(id string, cold bool) Details {
	if cold {
		time.Sleep(80 * time.Millisecond)
	}
	return Details{ID: id, Title: "product " + id}
}

func (c *Catalog) loadStock(id string, cold bool) Stock {
	if cold {
		time.Sleep(90 * time.Millisecond)
	}
	return Stock{ID: id, Units: len(id)}
}

// Product returns both halves of a product, or an error once the
// deadline passes.
func (c *Catalog) Product(id string, cold bool) (Details, Stock, error) {
	detailsc := make(chan Details) // BUG: unbuffered; nobody receives after the deadline
	stockc := make(chan Stock)     // BUG: the same
	go func() { detailsc <- c.loadDetails(id, cold) }()
	go func() { stockc <- c.loadStock(id, cold) }()
	var d Details
	var s Stock
	deadline := time.After(c.deadline)
	for got := 0; got < 2; got++ {
		select {
		case d = <-detailsc:
		case s = <-stockc:
		case <-deadline:
			return Details{}, Stock{}, errDeadline
		}
	}
	return d, s, nil
}

func main() {
	snap.Start()
	c := &Catalog{deadline: 20 * time.Millisecond}
	n := 0
	for k := 1; k <= 3; k++ {
		var wg sync.WaitGroup
		for i := 0; i < 60; i++ {
			n++
			cold := i%5 == 0 // 12 cold lookups per phase
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				_, _, _ = c.Product(id, cold)
			}(fmt.Sprintf("sku-%d", n))
		}
		wg.Wait()
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("timeout-leak--paired-fetch")
}
