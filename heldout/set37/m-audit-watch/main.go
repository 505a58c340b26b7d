// Command m-audit-watch keeps an audit trail of policy changes. A roster
// of key watchers follows policy keys on the policy server with blocking
// queries (long polls of 30-80 s); every change they see is batched and
// posted to the audit endpoint. The roster grows as teams onboard keys,
// and watchers of decommissioned keys are retired.
package main

import (
	"context"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/heldout/internal/snapkit"
)

type roster struct {
	base  string
	audit *auditReporter
	keys  []string

	mu       sync.Mutex
	nextID   int
	watchers map[int]*keyWatcher
	retired  int
}

func (r *roster) add(ctx context.Context) {
	r.mu.Lock()
	r.nextID++
	wctx, cancel := context.WithCancel(ctx)
	w := &keyWatcher{
		id:     r.nextID,
		key:    r.keys[rand.Intn(len(r.keys))],
		base:   r.base,
		wait:   time.Duration(30+rand.Intn(50)) * time.Second,
		client: &http.Client{Timeout: 90 * time.Second},
		audit:  r.audit,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	r.watchers[w.id] = w
	r.mu.Unlock()
	go w.run(wctx)
}

// retire stops one watcher and waits for it to finish its poll.
func (r *roster) retire() {
	r.mu.Lock()
	var w *keyWatcher
	for _, c := range r.watchers {
		if w == nil || c.id < w.id {
			w = c
		}
	}
	if w != nil {
		delete(r.watchers, w.id)
		r.retired++
	}
	r.mu.Unlock()
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
}

func (r *roster) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.watchers)
}

func (r *roster) manage(ctx context.Context) {
	for i := 0; i < 6; i++ {
		r.add(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(2+rand.Intn(3)) * time.Second):
		}
		r.add(ctx)
		if rand.Intn(5) == 0 && r.size() > 10 {
			go r.retire()
		}
	}
}

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var keys []string
	for _, team := range []string{"billing", "search", "infra", "auth", "mobile", "data"} {
		for _, p := range []string{"rate-limits", "feature-flags", "acl", "retention"} {
			keys = append(keys, team+"/"+p)
		}
	}
	store := newPolicyStore(append(keys, "watch-settings"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: store.handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	go store.editor(ctx.Done(), keys)
	base := "http://" + ln.Addr().String()

	audit := &auditReporter{url: base + "/v1/audit", client: &http.Client{Timeout: 10 * time.Second}, in: make(chan auditRecord, 256)}
	go audit.run(ctx)

	loader := &configLoader{base: base, client: &http.Client{Timeout: 5 * time.Second}}
	go loader.run(ctx, 5*time.Second)

	r := &roster{base: base, audit: audit, keys: keys, watchers: make(map[int]*keyWatcher)}
	go r.manage(ctx)

	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			audit.mu.Lock()
			sent := audit.sent
			audit.mu.Unlock()
			store.mu.Lock()
			reports := store.reports
			store.mu.Unlock()
			r.mu.Lock()
			retired := r.retired
			r.mu.Unlock()
			log.Print(fmt.Sprintf("stats: watchers=%d retired=%d audit sent=%d stored=%d", r.size(), retired, sent, reports))
		}
	}
}
