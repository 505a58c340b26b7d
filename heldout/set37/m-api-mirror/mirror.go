package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// mirror keeps a local copy of the upstream registry: an index poller and
// a change-feed follower discover new versions, sync workers download
// blobs into the cache, and hot packages are pre-warmed on the CDN edge
// as soon as the feed announces them.
type mirror struct {
	base string

	api   *http.Client // index and metadata
	feed  *http.Client // change-feed long polls
	blobs *http.Client // blob downloads by the sync workers and on misses
	warm  *http.Client // edge pre-warming

	cache *blobCache
	queue chan pkgMeta

	mu      sync.Mutex
	warming map[string]bool
	rev     int64

	synced, syncFail, warmed, warmFail, feedPolls atomic.Int64
}

func newMirror(base string, tr http.RoundTripper) *mirror {
	return &mirror{
		base:  base,
		api:   &http.Client{Transport: tr, Timeout: 5 * time.Second},
		feed:  &http.Client{Transport: tr, Timeout: 50 * time.Second},
		blobs: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		// Warm-ups pull whole blobs through the edge; big ones can take
		// minutes, so no overall timeout here.
		warm:    &http.Client{Transport: tr},
		cache:   newBlobCache(400),
		queue:   make(chan pkgMeta, 512),
		warming: make(map[string]bool),
	}
}

// fetch GETs path from the upstream with the given client and returns the
// body. Non-2xx answers are errors.
func (m *mirror) fetch(ctx context.Context, c *http.Client, path string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.base+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", "pkg-mirror/0.9")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, resp.Header, nil
}

func (m *mirror) pollIndex(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var since int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, 4*time.Second)
		body, hdr, err := m.fetch(cctx, m.api, "/v1/index?since="+strconv.FormatInt(since, 10))
		cancel()
		if err != nil {
			log.Printf("index: %v", err)
			continue
		}
		var pkgs []pkgMeta
		if json.Unmarshal(body, &pkgs) != nil {
			continue
		}
		since, _ = strconv.ParseInt(hdr.Get("X-Rev"), 10, 64)
		for _, p := range pkgs {
			if !m.cache.has(p.Name, p.Version) {
				m.enqueue(p)
			}
		}
	}
}

// followChanges long-polls the change feed; the upstream holds each poll
// for the requested window and then reports every change in it.
func (m *mirror) followChanges(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		m.mu.Lock()
		rev := m.rev
		m.mu.Unlock()
		wait := time.Duration(10+rand.Intn(15)) * time.Second
		body, hdr, err := m.fetch(ctx, m.feed, fmt.Sprintf("/v1/changes?rev=%d&wait=%s", rev, wait))
		m.feedPolls.Add(1)
		if err != nil {
			log.Printf("changes: %v (retry in %s)", err, backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if backoff < 10*time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = time.Second
		var pkgs []pkgMeta
		if json.Unmarshal(body, &pkgs) != nil {
			continue
		}
		next, _ := strconv.ParseInt(hdr.Get("X-Rev"), 10, 64)
		m.mu.Lock()
		m.rev = next
		m.mu.Unlock()
		for _, p := range pkgs {
			m.enqueue(p)
			if p.Hot && m.startWarming(p.Name) {
				go m.prefetch(p)
			}
		}
	}
}

func (m *mirror) startWarming(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.warming[name] {
		return false
	}
	m.warming[name] = true
	return true
}

// prefetch pulls a hot package through the edge so the first user
// download is served warm.
func (m *mirror) prefetch(p pkgMeta) {
	defer func() {
		m.mu.Lock()
		delete(m.warming, p.Name)
		m.mu.Unlock()
	}()
	body, _, err := m.fetch(context.Background(), m.warm, "/v1/blobs/"+p.Name+"?edge=warm")
	if err != nil {
		m.warmFail.Add(1)
		return
	}
	m.warmed.Add(1)
	m.cache.put(p.Name, p.Version, body)
}

func (m *mirror) enqueue(p pkgMeta) {
	select {
	case m.queue <- p:
	default:
		// the index poller will find it again
	}
}

func (m *mirror) syncWorker(ctx context.Context, id int) {
	for {
		var p pkgMeta
		select {
		case <-ctx.Done():
			return
		case p = <-m.queue:
		}
		if m.cache.has(p.Name, p.Version) {
			continue
		}
		var err error
		for attempt := 0; attempt < 2; attempt++ {
			var body []byte
			body, _, err = m.fetch(ctx, m.blobs, "/v1/blobs/"+p.Name)
			if err == nil {
				m.cache.put(p.Name, p.Version, body)
				m.synced.Add(1)
				break
			}
		}
		if err != nil {
			m.syncFail.Add(1)
		}
	}
}

// blobCache is a small LRU-ish cache keyed by package name.
type blobCache struct {
	mu   sync.Mutex
	max  int
	ents map[string]*cacheEnt
}

type cacheEnt struct {
	version string
	data    []byte
	used    time.Time
}

func newBlobCache(max int) *blobCache { return &blobCache{max: max, ents: make(map[string]*cacheEnt)} }

func (c *blobCache) has(name, version string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.ents[name]
	return e != nil && e.version == version
}

func (c *blobCache) get(name string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.ents[name]
	if e == nil {
		return nil, false
	}
	e.used = time.Now()
	return e.data, true
}

func (c *blobCache) put(name, version string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ents[name] = &cacheEnt{version: version, data: data, used: time.Now()}
}

func (c *blobCache) janitor(ctx context.Context, every, maxIdle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.mu.Lock()
			for k, e := range c.ents {
				if now.Sub(e.used) > maxIdle || len(c.ents) > c.max {
					delete(c.ents, k)
				}
			}
			c.mu.Unlock()
		}
	}
}
