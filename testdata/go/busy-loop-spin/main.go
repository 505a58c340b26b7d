// busy-loop-spin: every job waits for its dependency with a spin loop on an
// atomic flag that is never set for dropped dependencies.
package main

import (
	"runtime"
	"sync/atomic"

	"example.com/leaks/internal/snap"
)

type Job struct {
	id       int
	depReady *int32
}

func (j *Job) awaitDependency() {
	for atomic.LoadInt32(j.depReady) == 0 {
		runtime.Gosched()
	}
}

func schedule(id int) {
	flag := new(int32)
	j := &Job{id: id, depReady: flag}
	go j.awaitDependency()
}

func main() {
	snap.Start()
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			id++
			schedule(id)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("busy-loop-spin")
}
