// unclosed-file: the segment reader opens every segment file with os.Open
// and never closes it; the handles are kept in the reader's list, so the
// heap (os.newFile) and the process's open file descriptors grow. The
// fd count is written as fds-K.txt next to each snapshot.
package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"path/filepath"

	"example.com/leaks/internal/snap"
)

type SegmentReader struct {
	dir     string
	handles []*os.File
	bytes   int64
}

func (r *SegmentReader) readSegment(name string) error {
	f, err := os.Open(filepath.Join(r.dir, name))
	if err != nil {
		return err
	}
	// BUG: missing defer f.Close(); the handle is even kept for "reuse".
	r.handles = append(r.handles, f)
	n, err := io.Copy(ioutil.Discard, f)
	r.bytes += n
	return err
}

func main() {
	snap.MemProfileRate(512)
	snap.Start()
	dir, err := ioutil.TempDir("", "segments")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	for i := 0; i < 10; i++ {
		if err := ioutil.WriteFile(filepath.Join(dir, fmt.Sprintf("seg-%02d.log", i)), []byte("entry\n"), 0o644); err != nil {
			panic(err)
		}
	}
	r := &SegmentReader{dir: dir}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 100; i++ {
			n++
			if err := r.readSegment(fmt.Sprintf("seg-%02d.log", n%10)); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		snap.WriteFile(fmt.Sprintf("fds-%d.txt", k), fmt.Sprintf("%d\n", snap.CountFDs()))
	}
	snap.Finish("unclosed-file")
}
