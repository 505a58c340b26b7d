package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// upstream is the remote package registry the mirror follows, run
// in-process on loopback: an index, a long-poll change feed and blob
// downloads. Its blob edge is flaky: some downloads are slow, and a few
// land on an edge node that accepts the request and never answers.
type upstream struct {
	mu       sync.Mutex
	rev      int64
	pkgs     map[string]pkgMeta
	changed  chan struct{} // closed and replaced on every publish
	tarpitMu sync.Mutex
	tarpit   []net.Conn
	stallPct int
}

type pkgMeta struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Size    int    `json:"size"`
	Rev     int64  `json:"rev"`
	Hot     bool   `json:"hot"`
}

func newUpstream() *upstream {
	return &upstream{pkgs: make(map[string]pkgMeta), changed: make(chan struct{}), stallPct: 3}
}

func (u *upstream) publish(name string, hot bool) {
	u.mu.Lock()
	u.rev++
	old := u.pkgs[name]
	minor, _ := strconv.Atoi(strings.TrimPrefix(old.Version, "1."))
	u.pkgs[name] = pkgMeta{Name: name, Version: fmt.Sprintf("1.%d", minor+1), Size: 2048 + rand.Intn(30000), Rev: u.rev, Hot: hot}
	close(u.changed)
	u.changed = make(chan struct{})
	u.mu.Unlock()
}

func (u *upstream) since(rev int64) ([]pkgMeta, int64, chan struct{}) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []pkgMeta
	for _, p := range u.pkgs {
		if p.Rev > rev {
			out = append(out, p)
		}
	}
	return out, u.rev, u.changed
}

func (u *upstream) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/index", func(w http.ResponseWriter, r *http.Request) {
		rev, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		time.Sleep(time.Duration(5+rand.Intn(40)) * time.Millisecond)
		pkgs, cur, _ := u.since(rev)
		w.Header().Set("X-Rev", strconv.FormatInt(cur, 10))
		json.NewEncoder(w).Encode(pkgs)
	})
	mux.HandleFunc("/v1/changes", func(w http.ResponseWriter, r *http.Request) {
		rev, _ := strconv.ParseInt(r.URL.Query().Get("rev"), 10, 64)
		wait, err := time.ParseDuration(r.URL.Query().Get("wait"))
		if err != nil || wait > 45*time.Second {
			wait = 30 * time.Second
		}
		// Hold the poll for the whole window and report in one go, so
		// followers batch their work.
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		pkgs, cur, _ := u.since(rev)
		w.Header().Set("X-Rev", strconv.FormatInt(cur, 10))
		json.NewEncoder(w).Encode(pkgs)
	})
	mux.HandleFunc("/v1/blobs/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/v1/blobs/")
		u.mu.Lock()
		p, ok := u.pkgs[name]
		u.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		stall := u.stallPct
		if r.URL.Query().Get("edge") == "warm" {
			stall *= 5 // warm-up traffic lands on cold edge nodes
		}
		if rand.Intn(100) < stall {
			u.blackhole(w)
			return
		}
		d := time.Duration(10+rand.Intn(120)) * time.Millisecond
		if rand.Intn(10) == 0 {
			d = time.Duration(1+rand.Intn(4)) * time.Second
		}
		time.Sleep(d)
		w.Header().Set("Content-Length", strconv.Itoa(p.Size))
		w.Write([]byte(strings.Repeat("x", p.Size)))
	})
	return mux
}

// blackhole emulates a dead edge node: the request was read, the socket
// stays open, nothing ever comes back.
func (u *upstream) blackhole(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	u.tarpitMu.Lock()
	u.tarpit = append(u.tarpit, conn)
	u.tarpitMu.Unlock()
}

// churn publishes new package versions at a rate that grows over the run.
func (u *upstream) churn(stop <-chan struct{}, names []string) {
	start := time.Now()
	for {
		elapsed := time.Since(start)
		gap := 500*time.Millisecond - elapsed/300
		if gap < 100*time.Millisecond {
			gap = 100 * time.Millisecond
		}
		select {
		case <-stop:
			return
		case <-time.After(gap + time.Duration(rand.Intn(100))*time.Millisecond):
		}
		u.publish(names[rand.Intn(len(names))], rand.Intn(5) < 2)
	}
}
