package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// publisher stands in for the many sites that host the feeds. Each feed
// gets a new item every `period`; responses carry an ETag so pollers can
// make conditional requests.
type publisher struct {
	start time.Time

	mu    sync.Mutex
	feeds map[string]*feedSource
}

type feedSource struct {
	id     string
	period time.Duration
	flaky  float64 // fraction of requests answered with 503
	slow   float64 // fraction of requests that take over a second
}

type feedDoc struct {
	Feed    string     `json:"feed"`
	Version int        `json:"version"`
	Items   []feedItem `json:"items"`
}

type feedItem struct {
	GUID  string `json:"guid"`
	Title string `json:"title"`
	Thumb string `json:"thumb"`
}

func newPublisher() *publisher {
	return &publisher{start: time.Now(), feeds: make(map[string]*feedSource)}
}

func (p *publisher) source(id string) *feedSource {
	p.mu.Lock()
	defer p.mu.Unlock()
	src, ok := p.feeds[id]
	if !ok {
		src = &feedSource{
			id:     id,
			period: time.Duration(4+rand.Intn(16)) * time.Second,
			flaky:  0.02 + rand.Float64()*0.06,
			slow:   0.02 + rand.Float64()*0.05,
		}
		p.feeds[id] = src
	}
	return src
}

func (p *publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/feeds/"):
		p.serveFeed(w, r, strings.TrimPrefix(r.URL.Path, "/feeds/"))
	case strings.HasPrefix(r.URL.Path, "/thumbs/"):
		p.serveThumb(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (p *publisher) serveFeed(w http.ResponseWriter, r *http.Request, id string) {
	src := p.source(id)
	lat := time.Duration(15+rand.Intn(180)) * time.Millisecond
	if rand.Float64() < src.slow {
		lat = time.Duration(900+rand.Intn(1500)) * time.Millisecond
	}
	if !pause(r.Context(), lat) {
		return
	}
	if rand.Float64() < src.flaky {
		http.Error(w, "upstream busy", http.StatusServiceUnavailable)
		return
	}
	version := int(time.Since(p.start) / src.period)
	etag := fmt.Sprintf(`"%s-%d"`, id, version)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	doc := feedDoc{Feed: id, Version: version}
	for v := version; v >= 0 && v > version-5; v-- {
		doc.Items = append(doc.Items, feedItem{
			GUID:  fmt.Sprintf("%s/%d", id, v),
			Title: fmt.Sprintf("%s: story number %d", id, v),
			Thumb: fmt.Sprintf("/thumbs/%s/%d", id, v),
		})
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

var thumbBytes = []byte(strings.Repeat("\x89PNG-thumbnail-bytes", 96))

func (p *publisher) serveThumb(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/thumbs/"), "/")
	if len(parts) != 2 {
		http.NotFound(w, r)
		return
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		http.NotFound(w, r)
		return
	}
	if !pause(r.Context(), time.Duration(30+rand.Intn(400))*time.Millisecond) {
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(thumbBytes)
}

// pause waits for d or until ctx ends; it reports whether the full time
// elapsed.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
