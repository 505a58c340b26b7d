// premature-return--per-request-named: every request runs in its own
// goroutine; (*Directory).Lookup starts the named method resolve with
// `go d.resolve(name, out)` and returns on a cached negative answer before
// receiving. Each request goroutine is gone, its resolver stays blocked.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type record struct {
	name string
	addr string
}

type Directory struct {
	mu       sync.Mutex
	negative map[string]bool
}

func (d *Directory) resolve(name string, out chan<- record) {
	time.Sleep(200 * time.Microsecond)
	out <- record{name: name, addr: "10.1.0.7"}
}

func (d *Directory) Lookup(name string) (string, error) {
	out := make(chan record)
	go d.resolve(name, out)
	d.mu.Lock()
	neg := d.negative[name]
	d.mu.Unlock()
	if neg {
		return "", fmt.Errorf("%s: no such host (cached)", name)
	}
	r := <-out
	return r.addr, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	d := &Directory{negative: map[string]bool{"gone.internal": true}}
	for k := 1; k <= 3; k++ {
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			name := "api.internal"
			if i%2 == 0 {
				name = "gone.internal"
			}
			wg.Add(1)
			go func(name string) {
				defer wg.Done()
				_, _ = d.Lookup(name)
			}(name)
		}
		wg.Wait()
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--per-request-named")
}
