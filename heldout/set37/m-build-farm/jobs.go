package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type build struct {
	ID     string `json:"id"`
	Repo   string `json:"repo"`
	Commit string `json:"commit"`
	Units  int    `json:"units"`
	Shards int    `json:"shards"`
	State  string `json:"state"`
}

type farm struct {
	ctx   context.Context
	co    *coordinator
	queue chan *build

	mu     sync.Mutex
	builds map[string]*build
	nextID int

	queued, running             atomic.Int64
	done, failed, units, shards atomic.Int64
}

func newFarm(ctx context.Context, co *coordinator) *farm {
	return &farm{ctx: ctx, co: co, queue: make(chan *build, 256), builds: make(map[string]*build)}
}

// dispatch starts queued builds. It keeps at most limit builds per slot
// ticket; the number of slots grows as agents join, so the farm runs more
// builds at once late in the run.
func (f *farm) dispatch(ctx context.Context, limit int) {
	slots := make(chan struct{}, 64)
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-f.queue:
			f.queued.Add(-1)
			max := limit + f.co.count()/2
			for len(slots) >= max {
				time.Sleep(100 * time.Millisecond)
				max = limit + f.co.count()/2
			}
			slots <- struct{}{}
			f.running.Add(1)
			go func() {
				defer func() { <-slots; f.running.Add(-1) }()
				f.runBuild(b)
			}()
		}
	}
}

func (f *farm) setState(b *build, s string) {
	f.mu.Lock()
	b.State = s
	f.mu.Unlock()
	f.co.notify(fmt.Sprintf("BUILD %s %s", b.ID, s))
}

// runBuild is one CI job: compile, test, package.
func (f *farm) runBuild(b *build) {
	f.setState(b, "compiling")
	if err := f.compile(b); err != nil {
		f.failed.Add(1)
		f.setState(b, "failed")
		return
	}
	f.setState(b, "testing")
	failed := f.test(b)
	if failed > 0 {
		f.failed.Add(1)
		f.setState(b, fmt.Sprintf("failed(%d shards)", failed))
		return
	}
	f.setState(b, "packaging")
	art := make(chan string, 1)
	go func() {
		time.Sleep(time.Duration(200+rand.Intn(800)) * time.Millisecond)
		art <- fmt.Sprintf("%s-%s.tar.zst", b.Repo, b.Commit[:7])
	}()
	<-art
	f.done.Add(1)
	f.setState(b, "done")
}

var errCompile = errors.New("compile error")

// compile builds every unit in parallel and waits for all of them.
func (f *farm) compile(b *build) error {
	var wg sync.WaitGroup
	var bad atomic.Int32
	for i := 0; i < b.Units; i++ {
		wg.Add(1)
		go func(unit int) {
			defer wg.Done()
			if err := compileUnit(b, unit); err != nil {
				bad.Add(1)
			}
			f.units.Add(1)
		}(i)
	}
	wg.Wait()
	if bad.Load() > 0 {
		return errCompile
	}
	return nil
}

func compileUnit(b *build, unit int) error {
	// big packages take a while; cgo units are slower still
	d := time.Duration(300+rand.Intn(2500)) * time.Millisecond
	if unit%7 == 3 {
		d += time.Duration(rand.Intn(6)) * time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	<-t.C
	if rand.Intn(200) == 0 {
		return errCompile
	}
	return nil
}

type shardResult struct {
	shard  int
	passed int
	failed int
}

// test runs the shards under a per-shard timeout and gathers one result per
// shard; a shard that runs out of time reports itself failed.
func (f *farm) test(b *build) int {
	results := make(chan shardResult, b.Shards)
	for i := 0; i < b.Shards; i++ {
		go func(shard int) {
			ctx, cancel := context.WithTimeout(f.ctx, 20*time.Second)
			defer cancel()
			results <- runShard(ctx, shard)
			f.shards.Add(1)
		}(i)
	}
	failed := 0
	for i := 0; i < b.Shards; i++ {
		r := <-results
		if r.failed > 0 {
			failed++
		}
	}
	return failed
}

func runShard(ctx context.Context, shard int) shardResult {
	r := shardResult{shard: shard}
	// the integration shard is slow, sometimes slower than its budget
	d := time.Duration(500+rand.Intn(4000)) * time.Millisecond
	if shard == 0 {
		d = time.Duration(8+rand.Intn(16)) * time.Second
	}
	select {
	case <-time.After(d):
		r.passed = 20 + rand.Intn(200)
		if rand.Intn(80) == 0 {
			r.failed = 1
		}
	case <-ctx.Done():
		r.failed = 1
	}
	return r
}

type farmStats struct {
	Queued, Running, Done, Failed, Units, Shards int64
}

func (f *farm) stats() farmStats {
	return farmStats{f.queued.Load(), f.running.Load(), f.done.Load(), f.failed.Load(), f.units.Load(), f.shards.Load()}
}

func (f *farm) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hooks/push", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var ev struct {
			Repo   string `json:"repo"`
			Commit string `json:"commit"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || len(ev.Commit) < 7 {
			http.Error(w, "bad push event", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.nextID++
		b := &build{ID: fmt.Sprintf("b%05d", f.nextID), Repo: ev.Repo, Commit: ev.Commit,
			Units: 3 + rand.Intn(10), Shards: 2 + rand.Intn(5), State: "queued"}
		f.builds[b.ID] = b
		f.mu.Unlock()
		select {
		case f.queue <- b:
			f.queued.Add(1)
			w.WriteHeader(http.StatusAccepted)
			json.NewEncoder(w).Encode(map[string]string{"build": b.ID})
		default:
			f.setState(b, "rejected")
			http.Error(w, "queue full", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(f.stats())
	})
	mux.HandleFunc("/builds/", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Path[len("/builds/"):]
		f.mu.Lock()
		b, ok := f.builds[id]
		var cp build
		if ok {
			cp = *b
		}
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(cp)
	})
	return mux
}
