package main

import (
	"bytes"
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

// remoteQueue forwards scraped samples to a remote-write endpoint through
// a set of shards. Every shard batches until it has maxBatch lines or its
// batch deadline fires. The dispatcher reshards from time to time as the
// ingest rate changes: it closes the current shards, waits for them to
// flush, and starts the new set.
type remoteQueue struct {
	url      string
	client   *http.Client
	in       chan []string
	maxBatch int
	deadline time.Duration
	desired  func() int

	sent     atomic.Int64
	failed   atomic.Int64
	reshards atomic.Int64
	nShards  atomic.Int64
}

// enqueue hands a scrape's lines to the queue, waiting while it is full.
func (q *remoteQueue) enqueue(ctx context.Context, lines []string) bool {
	select {
	case q.in <- lines:
		return true
	case <-ctx.Done():
		return false
	}
}

type shard struct {
	id   int
	q    *remoteQueue
	ch   chan []string
	sent int
}

func (q *remoteQueue) run(ctx context.Context) {
	var wg sync.WaitGroup
	shards := q.start(&wg, 1)
	reshard := time.NewTicker(10 * time.Second)
	defer reshard.Stop()
	for {
		select {
		case <-ctx.Done():
			q.stop(&wg, shards)
			return
		case <-reshard.C:
			want := q.desired()
			if want == len(shards) {
				continue
			}
			log.Printf("remote: resharding %d -> %d", len(shards), want)
			q.stop(&wg, shards)
			shards = q.start(&wg, want)
			q.reshards.Add(1)
		case lines := <-q.in:
			s := shards[hashString(lines[0])%uint64(len(shards))]
			select {
			case s.ch <- lines:
			case <-ctx.Done():
			}
		}
	}
}

func (q *remoteQueue) start(wg *sync.WaitGroup, n int) []*shard {
	shards := make([]*shard, n)
	for i := range shards {
		shards[i] = &shard{id: i, q: q, ch: make(chan []string, 4)}
		wg.Add(1)
		go shards[i].run(wg)
	}
	q.nShards.Store(int64(n))
	return shards
}

// stop closes every shard and waits until each has flushed what it held.
func (q *remoteQueue) stop(wg *sync.WaitGroup, shards []*shard) {
	for _, s := range shards {
		close(s.ch)
	}
	wg.Wait()
}

func (s *shard) run(wg *sync.WaitGroup) {
	defer wg.Done()
	var buf []string
	flush := time.NewTimer(s.q.deadline)
	defer flush.Stop()
	for {
		select {
		case lines, ok := <-s.ch:
			if !ok {
				s.send(buf)
				return
			}
			buf = append(buf, lines...)
			if len(buf) >= s.q.maxBatch {
				s.send(buf)
				buf = nil
			}
		case <-flush.C:
			if len(buf) > 0 {
				s.send(buf)
				buf = nil
			}
			flush.Reset(s.q.deadline)
		}
	}
}

func (s *shard) send(buf []string) {
	if len(buf) == 0 {
		return
	}
	body := strings.Join(buf, "\n")
	for attempt := 1; attempt <= 3; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := s.post(ctx, body)
		cancel()
		if err == nil {
			s.sent += len(buf)
			s.q.sent.Add(int64(len(buf)))
			return
		}
		time.Sleep(time.Duration(attempt) * 300 * time.Millisecond)
	}
	s.q.failed.Add(int64(len(buf)))
}

func (s *shard) post(ctx context.Context, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.q.url, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	resp, err := s.q.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("remote write: %s", resp.Status)
	}
	return nil
}

// remoteEndpoint is the receiving side of remote write (a long-term store).
type remoteEndpoint struct {
	received atomic.Int64
}

func (e *remoteEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	d := jitter(20*time.Millisecond, 250*time.Millisecond)
	if randFloat() < 0.03 {
		d = jitter(time.Second, 2500*time.Millisecond)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if randFloat() < 0.01 {
		http.Error(w, "ingester overloaded", http.StatusServiceUnavailable)
		return
	}
	e.received.Add(n)
	w.WriteHeader(http.StatusNoContent)
}
