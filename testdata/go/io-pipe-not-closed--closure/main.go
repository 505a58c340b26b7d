// io-pipe-not-closed--closure: (*Archiver).Store hashes an upload on the
// fly: a closure copies the PipeReader into sha256 while Store writes the
// chunks into the PipeWriter. On an empty chunk Store returns the error
// without pw.CloseWithError, so the closure blocks in (*PipeReader).Read.
package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type entry struct {
	name string
	size int64
	sum  []byte
}

type Archiver struct {
	mu      sync.Mutex
	entries []entry
}

func (a *Archiver) record(name string, n int64, sum []byte, err error) {
	if err != nil {
		return
	}
	a.mu.Lock()
	a.entries = append(a.entries, entry{name, n, sum})
	a.mu.Unlock()
}

func (a *Archiver) Store(name string, chunks [][]byte) error {
	pr, pw := io.Pipe()
	go func() {
		h := sha256.New()
		n, err := io.Copy(h, pr)
		a.record(name, n, h.Sum(nil), err)
	}()
	for i, c := range chunks {
		if len(c) == 0 {
			return fmt.Errorf("%s: chunk %d is empty", name, i)
		}
		if _, err := pw.Write(c); err != nil {
			return err
		}
	}
	return pw.Close()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	a := &Archiver{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			chunks := [][]byte{make([]byte, 4096), make([]byte, 4096), make([]byte, 1024)}
			if i%2 == 1 {
				chunks[1] = nil // truncated upload
			}
			if err := a.Store(fmt.Sprintf("obj-%d-%d", k, i), chunks); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("io-pipe-not-closed--closure")
}
