package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const (
	failThreshold = 2
	riseThreshold = 2
	deepEvery     = 10
)

type target struct {
	name string
	url  string

	healthy int32 // atomic: 1 when in rotation

	mu        sync.Mutex
	fails     int
	oks       int
	lastErr   string
	lastCheck time.Time
	flaps     int

	cancel context.CancelFunc
}

func (t *target) record(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastCheck = time.Now()
	if err != nil {
		t.lastErr = err.Error()
		t.oks = 0
		t.fails++
		if t.fails >= failThreshold && atomic.CompareAndSwapInt32(&t.healthy, 1, 0) {
			t.flaps++
		}
		return
	}
	t.lastErr = ""
	t.fails = 0
	t.oks++
	if t.oks >= riseThreshold && atomic.CompareAndSwapInt32(&t.healthy, 0, 1) {
		t.flaps++
	}
}

// Checker actively probes every registered upstream.
type Checker struct {
	interval time.Duration
	timeout  time.Duration
	client   *http.Client

	mu      sync.RWMutex
	targets map[string]*target

	probes, failures int64
}

func newChecker(interval, timeout time.Duration) *Checker {
	return &Checker{
		interval: interval,
		timeout:  timeout,
		client: &http.Client{Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     30 * time.Second,
		}},
		targets: make(map[string]*target),
	}
}

func (c *Checker) Add(name, url string) {
	ctx, cancel := context.WithCancel(context.Background())
	t := &target{name: name, url: url, cancel: cancel}
	c.mu.Lock()
	if old := c.targets[name]; old != nil {
		old.cancel()
	}
	c.targets[name] = t
	c.mu.Unlock()
	go c.watch(ctx, t)
}

func (c *Checker) Remove(name string) {
	c.mu.Lock()
	t := c.targets[name]
	delete(c.targets, name)
	c.mu.Unlock()
	if t != nil {
		t.cancel()
	}
}

// Healthy returns the targets currently in rotation, sorted by name.
func (c *Checker) Healthy() []*target {
	c.mu.RLock()
	out := make([]*target, 0, len(c.targets))
	for _, t := range c.targets {
		if atomic.LoadInt32(&t.healthy) == 1 {
			out = append(out, t)
		}
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (c *Checker) All() []*target {
	c.mu.RLock()
	out := make([]*target, 0, len(c.targets))
	for _, t := range c.targets {
		out = append(out, t)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (c *Checker) watch(ctx context.Context, t *target) {
	timer := time.NewTimer(time.Duration(rand.Int63n(int64(c.interval))))
	defer timer.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		var err error
		if n%deepEvery == 0 {
			err = c.deepCheck(ctx, t)
		} else {
			err = c.probe(ctx, t, "/health")
		}
		if ctx.Err() != nil {
			return
		}
		t.record(err)
		timer.Reset(c.interval + time.Duration(rand.Int63n(int64(c.interval/5))))
	}
}

// deepCheck probes several endpoints in parallel; all must pass.
func (c *Checker) deepCheck(ctx context.Context, t *target) error {
	paths := []string{"/health", "/version", "/ping"}
	errs := make(chan error, len(paths))
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func(p string) {
			defer wg.Done()
			errs <- c.probe(ctx, t, p)
		}(p)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Checker) probe(ctx context.Context, t *target, path string) error {
	atomic.AddInt64(&c.probes, 1)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "upstream-health/0.3")
	resp, err := c.client.Do(req)
	if err != nil {
		atomic.AddInt64(&c.failures, 1)
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		atomic.AddInt64(&c.failures, 1)
		return fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return nil
}

func (c *Checker) report(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		all := c.All()
		up := len(c.Healthy())
		log.Printf("checker: targets=%d healthy=%d probes=%d failures=%d",
			len(all), up, atomic.LoadInt64(&c.probes), atomic.LoadInt64(&c.failures))
	}
}
