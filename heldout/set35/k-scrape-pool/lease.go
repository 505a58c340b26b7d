package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The scrape pool runs as one replica of an HA pair; each job's scraping
// is owned through a lease in a small coordination service, which the
// replica renews while the job is configured and releases when it is
// dropped.

type coordinator struct {
	mu     sync.Mutex
	leases map[string]leaseRecord
}

type leaseRecord struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

func newCoordinator() *coordinator { return &coordinator{leases: make(map[string]leaseRecord)} }

func (c *coordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/lease/")
	holder := r.URL.Query().Get("holder")
	d := jitter(2*time.Millisecond, 40*time.Millisecond)
	if randFloat() < 0.04 {
		d = jitter(time.Second, 3*time.Second) // leader election in the coordinator
	}
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, ok := c.leases[name]
	if r.Method == http.MethodDelete {
		if ok && cur.Holder == holder {
			delete(c.leases, name)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ttl, err := time.ParseDuration(r.URL.Query().Get("ttl"))
	if err != nil {
		http.Error(w, "bad ttl", http.StatusBadRequest)
		return
	}
	if ok && cur.Holder != holder && time.Now().Before(cur.Expires) {
		w.WriteHeader(http.StatusConflict)
		json.NewEncoder(w).Encode(cur)
		return
	}
	rec := leaseRecord{Holder: holder, Expires: time.Now().Add(ttl)}
	c.leases[name] = rec
	json.NewEncoder(w).Encode(rec)
}

type leaseKeeper struct {
	name   string
	holder string
	base   string
	ttl    time.Duration
	client *http.Client

	held     atomic.Bool
	renewals atomic.Int64
}

// run keeps the lease until ctx ends: it renews at half the remaining
// lifetime, retries quickly when a renewal fails, and releases on the way
// out.
func (k *leaseKeeper) run(ctx context.Context) {
	defer k.release()
	var expires time.Time
	for {
		rec, err := k.renew(ctx)
		var next time.Duration
		switch {
		case err == nil:
			expires = rec.Expires
			k.held.Store(true)
			k.renewals.Add(1)
			next = time.Until(expires) / 2
		case time.Now().After(expires):
			if k.held.Swap(false) {
				log.Printf("lease %s: lost: %v", k.name, err)
			}
			next = time.Second
		default:
			next = time.Until(expires) / 4
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(next):
		}
	}
}

func (k *leaseKeeper) renew(ctx context.Context) (*leaseRecord, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	u := fmt.Sprintf("%s/lease/%s?holder=%s&ttl=%s", k.base, url.PathEscape(k.name), url.QueryEscape(k.holder), k.ttl)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var rec leaseRecord
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("held by %s", rec.Holder)
	}
	return &rec, nil
}

func (k *leaseKeeper) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	u := fmt.Sprintf("%s/lease/%s?holder=%s", k.base, url.PathEscape(k.name), url.QueryEscape(k.holder))
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
	if err != nil {
		return
	}
	if resp, err := k.client.Do(req); err == nil {
		resp.Body.Close()
	}
	k.held.Store(false)
}
