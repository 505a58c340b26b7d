// busy-loop-poll: a health prober keeps polling a status word in a closure
// loop that never blocks and has no exit; one per registered backend.
package main

import (
	"runtime"
	"sync"
	"sync/atomic"

	"example.com/leaks/internal/snap"
)

type Backend struct {
	name   string
	status uint32
	flips  uint64
}

func register(name string, wg *sync.WaitGroup) *Backend {
	b := &Backend{name: name}
	go func() {
		last := uint32(0)
		for {
			s := atomic.LoadUint32(&b.status)
			if s != last {
				atomic.AddUint64(&b.flips, 1)
				last = s
			}
			runtime.Gosched()
		}
	}()
	return b
}

func main() {
	snap.Start()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-stop
		}()
	}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			_ = register("backend", &wg)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	close(stop)
	wg.Wait()
	snap.Finish("busy-loop-poll")
}
