package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sync"
	"time"
)

var errNotModified = errors.New("not modified")

// feedPoller keeps one feed fresh. It sleeps between rounds (longer after
// failures) and stops when its subscription is cancelled.
type feedPoller struct {
	id      string
	url     string
	thumbs  string
	client  *http.Client
	hub     *hub
	store   *itemStore
	stats   *stats
	every   time.Duration
	timeout time.Duration

	etag     string
	seen     map[string]bool
	failures int
	rounds   int
}

type fetchResult struct {
	doc  feedDoc
	etag string
	err  error
}

func (p *feedPoller) run(ctx context.Context) {
	p.stats.pollers.Add(1)
	defer p.stats.pollers.Add(-1)
	for {
		t := p.schedule()
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		p.rounds++
		if err := p.refresh(ctx); err != nil {
			if errors.Is(err, errNotModified) {
				p.failures = 0
				continue
			}
			if ctx.Err() != nil {
				return
			}
			p.failures++
			p.stats.fetchErrors.Add(1)
			continue
		}
		p.failures = 0
	}
}

// schedule returns the timer for the next round: the feed's interval with
// some jitter, or an exponential backoff while the feed is failing.
func (p *feedPoller) schedule() *time.Timer {
	d := p.every + time.Duration(rand.Int63n(int64(p.every/2)))
	if p.failures > 0 {
		back := time.Second << uint(p.failures)
		if back > 20*time.Second {
			back = 20 * time.Second
		}
		d = back + time.Duration(rand.Intn(500))*time.Millisecond
	}
	if p.rounds == 0 {
		d = time.Duration(rand.Intn(1000)) * time.Millisecond
	}
	return time.NewTimer(d)
}

// refresh fetches the feed once. The HTTP call runs in its own goroutine
// so the round can be abandoned at the deadline even if the body read is
// stuck; the result channel has room for the late answer.
func (p *feedPoller) refresh(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()

	res := make(chan fetchResult, 1)
	go p.fetch(rctx, p.etag, res)

	var fr fetchResult
	select {
	case fr = <-res:
	case <-rctx.Done():
		return fmt.Errorf("feed %s: %w", p.id, rctx.Err())
	}
	if fr.err != nil {
		return fr.err
	}
	p.etag = fr.etag

	var fresh []feedItem
	for _, it := range fr.doc.Items {
		if !p.seen[it.GUID] {
			p.seen[it.GUID] = true
			fresh = append(fresh, it)
		}
	}
	if len(p.seen) > 64 {
		p.compactSeen(fr.doc.Items)
	}
	if len(fresh) == 0 {
		return nil
	}
	p.prefetchThumbs(ctx, fresh)
	p.store.add(p.id, fresh)
	for _, it := range fresh {
		p.hub.publish(p.id, fmt.Sprintf("ITEM %s %s", p.id, it.GUID))
	}
	p.stats.items.Add(int64(len(fresh)))
	return nil
}

func (p *feedPoller) fetch(ctx context.Context, etag string, out chan<- fetchResult) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		out <- fetchResult{err: err}
		return
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		out <- fetchResult{err: err}
		return
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		out <- fetchResult{etag: etag, err: errNotModified}
		return
	case http.StatusOK:
	default:
		_, _ = io.Copy(io.Discard, resp.Body)
		out <- fetchResult{err: fmt.Errorf("feed %s: %s", p.id, resp.Status)}
		return
	}
	var doc feedDoc
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		out <- fetchResult{err: err}
		return
	}
	out <- fetchResult{doc: doc, etag: resp.Header.Get("ETag")}
}

// prefetchThumbs warms the thumbnail cache for new items, one request per
// item, and waits for all of them (each bounded by its own timeout).
func (p *feedPoller) prefetchThumbs(ctx context.Context, items []feedItem) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func(it feedItem) {
			defer wg.Done()
			tctx, cancel := context.WithTimeout(ctx, 800*time.Millisecond)
			defer cancel()
			req, err := http.NewRequestWithContext(tctx, http.MethodGet, p.thumbs+it.Thumb, nil)
			if err != nil {
				return
			}
			resp, err := p.client.Do(req)
			if err != nil {
				p.stats.thumbErrors.Add(1)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			p.stats.thumbBytes.Add(n)
		}(it)
	}
	wg.Wait()
}

func (p *feedPoller) compactSeen(current []feedItem) {
	keep := make(map[string]bool, len(current))
	for _, it := range current {
		keep[it.GUID] = true
	}
	p.seen = keep
}
