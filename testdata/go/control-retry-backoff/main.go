// control-retry-backoff (leak-free): deliveries to a webhook that is down
// are retried by a goroutine each, sleeping 250 ms between attempts, and
// given up after 12 attempts (about 3 s). Failed deliveries rise with the
// load, 12 → 24 → 36 per 2 s, the snapshots 2 s apart: the retriers
// sleeping in deliver grow 12 → 36 → 60, and those of the first snapshot,
// still retrying at the second snapshot, have given up and exited by the
// third.
package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/snap"
)

var errDown = errors.New("webhook: 503 service unavailable")

type Delivery struct {
	ID      int
	Payload []byte
}

var abandoned atomic.Int64

func post(d Delivery) error { return errDown }

func deliver(d Delivery) {
	for attempt := 1; attempt <= 12; attempt++ {
		if err := post(d); err == nil {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	abandoned.Add(1)
}

func main() {
	snap.Start()
	start := time.Now()
	next := 0
	for k := 1; k <= 3; k++ {
		time.Sleep(time.Until(start.Add(time.Duration(k-1) * 2 * time.Second)))
		for i := 0; i < 12*k; i++ {
			next++
			go deliver(Delivery{ID: next, Payload: make([]byte, 64)})
		}
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("snapshot %d at %s: %d abandoned\n", k, time.Since(start).Round(10*time.Millisecond), abandoned.Load())
	}
	snap.Finish("control-retry-backoff")
}
