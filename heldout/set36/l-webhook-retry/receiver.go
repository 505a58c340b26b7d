package main

import (
	"context"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// receiverFarm stands in for the customers' webhook receivers: one HTTP
// server with a handler per customer path, each with its own latency and
// error behaviour. A chaos loop degrades one receiver now and then.
type receiverFarm struct {
	base string

	mu       sync.Mutex
	profiles map[string]*receiverProfile
}

type receiverProfile struct {
	latencyLo, latencyHi time.Duration
	failPct              int // 5xx
	throttlePct          int // 429 with Retry-After
	degradedUntil        time.Time
}

func startReceiverFarm(ctx context.Context) (*receiverFarm, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &receiverFarm{base: "http://" + ln.Addr().String(), profiles: make(map[string]*receiverProfile)}
	srv := &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 20 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("receivers: %v", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return f, nil
}

// register creates a receiver and returns its URL.
func (f *receiverFarm) register(name string, p *receiverProfile) string {
	f.mu.Lock()
	f.profiles[name] = p
	f.mu.Unlock()
	return f.base + "/hooks/" + name
}

func (f *receiverFarm) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/hooks/")
	f.mu.Lock()
	p, ok := f.profiles[name]
	var lo, hi time.Duration
	var failPct, throttlePct int
	if ok {
		lo, hi, failPct, throttlePct = p.latencyLo, p.latencyHi, p.failPct, p.throttlePct
		if time.Now().Before(p.degradedUntil) {
			lo, hi, failPct = lo*4, hi*4, 90
		}
	}
	f.mu.Unlock()
	if !ok {
		http.Error(w, "no such hook", http.StatusGone)
		return
	}
	io.Copy(io.Discard, r.Body)
	delay := lo + time.Duration(rand.Int63n(int64(hi-lo)+1))
	select {
	case <-after(delay):
	case <-r.Context().Done():
		return
	}
	n := rand.Intn(100)
	switch {
	case n < failPct:
		http.Error(w, "upstream error", http.StatusBadGateway)
	case n < failPct+throttlePct:
		w.Header().Set("Retry-After", strconv.Itoa(20+rand.Intn(55)))
		http.Error(w, "slow down", http.StatusTooManyRequests)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// chaos degrades a random receiver for a few seconds every so often.
func (f *receiverFarm) chaos(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(time.Duration(16+rand.Intn(12)) * time.Second):
		}
		f.mu.Lock()
		names := make([]string, 0, len(f.profiles))
		for n := range f.profiles {
			names = append(names, n)
		}
		if len(names) > 0 {
			n := names[rand.Intn(len(names))]
			d := time.Duration(6+rand.Intn(7)) * time.Second
			f.profiles[n].degradedUntil = time.Now().Add(d)
			log.Printf("chaos: receiver %s degraded for %v", n, d)
		}
		f.mu.Unlock()
	}
}
