package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type flagDef struct {
	Key     string `json:"key"`
	On      bool   `json:"on"`
	Rollout int    `json:"rollout"`
	Variant string `json:"variant,omitempty"`
}

type flagSet struct {
	Env     string    `json:"env"`
	Version int       `json:"version"`
	Flags   []flagDef `json:"flags"`
}

// envState is the control plane's copy of one environment's flags.
// Watchers park on changed, which is closed and replaced on every edit.
type envState struct {
	name    string
	mu      sync.Mutex
	version int
	flags   []flagDef
	changed chan struct{}
}

func newEnvState(name string) *envState {
	e := &envState{name: name, version: 1, changed: make(chan struct{})}
	for i := 0; i < 12+randIntn(30); i++ {
		e.flags = append(e.flags, flagDef{Key: fmt.Sprintf("%s-flag-%02d", strings.SplitN(name, "-", 2)[0], i), On: chance(50), Rollout: randIntn(101)})
	}
	return e
}

func (e *envState) encodeLocked() []byte {
	b, _ := json.Marshal(flagSet{Env: e.name, Version: e.version, Flags: e.flags})
	return b
}

func (e *envState) edit(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := 0; i < n; i++ {
		f := &e.flags[randIntn(len(e.flags))]
		switch randIntn(3) {
		case 0:
			f.On = !f.On
		case 1:
			f.Rollout = randIntn(101)
		default:
			f.Variant = fmt.Sprintf("v%d", randIntn(4))
		}
	}
	e.version++
	close(e.changed)
	e.changed = make(chan struct{})
}

// awaitChange returns the flag set once its version is past since, or
// ok=false when ctx ends first.
func (e *envState) awaitChange(ctx context.Context, since int) (payload []byte, ok bool) {
	for {
		e.mu.Lock()
		if e.version > since {
			b := e.encodeLocked()
			e.mu.Unlock()
			return b, true
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, false
		}
	}
}

type controlPlane struct {
	mu    sync.RWMutex
	envs  map[string]*envState
	maint time.Time

	polls, watches, notModified, edits, archived, refused atomic.Int64
}

func newControlPlane() *controlPlane {
	return &controlPlane{envs: make(map[string]*envState)}
}

func (cp *controlPlane) env(name string) *envState {
	cp.mu.RLock()
	e := cp.envs[name]
	cp.mu.RUnlock()
	if e != nil {
		return e
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if e = cp.envs[name]; e == nil {
		e = newEnvState(name)
		cp.envs[name] = e
	}
	return e
}

func (cp *controlPlane) inMaintenance() bool {
	cp.mu.RLock()
	defer cp.mu.RUnlock()
	return time.Now().Before(cp.maint)
}

// editors play the people and release pipelines changing flags: single
// edits at a rate that picks up through the day, and a release train
// every 20-30 s that touches many environments at once.
func (cp *controlPlane) editors(ctx context.Context) {
	start := time.Now()
	nextTrain := start.Add(between(15*time.Second, 25*time.Second))
	for {
		gap := 3*time.Second - time.Since(start)/70
		if gap < 600*time.Millisecond {
			gap = 600 * time.Millisecond
		}
		if !sleepCtx(ctx, between(gap/2, gap*3/2)) {
			return
		}
		cp.mu.RLock()
		all := make([]*envState, 0, len(cp.envs))
		for _, e := range cp.envs {
			all = append(all, e)
		}
		cp.mu.RUnlock()
		if len(all) == 0 {
			continue
		}
		all[randIntn(len(all))].edit(1 + randIntn(3))
		cp.edits.Add(1)
		if time.Now().After(nextTrain) {
			n := 0
			for _, e := range all {
				if chance(60) {
					e.edit(1)
					n++
				}
			}
			cp.edits.Add(int64(n))
			nextTrain = time.Now().Add(between(20*time.Second, 30*time.Second))
			log.Printf("controlplane: release train touched %d environments", n)
		}
	}
}

// maintenance takes the API down for a few seconds every so often.
func (cp *controlPlane) maintenance(ctx context.Context) {
	for sleepCtx(ctx, between(30*time.Second, 50*time.Second)) {
		d := between(3*time.Second, 7*time.Second)
		cp.mu.Lock()
		cp.maint = time.Now().Add(d)
		cp.mu.Unlock()
		log.Printf("controlplane: maintenance for %v", d.Round(time.Millisecond))
	}
}

func (cp *controlPlane) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/envs/", cp.handleFlags)
	mux.HandleFunc("/v1/archive/", cp.handleArchive)
	return mux
}

// handleFlags serves GET /v1/envs/{env}/flags?since=V[&wait=D]. Without
// wait it answers at once (304 when nothing changed); with it, it holds
// the request until there is something newer than since or wait is up.
func (cp *controlPlane) handleFlags(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/v1/envs/")
	name := strings.TrimSuffix(rest, "/flags")
	if name == rest || name == "" {
		http.NotFound(w, r)
		return
	}
	if cp.inMaintenance() {
		w.Header().Set("Retry-After", "3")
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		cp.refused.Add(1)
		return
	}
	since, _ := strconv.Atoi(r.URL.Query().Get("since"))
	e := cp.env(name)
	ctx := r.Context()
	if ws := r.URL.Query().Get("wait"); ws != "" {
		wait, err := time.ParseDuration(ws)
		if err != nil {
			http.Error(w, "bad wait", http.StatusBadRequest)
			return
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
		cp.watches.Add(1)
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		cancel() // answer immediately
		cp.polls.Add(1)
	}
	payload, ok := e.awaitChange(ctx, since)
	if !ok {
		cp.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(payload)
}

// handleArchive stores a relay's snapshot of an environment. The archive
// bucket is slow and its latency wanders.
func (cp *controlPlane) handleArchive(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	io.Copy(io.Discard, r.Body)
	d := between(300*time.Millisecond, 2*time.Second)
	if chance(20) {
		d = between(2*time.Second, 7*time.Second)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		cp.archived.Add(1)
		w.WriteHeader(http.StatusCreated)
	case <-r.Context().Done():
	}
}
