package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// itemBackend is one replica of the item service, listening on loopback.
type itemBackend struct {
	name string
	addr string
	srv  *http.Server
	slow float64 // probability of a pathological slow response
}

func (b *itemBackend) handleItem(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/items/")
	d := time.Duration(2+rand.Intn(35)) * time.Millisecond
	if rand.Float64() < b.slow {
		d = 700 * time.Millisecond
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]interface{}{
		"id":      id,
		"backend": b.name,
		"price":   float64(rand.Intn(100000)) / 100,
		"stock":   rand.Intn(500),
		"tags":    []string{"catalog", "edge", b.name},
	})
}

func (b *itemBackend) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintln(w, "ok", b.name)
}

// fleet is the set of running item backends.
type fleet struct {
	mu       sync.RWMutex
	backends []*itemBackend
	seq      int
}

func newFleet() *fleet { return &fleet{} }

func (f *fleet) launch() (*itemBackend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.seq++
	b := &itemBackend{name: fmt.Sprintf("items-%02d", f.seq), addr: ln.Addr().String(), slow: 0.01}
	f.mu.Unlock()

	mux := http.NewServeMux()
	mux.HandleFunc("/v1/items/", b.handleItem)
	mux.HandleFunc("/healthz", b.handleHealth)
	b.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 2 * time.Second,
		IdleTimeout:       20 * time.Second,
	}
	go func() {
		if err := b.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: serve: %v", b.name, err)
		}
	}()

	f.mu.Lock()
	f.backends = append(f.backends, b)
	f.mu.Unlock()
	log.Printf("fleet: %s up on %s", b.name, b.addr)
	return b, nil
}

// growLoop adds a backend every interval until the fleet has max members.
func (f *fleet) growLoop(ctx context.Context, every time.Duration, max int) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if f.size() >= max {
				continue
			}
			if _, err := f.launch(); err != nil {
				log.Printf("fleet: launch: %v", err)
			}
		}
	}
}

func (f *fleet) size() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.backends)
}

func (f *fleet) snapshot() []*itemBackend {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]*itemBackend, len(f.backends))
	copy(out, f.backends)
	return out
}

// pick returns n distinct backends chosen at random (fewer if the fleet is small).
func (f *fleet) pick(n int) []*itemBackend {
	all := f.snapshot()
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if n > len(all) {
		n = len(all)
	}
	return all[:n]
}
