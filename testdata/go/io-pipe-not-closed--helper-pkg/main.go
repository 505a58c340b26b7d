// io-pipe-not-closed--helper-pkg: the pipe is in another package of the
// module (internal/gzstream.Reader compresses through io.Pipe in
// gzstream.compress); backup hands the reader to a blob store that reads
// the gzip header and rejects the object when the bucket is full, and
// returns without body.Close(): compress blocks in (*PipeWriter).Write.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/gzstream"
	"example.com/leaks/internal/snap"
)

var errBucketFull = errors.New("bucket full")

type blobStore struct {
	objects map[string]int
	limit   int
}

func (s *blobStore) Put(name string, r io.Reader) error {
	var hdr [10]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	if len(s.objects) >= s.limit {
		return errBucketFull
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s.objects[name] = int(n) + len(hdr)
	return nil
}

func backup(s *blobStore, name string, data []byte) error {
	body := gzstream.Reader(bytes.NewReader(data))
	if err := s.Put(name, body); err != nil {
		return fmt.Errorf("backup %s: %w", name, err)
	}
	return body.Close()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	rng := rand.New(rand.NewSource(1))
	data := make([]byte, 1<<20)
	rng.Read(data)
	s := &blobStore{objects: map[string]int{}}
	for k := 1; k <= 3; k++ {
		s.limit += 10 // the quota grows each day; the nightly job sends 20
		for i := 0; i < 20; i++ {
			if err := backup(s, fmt.Sprintf("snap-%d-%d", k, i), data); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("io-pipe-not-closed--helper-pkg")
}
