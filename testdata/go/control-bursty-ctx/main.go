// control-bursty-ctx (leak-free): a health sweep probes every host of the
// fleet concurrently; each probe waits for a reply or for the sweep's
// context. The sweep goroutine cancels the context when the sweep's
// deadline signal arrives (just after the snapshot) and waits for the
// probes (wg.Wait). The fleet grows 24 → 72 → 130; every probe of a sweep
// returns when that sweep is cancelled.
package main

import (
	"context"
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Reply struct {
	Host string
	OK   bool
}

type Prober struct {
	replies chan Reply // the network; nothing answers in this run
	mu      sync.Mutex
	down    []string
}

func (p *Prober) probe(ctx context.Context, host string) {
	select {
	case r := <-p.replies:
		_ = r
	case <-ctx.Done():
		p.mu.Lock()
		p.down = append(p.down, host)
		p.mu.Unlock()
	}
}

func (p *Prober) sweep(hosts []string, deadline <-chan struct{}, done chan<- int) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		go func(h string) {
			defer wg.Done()
			p.probe(ctx, h)
		}(h)
	}
	<-deadline
	cancel()
	wg.Wait()
	done <- len(hosts)
}

func main() {
	snap.Start()
	p := &Prober{replies: make(chan Reply)}
	fleet := []int{24, 72, 130}
	for k, n := range fleet {
		hosts := make([]string, n)
		for i := range hosts {
			hosts[i] = fmt.Sprintf("10.0.%d.%d", k, i)
		}
		deadline := make(chan struct{})
		done := make(chan int)
		go p.sweep(hosts, deadline, done)
		snap.Settle()
		snap.Goroutines(k + 1)
		close(deadline)
		fmt.Printf("sweep %d: %d hosts\n", k+1, <-done)
	}
	snap.Finish("control-bursty-ctx")
}
