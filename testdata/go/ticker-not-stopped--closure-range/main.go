// ticker-not-stopped--closure-range: Watch starts a closure that ranges over
// a ticker's channel to refresh one key; nothing stops the ticker or ends the
// loop when the watch is dropped.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Config struct {
	mu     sync.Mutex
	values map[string]string
}

func (c *Config) refresh(key string) {
	c.mu.Lock()
	c.values[key] = key + "@" + time.Now().Format(time.RFC3339)
	c.mu.Unlock()
}

func (c *Config) Watch(key string, every time.Duration) {
	go func() {
		t := time.NewTicker(every)
		for range t.C {
			c.refresh(key)
		}
	}()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	c := &Config{values: map[string]string{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			c.Watch(fmt.Sprintf("feature.%d", n), time.Hour)
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("ticker-not-stopped--closure-range")
}
