package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sample is one parsed exposition line.
type sample struct {
	series string
	value  float64
}

// scrapeResult is what a poller hands the aggregator after one round.
type scrapeResult struct {
	source  string
	at      time.Time
	samples []sample
	up      bool
}

// target is one configured scrape source. Its poller runs until the
// target is removed from the agent's config (or the agent stops).
type target struct {
	name     string
	url      string
	interval time.Duration
	timeout  time.Duration

	cancel context.CancelFunc
	done   chan struct{}

	polls    atomic.Int64
	failures atomic.Int64
}

type collector struct {
	client *http.Client
	out    chan<- scrapeResult

	mu      sync.Mutex
	targets map[string]*target

	polls    atomic.Int64
	failures atomic.Int64
}

func newCollector(client *http.Client, out chan<- scrapeResult) *collector {
	return &collector{client: client, out: out, targets: make(map[string]*target)}
}

// Add registers a target and starts its poller.
func (c *collector) Add(ctx context.Context, name, url string, interval time.Duration) {
	tctx, cancel := context.WithCancel(ctx)
	t := &target{
		name:     name,
		url:      url,
		interval: interval,
		timeout:  interval / 3,
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	if t.timeout > 2500*time.Millisecond {
		t.timeout = 2500 * time.Millisecond
	}
	c.mu.Lock()
	if old := c.targets[name]; old != nil {
		c.mu.Unlock()
		cancel()
		return
	}
	c.targets[name] = t
	c.mu.Unlock()
	go c.poll(tctx, t)
}

// Remove stops a target's poller and waits until it is gone, so that no
// late result for the target reaches the aggregator after Remove returns.
func (c *collector) Remove(name string) {
	c.mu.Lock()
	t := c.targets[name]
	delete(c.targets, name)
	c.mu.Unlock()
	if t == nil {
		return
	}
	t.cancel()
	<-t.done
}

func (c *collector) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.targets)
}

// poll is the per-target loop: it staggers its first round so targets
// added together do not poll in lockstep, then polls once per interval,
// backing off while the target fails.
func (c *collector) poll(ctx context.Context, t *target) {
	defer close(t.done)
	if !sleepCtx(ctx, between(0, t.interval)) {
		return
	}
	failures := 0
	for ctx.Err() == nil {
		wait := t.interval
		if err := c.pollOnce(ctx, t); err != nil {
			failures++
			c.failures.Add(1)
			t.failures.Add(1)
			wait = backoff(t.interval, failures, 4*t.interval)
			if failures == 3 {
				log.Printf("collector: %s: %v (%d failures in a row)", t.name, err, failures)
			}
		} else {
			failures = 0
		}
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

func (c *collector) pollOnce(ctx context.Context, t *target) error {
	c.polls.Add(1)
	t.polls.Add(1)
	rctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, t.url, nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.emit(ctx, scrapeResult{source: t.name, at: time.Now()})
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		c.emit(ctx, scrapeResult{source: t.name, at: time.Now()})
		return fmt.Errorf("status %s", resp.Status)
	}
	samples, err := parseExposition(resp.Body)
	if err != nil {
		return err
	}
	c.emit(ctx, scrapeResult{source: t.name, at: time.Now(), samples: samples, up: true})
	return nil
}

// emit hands a result to the aggregator; it blocks while the aggregator
// is busy flushing (that is our back-pressure towards the pollers).
func (c *collector) emit(ctx context.Context, r scrapeResult) {
	select {
	case c.out <- r:
	case <-ctx.Done():
	}
}

func parseExposition(r io.Reader) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out = append(out, sample{series: line[:i], value: v})
	}
	return out, sc.Err()
}
