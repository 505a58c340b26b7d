package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Result is one rendered thumbnail.
type Result struct {
	Size   int    `json:"size"`
	Bytes  int    `json:"bytes"`
	Digest string `json:"digest"`
}

var defaultSizes = []int{64, 128, 256, 512}

type Server struct {
	pool          *Pool
	renderTimeout time.Duration
}

func (s *Server) handleThumb(w http.ResponseWriter, r *http.Request) {
	src := r.URL.Query().Get("src")
	if src == "" {
		http.Error(w, "missing src", http.StatusBadRequest)
		return
	}
	sizes := defaultSizes
	if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n > 0 && n < len(sizes) {
		sizes = sizes[:n]
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.renderTimeout)
	defer cancel()

	results, err := s.renderAll(ctx, src, sizes)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(results)
}

// renderAll fans one request out into one job per size and gathers the
// results. Each size gets its own goroutine so that a slow submit (full
// queue) for one size does not delay the others.
func (s *Server) renderAll(ctx context.Context, src string, sizes []int) ([]Result, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		results  = make([]Result, len(sizes))
		firstErr error
	)
	for i, size := range sizes {
		wg.Add(1)
		go func(i, size int) {
			defer wg.Done()
			out := make(chan JobOutcome, 1)
			job := Job{
				Fn:     func() (Result, error) { return render(src, size) },
				Result: out,
			}
			var oc JobOutcome
			if err := s.pool.Submit(ctx, job); err != nil {
				oc.Err = fmt.Errorf("size %d: submit: %w", size, err)
			} else {
				select {
				case oc = <-out:
				case <-ctx.Done():
					oc.Err = fmt.Errorf("size %d: %w", size, ctx.Err())
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if oc.Err != nil {
				if firstErr == nil {
					firstErr = oc.Err
				}
				return
			}
			results[i] = oc.Res
		}(i, size)
	}
	wg.Wait()
	return results, firstErr
}

// render simulates decoding and resizing an image: some hashing for CPU
// and a sleep standing in for I/O to the blob store.
func render(src string, size int) (Result, error) {
	time.Sleep(time.Duration(20+rand.Intn(50)+size/32) * time.Millisecond)
	buf := make([]byte, size*8)
	for i := range buf {
		buf[i] = byte(i*31 + len(src))
	}
	sum := sha1.Sum(buf)
	if rand.Intn(500) == 0 {
		return Result{}, fmt.Errorf("decode %s: corrupt header", src)
	}
	return Result{Size: size, Bytes: len(buf) / 3, Digest: hex.EncodeToString(sum[:6])}, nil
}

func (s *Server) handlePoolStats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.pool.Stats())
}
