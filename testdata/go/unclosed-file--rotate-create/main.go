// unclosed-file--rotate-create: the log rotator creates a new file per
// rotation with os.Create and swaps it in without closing the old one; the
// old handles stay reachable from the rotation history (heap: os.newFile
// grows; fds-K.txt has the fd count).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"example.com/leaks/internal/snap"
)

type rotator struct {
	dir     string
	cur     *os.File
	history []*os.File
	n       int
}

func (r *rotator) rotate() error {
	r.n++
	f, err := os.Create(filepath.Join(r.dir, fmt.Sprintf("app-%04d.log", r.n)))
	if err != nil {
		return err
	}
	if r.cur != nil {
		r.history = append(r.history, r.cur) // kept for "reopen", never closed
	}
	r.cur = f
	_, err = fmt.Fprintf(f, "rotated %d\n", r.n)
	return err
}

func main() {
	snap.MemProfileRate(512)
	snap.Start()
	dir, err := os.MkdirTemp("", "rotate")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	r := &rotator{dir: dir}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 100; i++ {
			if err := r.rotate(); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		snap.WriteFile(fmt.Sprintf("fds-%d.txt", k), fmt.Sprintf("%d\n", snap.CountFDs()))
	}
	snap.Finish("unclosed-file--rotate-create")
}
