package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// blobStore stands in for the object store that holds job inputs and
// outputs. Most reads are quick; inputs under archive/ come from a cold
// tier and take seconds; deleted inputs answer 404; and every so often
// the store browns out and sheds a share of its reads with 503.
type blobStore struct {
	mu          sync.Mutex
	brownUntil  time.Time
	reads, puts atomic.Int64
}

func (b *blobStore) browningOut() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().Before(b.brownUntil)
}

func (b *blobStore) weather(ctx context.Context) {
	for {
		if err := sleepCtx(ctx, jitter(22*time.Second, 35*time.Second)); err != nil {
			return
		}
		d := jitter(3*time.Second, 7*time.Second)
		b.mu.Lock()
		b.brownUntil = time.Now().Add(d)
		b.mu.Unlock()
		log.Printf("blobstore: brownout for %v", d.Round(time.Millisecond))
	}
}

func (b *blobStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/blobs/")
	var delay time.Duration
	switch {
	case r.Method == http.MethodPut:
		b.puts.Add(1)
		io.Copy(io.Discard, r.Body)
		delay = jitter(20*time.Millisecond, 250*time.Millisecond)
	case strings.HasPrefix(key, "deleted/"):
		http.NotFound(w, r)
		return
	case strings.HasPrefix(key, "archive/"):
		delay = jitter(800*time.Millisecond, 3500*time.Millisecond)
	default:
		delay = jitter(10*time.Millisecond, 160*time.Millisecond)
	}
	if r.Method == http.MethodGet && b.browningOut() && percent(45) {
		http.Error(w, "slow down", http.StatusServiceUnavailable)
		return
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if r.Method == http.MethodPut {
		w.WriteHeader(http.StatusCreated)
		return
	}
	b.reads.Add(1)
	fmt.Fprintf(w, "%s:%s", key, strings.Repeat("x", 256+randIntn(1024)))
}

// blobClient is the workers' view of the store.
type blobClient struct {
	base string
	hc   *http.Client
}

func (c *blobClient) get(ctx context.Context, key string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/blobs/"+key, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("blob %s: %s", key, resp.Status)
	}
	return body, nil
}

func (c *blobClient) put(ctx context.Context, key string, size int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base+"/blobs/"+key, strings.NewReader(strings.Repeat("o", size)))
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("put %s: %s", key, resp.Status)
	}
	return nil
}
