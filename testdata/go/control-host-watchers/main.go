// control-host-watchers (leak-free): a client keeps one health watcher per
// upstream host it has talked to, started on first use; the hosts come
// from a fixed set of 14, so the set of watchers fills up as traffic
// reaches more of them (8, then 13, then 14) and would stay there. Each
// watcher polls on its own ticker and returns when the client is closed,
// which stops every one. The same goroutines are in every snapshot: they
// live long by design, and their growth slows as the set nears its bound.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type health struct {
	mu      sync.Mutex
	healthy bool
	checks  int
}

type Client struct {
	mu       sync.Mutex
	watchers map[string]*health
	quit     chan struct{}
	wg       sync.WaitGroup
}

func NewClient() *Client {
	return &Client{watchers: map[string]*health{}, quit: make(chan struct{})}
}

// Do sends a request to host, watching the host from its first request on.
func (c *Client) Do(host string) bool {
	c.mu.Lock()
	h, ok := c.watchers[host]
	if !ok {
		h = &health{healthy: true}
		c.watchers[host] = h
		c.wg.Add(1)
		go c.watch(host, h)
	}
	c.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.healthy
}

func (c *Client) watch(host string, h *health) {
	defer c.wg.Done()
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			h.mu.Lock()
			h.checks++
			h.healthy = len(host) > 0
			h.mu.Unlock()
		case <-c.quit:
			return
		}
	}
}

func (c *Client) Close() {
	close(c.quit)
	c.wg.Wait()
}

func main() {
	snap.Start()
	hosts := make([]string, 14)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("10.0.0.%d:8080", i+1)
	}
	c := NewClient()
	// Traffic reaches the first 8 hosts, then 13, then all 14.
	reach := []int{8, 13, 14}
	for k, n := range reach {
		for r := 0; r < 50; r++ {
			c.Do(hosts[r%n])
		}
		snap.Settle()
		snap.Goroutines(k + 1)
		fmt.Printf("phase %d: %d watchers\n", k+1, len(c.watchers))
	}
	c.Close()
	snap.Finish("control-host-watchers")
}
