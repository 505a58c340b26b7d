// chan-receive-blocked--select-stop-closure: Ask starts a closure that
// waits once for the reply or for the request to be stopped. Requests the
// backend drops get neither: no reply is sent and stop is never closed.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Request struct {
	Key   string
	reply chan string
	stop  chan struct{}
}

type Client struct {
	mu      sync.Mutex
	answers map[string]string
}

func (c *Client) Ask(key string, drop bool) *Request {
	req := &Request{Key: key, reply: make(chan string, 1), stop: make(chan struct{})}
	go func() {
		select {
		case r := <-req.reply:
			c.mu.Lock()
			c.answers[req.Key] = r
			c.mu.Unlock()
		case <-req.stop:
		}
	}()
	if !drop {
		req.reply <- "value-of-" + key
	}
	return req
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Client{answers: map[string]string{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 30; i++ {
			n++
			key := fmt.Sprintf("k%d", n)
			drop := n%3 == 0
			pool.Do(func() { c.Ask(key, drop) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-receive-blocked--select-stop-closure")
}
