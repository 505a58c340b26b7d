// unclosed-file--helper-open: a config loader opens each include file with
// os.OpenFile in a helper that returns the handle; the caller reads it and
// keeps the *os.File in its cache without closing it (heap: os.newFile
// grows; fds-K.txt has the fd count).
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"example.com/leaks/internal/snap"
)

func openInclude(dir, name string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, name), os.O_RDONLY, 0)
}

type loader struct {
	dir   string
	files map[int]*os.File
	size  int64
}

func (l *loader) load(seq int) error {
	f, err := openInclude(l.dir, fmt.Sprintf("inc-%d.conf", seq%5))
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, f)
	l.size += n
	l.files[seq] = f
	return err
}

func main() {
	snap.MemProfileRate(512)
	snap.Start()
	dir, err := os.MkdirTemp("", "conf")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	for i := 0; i < 5; i++ {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("inc-%d.conf", i)), []byte("key = value\n"), 0o644); err != nil {
			panic(err)
		}
	}
	l := &loader{dir: dir, files: map[int]*os.File{}}
	seq := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 100; i++ {
			seq++
			if err := l.load(seq); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		snap.WriteFile(fmt.Sprintf("fds-%d.txt", k), fmt.Sprintf("%d\n", snap.CountFDs()))
	}
	snap.Finish("unclosed-file--helper-open")
}
