package main

import (
	"context"
	"encoding/json"
	"log"
	"math/rand"
	"net"
	"net/http"
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

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func randDur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randIntn(int(hi-lo)+1))
}

// replica is an in-process stand-in for one pricing engine instance.
type replica struct {
	name     string
	addr     string
	degraded int32 // set while the replica is in a GC-pause / noisy-neighbour phase
	served   int64
}

type replicaPool struct {
	replicas []*replica
}

func startReplicaPool(ctx context.Context, names []string) *replicaPool {
	p := &replicaPool{}
	for _, n := range names {
		r := &replica{name: n}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatalf("replica %s: %v", n, err)
		}
		r.addr = "http://" + ln.Addr().String()
		mux := http.NewServeMux()
		mux.HandleFunc("/price", r.handlePrice)
		mux.HandleFunc("/fx", r.handleFX)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
		go srv.Serve(ln)
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		p.replicas = append(p.replicas, r)
	}
	return p
}

func (p *replicaPool) addrs() []string {
	out := make([]string, len(p.replicas))
	for i, r := range p.replicas {
		out[i] = r.addr
	}
	return out
}

// chaos degrades one replica for a few seconds every 20-30 s.
func (p *replicaPool) chaos(ctx context.Context) {
	for {
		wait := time.NewTimer(randDur(20*time.Second, 30*time.Second))
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
		r := p.replicas[randIntn(len(p.replicas))]
		atomic.StoreInt32(&r.degraded, 1)
		log.Printf("replica %s degraded", r.name)
		time.Sleep(randDur(3*time.Second, 4500*time.Millisecond))
		atomic.StoreInt32(&r.degraded, 0)
		log.Printf("replica %s recovered", r.name)
	}
}

func (r *replica) latency() time.Duration {
	if atomic.LoadInt32(&r.degraded) == 1 && randIntn(100) < 40 {
		return randDur(100*time.Millisecond, 350*time.Millisecond)
	}
	if randIntn(1000) < 20 {
		return randDur(80*time.Millisecond, 220*time.Millisecond)
	}
	return randDur(3*time.Millisecond, 25*time.Millisecond)
}

type Quote struct {
	Symbol  string  `json:"symbol"`
	Bid     float64 `json:"bid"`
	Ask     float64 `json:"ask"`
	Replica string  `json:"replica"`
	AsOf    int64   `json:"as_of"`
}

func (r *replica) handlePrice(w http.ResponseWriter, req *http.Request) {
	atomic.AddInt64(&r.served, 1)
	sym := req.URL.Query().Get("sym")
	select {
	case <-time.After(r.latency()):
	case <-req.Context().Done():
		return
	}
	if randIntn(1000) < 4 {
		http.Error(w, "pricing model reloading", http.StatusServiceUnavailable)
		return
	}
	mid := 100 + float64(len(sym))*3.7 + randFloat()
	q := Quote{Symbol: sym, Bid: mid - 0.02, Ask: mid + 0.02, Replica: r.name, AsOf: time.Now().UnixNano()}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(q)
}

func (r *replica) handleFX(w http.ResponseWriter, req *http.Request) {
	time.Sleep(randDur(2*time.Millisecond, 30*time.Millisecond))
	rates := map[string]float64{
		"EUR": 1.08 + randFloat()*0.01,
		"GBP": 1.27 + randFloat()*0.01,
		"JPY": 0.0067 + randFloat()*0.0001,
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rates)
}
