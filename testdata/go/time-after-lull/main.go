// time-after-lull: a Go <= 1.22 heap leak caught mostly in one step. A
// retrying client guards every attempt with
// `select { case r := <-reply: ... case <-time.After(10 * time.Minute): }`;
// each call's timer stays in the runtime timer heap until it fires, ten
// minutes later. One busy phase of traffic (20000 calls) between the first
// and second snapshot, a smaller one (4000) before the third, none before
// the fourth: with Go 1.19 the sampled in-use size of time.NewTimer rises
// once and then holds (no timer has fired yet), within the sampling error
// of a few samples at Go's default MemProfileRate. Go >= 1.23 collects
// unreferenced timers: flat. Around it, leak-free noise: a small pool of
// request workers and a metrics loop on a ticker.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type reply struct {
	id  int
	err error
}

type Client struct {
	calls   chan chan reply
	timeout int
}

// Do sends one request and waits for its reply or the deadline.
func (c *Client) Do(id int) error {
	ch := make(chan reply, 1)
	c.calls <- ch
	select {
	case r := <-ch:
		return r.err
	case <-time.After(10 * time.Minute): // BUG (Go <= 1.22): one live timer per call
		c.timeout++
		return fmt.Errorf("call %d timed out", id)
	}
}

func serve(calls <-chan chan reply, wg *sync.WaitGroup) {
	defer wg.Done()
	n := 0
	for ch := range calls {
		n++
		ch <- reply{id: n}
	}
}

func metrics(stop <-chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

func main() {
	snap.Start()
	stop := make(chan struct{})
	go metrics(stop)
	c := &Client{calls: make(chan chan reply, 64)}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go serve(c.calls, &wg)
	}
	traffic := []int{1500, 20000, 4000, 0}
	failed := 0
	for k := 1; k <= 4; k++ {
		for i := 0; i < traffic[k-1]; i++ {
			if err := c.Do(i); err != nil {
				failed++
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	close(c.calls)
	close(stop)
	wg.Wait()
	fmt.Println("failed", failed)
	snap.Finish("time-after-lull")
}
