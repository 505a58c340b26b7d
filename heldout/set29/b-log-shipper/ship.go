package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Shipper POSTs batches to the collector, retrying with backoff.
type Shipper struct {
	url    string
	client *http.Client
	stats  *Stats
	logger *log.Logger

	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
}

func NewShipper(url string, stats *Stats, logger *log.Logger) *Shipper {
	tr := &http.Transport{
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     20 * time.Second,
	}
	return &Shipper{
		url:         url,
		client:      &http.Client{Transport: tr, Timeout: 3 * time.Second},
		stats:       stats,
		logger:      logger,
		maxAttempts: 6,
		baseDelay:   100 * time.Millisecond,
		maxDelay:    3 * time.Second,
	}
}

type retryableError struct{ err error }

func (e retryableError) Error() string { return e.err.Error() }
func (e retryableError) Unwrap() error { return e.err }

func (s *Shipper) run(ctx context.Context, batches <-chan []Record) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-batches:
			if err := s.shipWithRetry(ctx, b); err != nil {
				atomic.AddInt64(&s.stats.batchesDropped, 1)
				s.logger.Printf("dropping batch of %d records: %v", len(b), err)
				continue
			}
			atomic.AddInt64(&s.stats.batchesShipped, 1)
			atomic.AddInt64(&s.stats.recordsShipped, int64(len(b)))
		}
	}
}

func (s *Shipper) shipWithRetry(ctx context.Context, batch []Record) error {
	body, err := encodeBatch(batch)
	if err != nil {
		return err
	}
	delay := s.baseDelay
	var lastErr error
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		lastErr = s.post(ctx, body, len(batch))
		if lastErr == nil {
			return nil
		}
		var re retryableError
		if !errors.As(lastErr, &re) {
			return lastErr
		}
		atomic.AddInt64(&s.stats.retries, 1)
		sleep := delay/2 + time.Duration(rand.Int63n(int64(delay)))
		select {
		case <-time.After(sleep):
		case <-ctx.Done():
			return ctx.Err()
		}
		delay *= 2
		if delay > s.maxDelay {
			delay = s.maxDelay
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", s.maxAttempts, lastErr)
}

func (s *Shipper) post(ctx context.Context, body []byte, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("X-Record-Count", strconv.Itoa(n))
	resp, err := s.client.Do(req)
	if err != nil {
		return retryableError{err}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests:
		return retryableError{fmt.Errorf("collector: %s", resp.Status)}
	case resp.StatusCode >= 300:
		return fmt.Errorf("collector: %s", resp.Status)
	}
	return nil
}

func encodeBatch(batch []Record) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range batch {
		if err := enc.Encode(&batch[i]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// Collector is the loopback ingestion endpoint the shipper talks to. It
// sheds load now and then, and for a few seconds during "compactions".
type Collector struct {
	ln    net.Listener
	srv   *http.Server
	stats *Stats

	overloadedUntil int64 // unix nanos, atomic
}

func StartCollector(addr string, stats *Stats) (*Collector, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Collector{ln: ln, stats: stats}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/ingest", c.ingest)
	c.srv = &http.Server{Handler: mux, ReadTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
	go c.srv.Serve(ln)
	go c.compactions()
	return c, nil
}

func (c *Collector) Addr() string { return c.ln.Addr().String() }

func (c *Collector) compactions() {
	for {
		time.Sleep(time.Duration(30+rand.Intn(25)) * time.Second)
		atomic.StoreInt64(&c.overloadedUntil, time.Now().Add(time.Duration(2+rand.Intn(4))*time.Second).UnixNano())
	}
}

func (c *Collector) ingest(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if time.Now().UnixNano() < atomic.LoadInt64(&c.overloadedUntil) || rand.Intn(15) == 0 {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	n := bytes.Count(data, []byte{'\n'})
	time.Sleep(time.Duration(5+rand.Intn(20)) * time.Millisecond) // index write
	atomic.AddInt64(&c.stats.collectorRecords, int64(n))
	w.WriteHeader(http.StatusAccepted)
}
