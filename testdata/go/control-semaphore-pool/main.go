// control-semaphore-pool (leak-free): an uploader starts one goroutine per
// file and bounds the concurrency with a buffered channel used as a
// semaphore (capacity 8). At each snapshot 8 uploads hold a slot and wait
// for the network, the others wait for a slot (blocked sending on the
// semaphore). Batches grow 30 → 80 → 150; main waits for each batch.
package main

import (
	"fmt"
	"sync"

	"example.com/leaks/internal/snap"
)

type Network struct {
	ready chan struct{} // closed when the link is up
}

type Uploader struct {
	sem  chan struct{}
	net  *Network
	mu   sync.Mutex
	sent int
}

func (u *Uploader) upload(name string) {
	<-u.net.ready
	u.mu.Lock()
	u.sent += len(name)
	u.mu.Unlock()
}

func (u *Uploader) UploadAll(names []string, wg *sync.WaitGroup) {
	for _, name := range names {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			u.sem <- struct{}{} // acquire
			defer func() { <-u.sem }()
			u.upload(name)
		}(name)
	}
}

func main() {
	snap.Start()
	batches := []int{30, 80, 150}
	for k, n := range batches {
		u := &Uploader{sem: make(chan struct{}, 8), net: &Network{ready: make(chan struct{})}}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("segment-%04d.log", i)
		}
		var wg sync.WaitGroup
		u.UploadAll(names, &wg)
		snap.Settle()
		snap.Goroutines(k + 1)
		close(u.net.ready)
		wg.Wait()
		fmt.Printf("batch %d: %d files, %d bytes\n", k+1, n, u.sent)
	}
	snap.Finish("control-semaphore-pool")
}
