// goroutine-retains-data-sleep: every upload starts a progress reporter
// whose closure captures the upload's 32 KiB chunk buffer; the reporter
// sleeps in an endless loop, so the buffers are never freed.
package main

import (
	"time"

	"example.com/leaks/internal/snap"
)

type Upload struct {
	id    int
	chunk []byte
	done  bool
}

func report(u *Upload) {
	u.chunk[0]++
	u.done = u.chunk[0] == 0
}

func startUpload(id int) *Upload {
	u := &Upload{id: id, chunk: make([]byte, 32<<10)}
	go func() {
		for {
			time.Sleep(time.Hour)
			if u.done {
				continue
			}
			report(u)
		}
	}()
	return u
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			_ = startUpload(id)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("goroutine-retains-data-sleep")
}
