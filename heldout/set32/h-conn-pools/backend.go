package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randDur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randIntn(int(hi-lo)+1))
}

// backend is one item service instance: an HTTP API plus a status
// listener that pushes a health line to every connected monitor.
type backend struct {
	name     string
	apiAddr  string
	statAddr string

	inflight int64
	served   int64
	degraded int32 // set while the instance is under GC/compaction pressure
}

type item struct {
	ID      string `json:"id"`
	Backend string `json:"backend"`
	Price   int    `json:"price_cents"`
	Stock   int    `json:"stock"`
}

func startBackend(ctx context.Context, name string) (*backend, error) {
	b := &backend{name: name}

	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	stat, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		api.Close()
		return nil, err
	}
	b.apiAddr, b.statAddr = api.Addr().String(), stat.Addr().String()

	mux := http.NewServeMux()
	mux.HandleFunc("/v1/items/", b.handleItem)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := srv.Serve(api); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: api: %v", name, err)
		}
	}()
	go b.acceptMonitors(ctx, stat)
	go b.pressure(ctx)
	return b, nil
}

func (b *backend) handleItem(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&b.inflight, 1)
	defer atomic.AddInt64(&b.inflight, -1)
	id := strings.TrimPrefix(r.URL.Path, "/v1/items/")
	d := randDur(3*time.Millisecond, 25*time.Millisecond)
	if atomic.LoadInt32(&b.degraded) == 1 {
		d += randDur(20*time.Millisecond, 60*time.Millisecond)
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return
	}
	atomic.AddInt64(&b.served, 1)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(item{ID: id, Backend: b.name, Price: 100 + randIntn(9900), Stock: randIntn(50)})
}

// pressure flips the instance into a degraded state now and then.
func (b *backend) pressure(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(15*time.Second, 40*time.Second)):
		}
		atomic.StoreInt32(&b.degraded, 1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(2*time.Second, 5*time.Second)):
		}
		atomic.StoreInt32(&b.degraded, 0)
	}
}

func (b *backend) acceptMonitors(ctx context.Context, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if ctx.Err() == nil {
				log.Printf("%s: status accept: %v", b.name, err)
			}
			return
		}
		go b.statusSession(ctx, c)
	}
}

// statusSession pushes a status line every 2-4 s. Sessions are rotated
// after a while so monitors re-resolve and reconnect.
func (b *backend) statusSession(ctx context.Context, c net.Conn) {
	defer c.Close()
	rotate := time.NewTimer(randDur(40*time.Second, 80*time.Second))
	defer rotate.Stop()
	seq := 0
	for {
		state := "ok"
		if atomic.LoadInt32(&b.degraded) == 1 {
			state = "degraded"
		}
		seq++
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := fmt.Fprintf(c, "STATUS %s %s seq=%d inflight=%d served=%d\n",
			b.name, state, seq, atomic.LoadInt64(&b.inflight), atomic.LoadInt64(&b.served)); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-rotate.C:
			c.SetWriteDeadline(time.Now().Add(2 * time.Second))
			fmt.Fprintf(c, "BYE %s rotate\n", b.name)
			return
		case <-time.After(randDur(2*time.Second, 4*time.Second)):
		}
	}
}
