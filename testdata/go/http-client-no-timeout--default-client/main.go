// http-client-no-timeout--default-client: (*RateCache).Get starts
// `go c.refresh(cur)` on a stale entry, and refresh calls http.Get (the
// DefaultClient, no timeout) against an upstream on 127.0.0.1 that
// accepts connections and never answers: each refresh waits in
// (*persistConn).roundTrip forever, with its readLoop (IO wait) and
// writeLoop.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

// hungUpstream accepts connections and never reads or answers (a stuck
// service behind a healthy load balancer).
func hungUpstream(ln net.Listener, held *[]net.Conn) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		*held = append(*held, c)
	}
}

type RateCache struct {
	base  string
	mu    sync.Mutex
	rates map[string]float64
}

func (c *RateCache) refresh(cur string) {
	resp, err := http.Get(c.base + "/rates/" + cur)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var v struct{ Rate float64 }
	if json.NewDecoder(resp.Body).Decode(&v) == nil {
		c.mu.Lock()
		c.rates[cur] = v.Rate
		c.mu.Unlock()
	}
}

// Get returns the cached rate and refreshes it in the background.
func (c *RateCache) Get(cur string) float64 {
	c.mu.Lock()
	r := c.rates[cur]
	c.mu.Unlock()
	go c.refresh(cur)
	return r
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	var held []net.Conn
	go hungUpstream(ln, &held)
	c := &RateCache{base: "http://" + ln.Addr().String(), rates: map[string]float64{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			c.Get(fmt.Sprintf("C%02d", k*10+i))
			pool.Do(func() {})
		}
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-client-no-timeout--default-client")
}
