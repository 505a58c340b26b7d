// timeout-leak--three-case-select: the caller selects on a result, an
// error channel and a time.NewTimer; the worker is a method value
// (`do := c.call; go do(req, res, errc)`). After the timer fires the
// worker blocks on its result send.
package main

import (
	"errors"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Client struct{ latency time.Duration }

type Request struct{ ID int }

func (c *Client) call(r Request, res chan<- int, errc chan<- error) {
	time.Sleep(c.latency)
	if r.ID < 0 {
		errc <- errors.New("bad id")
		return
	}
	res <- r.ID * 2
}

var errDeadline = errors.New("deadline exceeded")

func (c *Client) Do(r Request, d time.Duration) (int, error) {
	res := make(chan int)
	errc := make(chan error)
	do := c.call
	go do(r, res, errc)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case v := <-res:
		return v, nil
	case err := <-errc:
		return 0, err
	case <-t.C:
		return 0, errDeadline
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	slow := &Client{latency: 40 * time.Millisecond}
	fast := &Client{latency: time.Millisecond}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			fast.Do(Request{ID: id}, 10*time.Millisecond)
			if _, err := slow.Do(Request{ID: id}, 10*time.Millisecond); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(60 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("timeout-leak--three-case-select")
}
