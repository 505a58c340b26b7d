package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// blobStore is an in-process stand-in for the object store segments are
// uploaded to. It has a latency tail and periodic brownouts.
type blobStore struct {
	mu    sync.Mutex
	sizes map[string]int
	puts  int
	gets  int
	shed  int

	brownoutUntil time.Time
}

func newBlobStore() *blobStore { return &blobStore{sizes: make(map[string]int)} }

func (b *blobStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/blob/")
	b.mu.Lock()
	brown := time.Now().Before(b.brownoutUntil)
	b.mu.Unlock()
	if brown && chance(0.4) {
		b.mu.Lock()
		b.shed++
		b.mu.Unlock()
		http.Error(w, "slow down", http.StatusServiceUnavailable)
		return
	}
	lat := between(30*time.Millisecond, 250*time.Millisecond)
	if chance(0.07) {
		lat = between(800*time.Millisecond, 2*time.Second)
	}
	select {
	case <-after(lat):
	case <-r.Context().Done():
		return
	}
	switch r.Method {
	case http.MethodPut:
		n, _ := io.Copy(io.Discard, r.Body)
		b.mu.Lock()
		b.sizes[key] = int(n)
		b.puts++
		b.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		b.mu.Lock()
		n, ok := b.sizes[key]
		b.gets++
		b.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bytes.Repeat([]byte{'x'}, n))
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

// brownouts makes the store shed load for 3-5 s every 30-45 s.
func (b *blobStore) brownouts(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(between(30*time.Second, 45*time.Second)):
		}
		b.mu.Lock()
		b.brownoutUntil = time.Now().Add(between(3*time.Second, 5*time.Second))
		b.mu.Unlock()
	}
}

// blobClient uploads and reads segment blobs with retries.
type blobClient struct {
	base string
	hc   *http.Client
}

var errBlobUnavailable = errors.New("blob store unavailable")

func (c *blobClient) put(ctx context.Context, key string, size int) error {
	return c.do(ctx, http.MethodPut, key, size)
}

func (c *blobClient) get(ctx context.Context, key string) error {
	return c.do(ctx, http.MethodGet, key, 0)
}

func (c *blobClient) do(ctx context.Context, method, key string, size int) error {
	var last error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			select {
			case <-after(retryDelay(attempt)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var body io.Reader
		if method == http.MethodPut {
			body = bytes.NewReader(make([]byte, size))
		}
		req, _ := http.NewRequestWithContext(actx, method, c.base+"/blob/"+key, body)
		resp, err := c.hc.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				cancel()
				return nil
			case resp.StatusCode == http.StatusNotFound:
				cancel()
				return fmt.Errorf("blob %s: not found", key)
			}
			err = errBlobUnavailable
		}
		cancel()
		last = err
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return last
}
