package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// objectStore is a stand-in for the blob backend: it accepts a manifest
// for each finished upload and answers after a latency that is usually
// short, with a slow tail and periodic compaction pauses.
type objectStore struct {
	ln     net.Listener
	mu     sync.Mutex
	objs   map[string]string
	slowAt time.Time // compaction pause until
}

func startObjectStore(ctx context.Context) (*objectStore, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &objectStore{ln: ln, objs: make(map[string]string)}
	mux := http.NewServeMux()
	mux.HandleFunc("/objects/", o.handlePut)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 45 * time.Second}
	go srv.Serve(ln)
	go o.compactions(ctx)
	return o, nil
}

func (o *objectStore) URL() string { return "http://" + o.ln.Addr().String() }

func (o *objectStore) compactions(ctx context.Context) {
	for {
		if !sleepCtx(ctx, between(20*time.Second, 35*time.Second)) {
			return
		}
		o.mu.Lock()
		o.slowAt = time.Now().Add(between(3*time.Second, 6*time.Second))
		o.mu.Unlock()
	}
}

func (o *objectStore) latency() time.Duration {
	o.mu.Lock()
	compacting := time.Now().Before(o.slowAt)
	o.mu.Unlock()
	switch {
	case compacting:
		return between(2*time.Second, 7*time.Second)
	case randIntn(100) < 4:
		return between(1500*time.Millisecond, 5*time.Second)
	default:
		return between(30*time.Millisecond, 250*time.Millisecond)
	}
}

type manifest struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

func (o *objectStore) handlePut(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/objects/")
	var m manifest
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	t := time.NewTimer(o.latency())
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if randIntn(100) < 2 {
		http.Error(w, "replica unavailable", http.StatusServiceUnavailable)
		return
	}
	o.mu.Lock()
	o.objs[key] = m.Digest
	o.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
}

type commitJob struct {
	session *uploadSession
	key     string
	digest  string
	size    int64
}

// committer writes finished uploads to the object store from a small
// worker pool, retrying failed attempts with back-off.
type committer struct {
	base   string
	client *http.Client
	queue  chan *commitJob
	onDone func(*commitJob, error)

	ok, retries int64
}

func newCommitter(base string, depth int, timeout time.Duration) *committer {
	return &committer{
		base: base,
		client: &http.Client{
			Timeout:   timeout,
			Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: 30 * time.Second},
		},
		queue: make(chan *commitJob, depth),
	}
}

var errQueueFull = errors.New("commit queue full")

// submit queues a job, waiting up to wait for room.
func (c *committer) submit(job *commitJob, wait time.Duration) error {
	select {
	case c.queue <- job:
		return nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case c.queue <- job:
		return nil
	case <-t.C:
		return errQueueFull
	}
}

func (c *committer) worker(ctx context.Context, id int) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-c.queue:
			c.onDone(job, c.commit(ctx, job))
		}
	}
}

func (c *committer) commit(ctx context.Context, job *commitJob) error {
	backoff := 400 * time.Millisecond
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = c.put(ctx, job); err == nil {
			atomic.AddInt64(&c.ok, 1)
			return nil
		}
		select {
		case <-job.session.done: // expired meanwhile; nothing left to commit
			return err
		default:
		}
		atomic.AddInt64(&c.retries, 1)
		if !sleepCtx(ctx, backoff+between(0, backoff/2)) {
			return ctx.Err()
		}
		backoff *= 2
	}
	return fmt.Errorf("commit %s: %w", job.key, err)
}

func (c *committer) put(ctx context.Context, job *commitJob) error {
	body, _ := json.Marshal(manifest{Digest: job.digest, Size: job.size})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.base+"/objects/"+job.key, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(ioutil.Discard, resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("object store: %s", resp.Status)
	}
	return nil
}
