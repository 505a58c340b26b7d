package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type flushConfig struct {
	MaxPoints int           // flush once this many points are pending
	MaxDelay  time.Duration // flush at least this often
	Timeout   time.Duration // deadline for one flush across all shards
}

// flusher collects batches from the series batchers and writes them to
// the storage engine, one POST per shard, all shards in parallel.
type flusher struct {
	client  *http.Client
	base    string
	shards  int
	cfg     flushConfig
	pending chan *seriesBatch

	flushed  int64
	failed   int64
	timeouts int64
	points   int64
}

func newFlusher(storeAddr string, shards int, cfg flushConfig) *flusher {
	return &flusher{
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		}},
		base:    "http://" + storeAddr,
		shards:  shards,
		cfg:     cfg,
		pending: make(chan *seriesBatch, 256),
	}
}

func (f *flusher) run(ctx context.Context) {
	t := time.NewTicker(f.cfg.MaxDelay)
	defer t.Stop()
	var buf []*seriesBatch
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-f.pending:
			buf = append(buf, b)
			n += len(b.points)
			if n < f.cfg.MaxPoints {
				continue
			}
		case <-t.C:
			if len(buf) == 0 {
				continue
			}
		}
		if err := f.flush(ctx, buf); err != nil {
			atomic.AddInt64(&f.failed, 1)
			log.Printf("flusher: %v (%d points dropped)", err, n)
		} else {
			atomic.AddInt64(&f.flushed, 1)
			atomic.AddInt64(&f.points, int64(n))
		}
		buf, n = nil, 0
	}
}

// partition renders the batches into one request body per shard.
func (f *flusher) partition(batches []*seriesBatch) map[int]*bytes.Buffer {
	out := make(map[int]*bytes.Buffer)
	for _, b := range batches {
		h := fnv.New32a()
		io.WriteString(h, b.series)
		id := int(h.Sum32() % uint32(f.shards))
		buf := out[id]
		if buf == nil {
			buf = new(bytes.Buffer)
			out[id] = buf
		}
		for _, p := range b.points {
			buf.WriteString(b.series)
			buf.WriteByte(' ')
			buf.WriteString(strconv.FormatInt(p.ts, 10))
			buf.WriteByte(' ')
			buf.WriteString(strconv.FormatFloat(p.val, 'g', -1, 64))
			buf.WriteByte('\n')
		}
	}
	return out
}

// flush writes every shard's part in parallel and waits for all of them,
// or for the flush deadline.
func (f *flusher) flush(ctx context.Context, batches []*seriesBatch) error {
	parts := f.partition(batches)
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()

	errc := make(chan error)
	var wg sync.WaitGroup
	for id, body := range parts {
		wg.Add(1)
		go f.writeShard(ctx, &wg, id, body.Bytes(), errc)
	}
	go func() {
		wg.Wait()
		close(errc)
	}()

	var firstErr error
	for {
		select {
		case err, ok := <-errc:
			if !ok {
				return firstErr
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		case <-ctx.Done():
			atomic.AddInt64(&f.timeouts, 1)
			return fmt.Errorf("flush of %d shards: %w", len(parts), ctx.Err())
		}
	}
}

func (f *flusher) writeShard(ctx context.Context, wg *sync.WaitGroup, id int, body []byte, errc chan<- error) {
	defer wg.Done()
	errc <- f.post(ctx, id, body)
}

func (f *flusher) post(ctx context.Context, id int, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/v1/write?shard="+strconv.Itoa(id), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("shard %d: %w", id, err)
	}
	defer resp.Body.Close()
	io.Copy(ioutil.Discard, resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("shard %d: %s", id, resp.Status)
	}
	return nil
}
