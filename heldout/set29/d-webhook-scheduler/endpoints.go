package main

import (
	"io"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is a customer's webhook receiver, simulated on loopback. Each has
// its own latency, error rate and occasional outages.
type endpoint struct {
	name    string
	url     string
	latency time.Duration
	errPct  int

	mu       sync.Mutex
	downTill time.Time

	hits int64
}

func startEndpoint(name string, latency time.Duration, errPct int) (*endpoint, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e := &endpoint{name: name, latency: latency, errPct: errPct, url: "http://" + ln.Addr().String() + "/events"}
	srv := &http.Server{
		Handler:           http.HandlerFunc(e.serve),
		ReadHeaderTimeout: 2 * time.Second,
		IdleTimeout:       20 * time.Second,
	}
	go srv.Serve(ln)
	return e, nil
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&e.hits, 1)
	io.Copy(io.Discard, r.Body)
	e.mu.Lock()
	down := time.Now().Before(e.downTill)
	e.mu.Unlock()
	if down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	d := e.latency/2 + time.Duration(rand.Int63n(int64(e.latency)))
	if rand.Intn(40) == 0 {
		d += 800 * time.Millisecond // way past the sender's timeout
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return
	}
	if rand.Intn(100) < e.errPct {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if r.Header.Get("X-Signature") == "" {
		http.Error(w, "unsigned", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// outages takes the endpoint down for a while every so often.
func (e *endpoint) outages(every time.Duration) {
	for {
		time.Sleep(every/2 + time.Duration(rand.Int63n(int64(every))))
		e.mu.Lock()
		e.downTill = time.Now().Add(time.Duration(5+rand.Intn(15)) * time.Second)
		e.mu.Unlock()
	}
}
