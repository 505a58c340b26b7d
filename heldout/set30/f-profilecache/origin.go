package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Profile is what the origin returns for a user.
type Profile struct {
	UserID    string    `json:"user_id"`
	Display   string    `json:"display"`
	Followers int       `json:"followers"`
	Bio       string    `json:"bio"`
	FetchedAt time.Time `json:"fetched_at"`
}

// origin is the (simulated) profile service the cache sits in front of.
type origin struct {
	reqs     int64
	inflight int64
}

func newOrigin() *origin { return &origin{} }

func (o *origin) count() int64 { return atomic.LoadInt64(&o.reqs) }

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&o.reqs, 1)
	busy := atomic.AddInt64(&o.inflight, 1)
	defer atomic.AddInt64(&o.inflight, -1)
	id := strings.TrimPrefix(r.URL.Path, "/profiles/")
	delay := time.Duration(60+rand.Intn(240)) * time.Millisecond
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	shed := 90
	if busy > 30 {
		shed = 250 // protect the database when the caches stampede
	}
	switch n := rand.Intn(1000); {
	case n < shed:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "shedding load", http.StatusServiceUnavailable)
		return
	case n < shed+10:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if strings.HasSuffix(id, "7") && rand.Intn(4) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Profile{
		UserID:    id,
		Display:   "user " + id,
		Followers: len(id) * 1000,
		Bio:       strings.Repeat("lorem ipsum ", 4+rand.Intn(12)),
		FetchedAt: time.Now(),
	})
}

type originClient struct {
	base string
	hc   *http.Client
}

// statusError is returned for non-200 answers from the origin.
type statusError struct {
	code int
}

func (e *statusError) Error() string { return fmt.Sprintf("origin: HTTP %d", e.code) }

// Temporary reports whether the origin asked us to come back later.
func (e *statusError) Temporary() bool {
	return e.code == http.StatusServiceUnavailable || e.code == http.StatusTooManyRequests
}

var errNotFound = fmt.Errorf("profile not found")

func (c *originClient) fetch(ctx context.Context, id string) (*Profile, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/profiles/"+id, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		io.Copy(io.Discard, resp.Body)
		return nil, errNotFound
	default:
		io.Copy(io.Discard, resp.Body)
		return nil, &statusError{code: resp.StatusCode}
	}
	var p Profile
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	return &p, nil
}
