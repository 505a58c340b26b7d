package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// pricingBackend is the upstream the gateway talks to. It computes prices
// with a bounded number of workers and has a latency tail.
type pricingBackend struct {
	URL string

	sem   chan struct{}
	stall sync.RWMutex // write-held during a simulated pause

	mu     sync.Mutex
	prices map[string]float64
}

var symbols = func() []string {
	var out []string
	for _, a := range []string{"A", "B", "C", "D", "E", "F", "G", "H"} {
		for _, b := range []string{"X", "Y", "Z", "Q", "R", "S", "T", "U"} {
			out = append(out, a+b+"C")
		}
	}
	return out
}()

func startPricingBackend() (*pricingBackend, error) {
	b := &pricingBackend{
		sem:    make(chan struct{}, 6),
		prices: make(map[string]float64),
	}
	for i, s := range symbols {
		b.prices[s] = 20 + float64(i)*3.7
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/price", b.handlePrice)
	mux.HandleFunc("/symbols", b.handleSymbols)
	mux.HandleFunc("/history", b.handleHistory)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b.URL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: mux, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	return b, nil
}

func (b *pricingBackend) latency() time.Duration {
	p := rand.Float64()
	switch {
	case p < 0.86:
		return time.Duration(2+rand.Intn(18)) * time.Millisecond
	case p < 0.97:
		return time.Duration(20+rand.Intn(70)) * time.Millisecond
	default:
		return time.Duration(160+rand.Intn(300)) * time.Millisecond
	}
}

// hiccups simulates the backend pausing now and then (GC, compaction).
func (b *pricingBackend) hiccups() {
	for {
		time.Sleep(time.Duration(7000+rand.Intn(9000)) * time.Millisecond)
		b.stall.Lock()
		time.Sleep(time.Duration(180+rand.Intn(250)) * time.Millisecond)
		b.stall.Unlock()
	}
}

func (b *pricingBackend) work(d time.Duration) {
	b.sem <- struct{}{}
	defer func() { <-b.sem }()
	b.stall.RLock()
	b.stall.RUnlock()
	time.Sleep(d)
}

type Quote struct {
	Symbol string    `json:"symbol"`
	Bid    float64   `json:"bid"`
	Ask    float64   `json:"ask"`
	At     time.Time `json:"at"`
}

func (b *pricingBackend) handlePrice(w http.ResponseWriter, r *http.Request) {
	sym := r.URL.Query().Get("sym")
	b.mu.Lock()
	p, ok := b.prices[sym]
	if ok {
		p *= 1 + (rand.Float64()-0.5)*0.002
		b.prices[sym] = p
	}
	b.mu.Unlock()
	if !ok {
		http.Error(w, "unknown symbol", http.StatusNotFound)
		return
	}
	b.work(b.latency())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(Quote{Symbol: sym, Bid: p - 0.01, Ask: p + 0.01, At: time.Now()})
}

func (b *pricingBackend) handleSymbols(w http.ResponseWriter, r *http.Request) {
	b.work(time.Duration(5+rand.Intn(20)) * time.Millisecond)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(symbols)
}

func (b *pricingBackend) handleHistory(w http.ResponseWriter, r *http.Request) {
	sym := r.URL.Query().Get("sym")
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if n <= 0 || n > 500 {
		n = 120
	}
	b.mu.Lock()
	p, ok := b.prices[sym]
	b.mu.Unlock()
	if !ok {
		http.Error(w, "unknown symbol", http.StatusNotFound)
		return
	}
	b.work(time.Duration(3+rand.Intn(25)) * time.Millisecond)
	type point struct {
		T int64   `json:"t"`
		P float64 `json:"p"`
	}
	pts := make([]point, n)
	now := time.Now().Unix()
	for i := range pts {
		pts[i] = point{T: now - int64(n-i)*60, P: math.Round(p*(1+0.01*math.Sin(float64(i)/7))*100) / 100}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Series", fmt.Sprintf("%s/%d", sym, n))
	json.NewEncoder(w).Encode(pts)
}
