package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// objectStore is the (simulated) remote backup repository the agent talks
// to: it stores chunks, hands out per-tenant repository leases, accepts
// snapshot commits and replicates them to a second site in the background.
// Clients can long-poll /watch/ to learn when a snapshot has replicated.
type objectStore struct {
	ctx  context.Context
	addr string

	mu    sync.Mutex
	repos map[string]*repoState

	puts, gets, commits, watches int64
}

type repoState struct {
	committed  int64
	replicated int64
	changed    chan struct{} // closed and replaced when replicated advances
	holder     string
	leaseUntil time.Time
	bytes      int64
}

func startObjectStore(ctx context.Context) (*objectStore, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &objectStore{ctx: ctx, addr: ln.Addr().String(), repos: make(map[string]*repoState)}
	mux := http.NewServeMux()
	mux.HandleFunc("/chunks/", s.handleChunk)
	mux.HandleFunc("/leases/", s.handleLease)
	mux.HandleFunc("/commit/", s.handleCommit)
	mux.HandleFunc("/watch/", s.handleWatch)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("objectstore: %v", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return s, nil
}

func (s *objectStore) repo(tenant string) *repoState {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs, ok := s.repos[tenant]
	if !ok {
		rs = &repoState{changed: make(chan struct{})}
		s.repos[tenant] = rs
	}
	return rs
}

// pathParts splits "/prefix/a/b/c" into [a b c].
func pathParts(p, prefix string) []string {
	p = strings.TrimPrefix(p, prefix)
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// handleChunk: PUT /chunks/{tenant}/{volume}/{seq} stores a chunk,
// GET fetches one back (restores and verification).
func (s *objectStore) handleChunk(w http.ResponseWriter, r *http.Request) {
	parts := pathParts(r.URL.Path, "/chunks/")
	if len(parts) != 3 {
		http.Error(w, "bad chunk path", http.StatusBadRequest)
		return
	}
	rs := s.repo(parts[0])
	switch r.Method {
	case http.MethodPut:
		n, _ := io.Copy(io.Discard, r.Body)
		atomic.AddInt64(&s.puts, 1)
		if !sleepCtx(r.Context(), randDur(200*time.Millisecond, 650*time.Millisecond)) {
			return
		}
		if rand.Intn(100) < 4 {
			http.Error(w, "backend busy", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		rs.bytes += n
		s.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	case http.MethodGet:
		atomic.AddInt64(&s.gets, 1)
		if !sleepCtx(r.Context(), randDur(60*time.Millisecond, 280*time.Millisecond)) {
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(chunkPayload(parts[0], parts[1], parts[2]))
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

type leaseReply struct {
	ID  string `json:"id"`
	TTL string `json:"ttl"`
}

const leaseTTL = 24 * time.Second

// handleLease: POST /leases/{tenant}?op=acquire|renew|release&holder=...
func (s *objectStore) handleLease(w http.ResponseWriter, r *http.Request) {
	parts := pathParts(r.URL.Path, "/leases/")
	if len(parts) != 1 || r.Method != http.MethodPost {
		http.Error(w, "bad lease request", http.StatusBadRequest)
		return
	}
	rs := s.repo(parts[0])
	holder := r.URL.Query().Get("holder")
	if !sleepCtx(r.Context(), randDur(10*time.Millisecond, 60*time.Millisecond)) {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Query().Get("op") {
	case "acquire":
		if rs.holder != "" && rs.holder != holder && now.Before(rs.leaseUntil) {
			http.Error(w, "repository locked by "+rs.holder, http.StatusConflict)
			return
		}
		rs.holder, rs.leaseUntil = holder, now.Add(leaseTTL)
	case "renew":
		if rs.holder != holder {
			http.Error(w, "lease lost", http.StatusConflict)
			return
		}
		rs.leaseUntil = now.Add(leaseTTL)
	case "release":
		if rs.holder == holder {
			rs.holder = ""
		}
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		http.Error(w, "bad op", http.StatusBadRequest)
		return
	}
	json.NewEncoder(w).Encode(leaseReply{ID: holder, TTL: leaseTTL.String()})
}

// handleCommit: POST /commit/{tenant}?snap=N records a snapshot and starts
// its replication to the second site.
func (s *objectStore) handleCommit(w http.ResponseWriter, r *http.Request) {
	parts := pathParts(r.URL.Path, "/commit/")
	snap, err := strconv.ParseInt(r.URL.Query().Get("snap"), 10, 64)
	if len(parts) != 1 || err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad commit", http.StatusBadRequest)
		return
	}
	atomic.AddInt64(&s.commits, 1)
	rs := s.repo(parts[0])
	s.mu.Lock()
	if snap > rs.committed {
		rs.committed = snap
	}
	s.mu.Unlock()
	go s.replicate(parts[0], rs, snap)
	w.WriteHeader(http.StatusAccepted)
}

// replicate copies a committed snapshot to the secondary site, which takes
// several seconds, then wakes every watcher of the tenant.
func (s *objectStore) replicate(tenant string, rs *repoState, snap int64) {
	if !sleepCtx(s.ctx, randDur(4*time.Second, 14*time.Second)) {
		return
	}
	s.mu.Lock()
	if snap > rs.replicated {
		rs.replicated = snap
		close(rs.changed)
		rs.changed = make(chan struct{})
	}
	s.mu.Unlock()
}

type watchReply struct {
	Replicated int64 `json:"replicated"`
	TimedOut   bool  `json:"timed_out"`
}

// handleWatch: GET /watch/{tenant}?since=N&wait=70s is a long poll that
// answers as soon as a snapshot newer than N has replicated, or when the
// wait runs out.
func (s *objectStore) handleWatch(w http.ResponseWriter, r *http.Request) {
	parts := pathParts(r.URL.Path, "/watch/")
	if len(parts) != 1 {
		http.Error(w, "bad watch", http.StatusBadRequest)
		return
	}
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	wait, err := time.ParseDuration(r.URL.Query().Get("wait"))
	if err != nil || wait <= 0 || wait > 2*time.Minute {
		wait = 30 * time.Second
	}
	atomic.AddInt64(&s.watches, 1)
	rs := s.repo(parts[0])
	expiry := newDeadline(wait)
	defer expiry.Stop()
	for {
		s.mu.Lock()
		rep, changed := rs.replicated, rs.changed
		s.mu.Unlock()
		if rep > since {
			json.NewEncoder(w).Encode(watchReply{Replicated: rep})
			return
		}
		select {
		case <-changed:
		case <-expiry.Done():
			json.NewEncoder(w).Encode(watchReply{Replicated: rep, TimedOut: true})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *objectStore) String() string {
	return fmt.Sprintf("puts=%d gets=%d commits=%d watches=%d",
		atomic.LoadInt64(&s.puts), atomic.LoadInt64(&s.gets),
		atomic.LoadInt64(&s.commits), atomic.LoadInt64(&s.watches))
}

// chunkPayload fabricates a deterministic 2 KiB chunk.
func chunkPayload(parts ...string) []byte {
	seed := int64(0)
	for _, p := range parts {
		for _, c := range p {
			seed = seed*31 + int64(c)
		}
	}
	b := make([]byte, 2048)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}
