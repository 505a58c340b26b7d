package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

type sinkConfig struct {
	Workers        int
	QueueDepth     int
	RequestTimeout time.Duration
	MaxAttempts    int
	RetryBase      time.Duration
}

// sinkPool delivers batches to the bulk-index backend.
type sinkPool struct {
	base   string
	cfg    sinkConfig
	client *http.Client
	queue  chan batch

	delivered, retries, deadLetter int64
}

type sinkWriter struct {
	id   int
	pool *sinkPool
	buf  bytes.Buffer
}

func newSinkPool(base string, cfg sinkConfig) *sinkPool {
	return &sinkPool{
		base: base,
		cfg:  cfg,
		client: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Workers, IdleConnTimeout: 60 * time.Second},
		},
		queue: make(chan batch, cfg.QueueDepth),
	}
}

func (p *sinkPool) Start(ctx context.Context) {
	for i := 0; i < p.cfg.Workers; i++ {
		w := &sinkWriter{id: i, pool: p}
		go w.loop(ctx)
	}
}

// Enqueue hands bt to the writers, waiting up to wait for queue room.
func (p *sinkPool) Enqueue(bt batch, wait time.Duration) bool {
	select {
	case p.queue <- bt:
		return true
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case p.queue <- bt:
		return true
	case <-t.C:
		return false
	}
}

func (w *sinkWriter) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case bt := <-w.pool.queue:
			w.deliver(ctx, bt)
		}
	}
}

type wireRecord struct {
	TS    int64  `json:"ts"`
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

func (w *sinkWriter) deliver(ctx context.Context, bt batch) {
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	for _, r := range bt.recs {
		enc.Encode(wireRecord{TS: r.TS.UnixNano() / 1e6, Level: r.Level, Msg: r.Msg})
	}
	body := w.buf.Bytes()
	p := w.pool
	for attempt := 1; ; attempt++ {
		err := w.post(ctx, bt.stream, body)
		if err == nil {
			atomic.AddInt64(&p.delivered, 1)
			return
		}
		if attempt >= p.cfg.MaxAttempts || ctx.Err() != nil {
			atomic.AddInt64(&p.deadLetter, 1)
			return
		}
		atomic.AddInt64(&p.retries, 1)
		w.pause(p.retryDelay(attempt))
	}
}

func (p *sinkPool) retryDelay(attempt int) time.Duration {
	d := p.cfg.RetryBase << uint(attempt-1)
	return d/2 + randDur(0, d)
}

// pause sleeps between attempts.
func (w *sinkWriter) pause(d time.Duration) {
	t := time.NewTimer(d)
	<-t.C
}

func (w *sinkWriter) post(ctx context.Context, stream string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, w.pool.cfg.RequestTimeout)
	defer cancel()
	u := w.pool.base + "/v1/bulk?stream=" + url.QueryEscape(stream)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := w.pool.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(ioutil.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bulk %s: %s", stream, resp.Status)
	}
	return nil
}

type sinkStats struct {
	Delivered, Retries, DeadLetter int64
	Queued                         int
}

func (p *sinkPool) Stats() sinkStats {
	return sinkStats{
		Delivered:  atomic.LoadInt64(&p.delivered),
		Retries:    atomic.LoadInt64(&p.retries),
		DeadLetter: atomic.LoadInt64(&p.deadLetter),
		Queued:     len(p.queue),
	}
}
