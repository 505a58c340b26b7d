package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// upstream is one backend instance of the fleet.
type upstream struct {
	name     string
	url      string
	version  string
	srv      *http.Server
	degraded int32
	served   int64
}

func startUpstream(name, version string) (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &upstream{name: name, version: version, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", u.handleHealth)
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s\n", u.name, u.version)
	})
	mux.HandleFunc("/", u.handleWork)
	u.srv = &http.Server{Handler: mux, IdleTimeout: 45 * time.Second}
	go func() {
		if err := u.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	return u, nil
}

func (u *upstream) handleHealth(w http.ResponseWriter, r *http.Request) {
	if atomic.LoadInt32(&u.degraded) != 0 {
		http.Error(w, "degraded", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"status":"ok","name":%q}`+"\n", u.name)
}

func (u *upstream) handleWork(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&u.served, 1)
	d := time.Duration(1+rand.Intn(12)) * time.Millisecond
	if atomic.LoadInt32(&u.degraded) != 0 {
		d += time.Duration(50+rand.Intn(150)) * time.Millisecond
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]interface{}{
		"served_by": u.name,
		"path":      r.URL.Path,
		"took_ms":   d.Milliseconds(),
	})
}

func (u *upstream) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := u.srv.Shutdown(ctx); err != nil {
		u.srv.Close()
	}
}

// fleet owns the upstream instances and tells the checker about them.
type fleet struct {
	checker *Checker

	mu      sync.Mutex
	members map[string]*upstream
	seq     int
	version int
}

func (f *fleet) launch() {
	f.mu.Lock()
	f.seq++
	name := fmt.Sprintf("app-%03d", f.seq)
	version := fmt.Sprintf("v1.%d", f.version)
	f.mu.Unlock()
	u, err := startUpstream(name, version)
	if err != nil {
		log.Printf("launch %s: %v", name, err)
		return
	}
	f.mu.Lock()
	f.members[name] = u
	f.mu.Unlock()
	f.checker.Add(name, u.url)
}

func (f *fleet) size() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.members)
}

// rollout brings the fleet up from start to target instances.
func (f *fleet) rollout(start, target int) {
	for i := 0; i < start; i++ {
		f.launch()
	}
	for f.size() < target {
		time.Sleep(time.Duration(1500+rand.Intn(2500)) * time.Millisecond)
		f.launch()
	}
}

// redeploys now and then retires a random instance and starts a new one.
func (f *fleet) redeploys() {
	for {
		time.Sleep(time.Duration(10+rand.Intn(15)) * time.Second)
		f.mu.Lock()
		var victim *upstream
		n := rand.Intn(len(f.members) + 1)
		for _, u := range f.members {
			victim = u
			if n--; n <= 0 {
				break
			}
		}
		if victim != nil {
			delete(f.members, victim.name)
		}
		f.version++
		f.mu.Unlock()
		if victim == nil {
			continue
		}
		f.checker.Remove(victim.name)
		victim.stop()
		f.launch()
	}
}

// chaos degrades a random instance for a few seconds.
func (f *fleet) chaos() {
	for {
		time.Sleep(time.Duration(3000+rand.Intn(5000)) * time.Millisecond)
		f.mu.Lock()
		var pick *upstream
		n := rand.Intn(len(f.members) + 1)
		for _, u := range f.members {
			pick = u
			if n--; n <= 0 {
				break
			}
		}
		f.mu.Unlock()
		if pick == nil || !atomic.CompareAndSwapInt32(&pick.degraded, 0, 1) {
			continue
		}
		d := time.Duration(3000+rand.Intn(7000)) * time.Millisecond
		time.AfterFunc(d, func() { atomic.StoreInt32(&pick.degraded, 0) })
	}
}
