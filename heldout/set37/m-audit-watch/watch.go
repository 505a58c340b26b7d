package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// getJSON is the one request helper every component uses: GET url with
// c, decode the JSON body into out and return the X-Index header.
func getJSON(ctx context.Context, c *http.Client, url string, out interface{}) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return 0, err
	}
	idx, _ := strconv.ParseUint(resp.Header.Get("X-Index"), 10, 64)
	return idx, nil
}

// keyWatcher follows one policy key with blocking queries and records
// every change it sees in the audit log.
type keyWatcher struct {
	id     int
	key    string
	base   string
	wait   time.Duration
	client *http.Client
	audit  *auditReporter

	cancel context.CancelFunc
	done   chan struct{}
	seen   int
}

func (w *keyWatcher) run(ctx context.Context) {
	defer close(w.done)
	var index uint64
	var last string
	fails := 0
	for ctx.Err() == nil {
		var e entry
		url := fmt.Sprintf("%s/v1/kv/%s?index=%d&wait=%s", w.base, w.key, index, w.wait)
		idx, err := getJSON(ctx, w.client, url, &e)
		if err != nil {
			fails++
			d := time.Duration(fails) * 500 * time.Millisecond
			if d > 8*time.Second {
				d = 8 * time.Second
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
			continue
		}
		fails = 0
		if idx < index {
			index = 0 // store was reset; start over
			continue
		}
		index = idx
		if e.Value != last {
			w.seen++
			w.audit.record(auditRecord{Watcher: w.id, Key: w.key, Value: e.Value, Index: idx, At: time.Now()})
			last = e.Value
		}
	}
}

// configLoader reads the watcher settings key on a timer; the roster uses
// it to decide how many watchers to keep.
type configLoader struct {
	base   string
	client *http.Client

	mu  sync.Mutex
	cfg entry
}

func (l *configLoader) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		var e entry
		_, err := getJSON(cctx, l.client, l.base+"/v1/kv/watch-settings", &e)
		cancel()
		if err == nil {
			l.mu.Lock()
			l.cfg = e
			l.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type auditRecord struct {
	Watcher int       `json:"watcher"`
	Key     string    `json:"key"`
	Value   string    `json:"value"`
	Index   uint64    `json:"index"`
	At      time.Time `json:"at"`
}

// auditReporter batches audit records and posts them every few seconds.
type auditReporter struct {
	url    string
	client *http.Client
	in     chan auditRecord

	mu   sync.Mutex
	sent int
}

func (a *auditReporter) record(r auditRecord) {
	select {
	case a.in <- r:
	default:
	}
}

func (a *auditReporter) run(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	var batch []auditRecord
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-a.in:
			batch = append(batch, r)
			if len(batch) < 50 {
				continue
			}
		case <-t.C:
			if len(batch) == 0 {
				continue
			}
		}
		body, _ := json.Marshal(batch)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.client.Do(req)
		if err != nil {
			continue // keep the batch, try again next tick
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		a.mu.Lock()
		a.sent += len(batch)
		a.mu.Unlock()
		batch = batch[:0]
	}
}
