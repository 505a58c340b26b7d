// Command k-scrape-pool is a pull-based metrics scraper. Jobs discover
// their targets through static lists, a polled service catalog or blocking
// registry watches; each job's scrape pool runs one loop per target that
// scrapes it every interval under a scrape timeout. Samples go into an
// in-memory head (compacted periodically, read by recording rules) and out
// through a sharded remote-write queue. Every job is owned through a lease
// that the replica renews while the job is configured.
//
// The same process runs the monitored fleet and its registry, the
// coordination service and the remote-write receiver.
package main

import (
	"context"
	"log"
	"net"
	"net/http"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	fl := newFleet()
	fleetURL := listen("fleet", fl)
	fl.baseURL = fleetURL

	backend := http.NewServeMux()
	coord := newCoordinator()
	backend.Handle("/lease/", coord)
	recv := &remoteEndpoint{}
	backend.Handle("/api/v1/write", recv)
	backendURL := listen("backend", backend)

	store := newHead()
	go store.compactor(ctx, 12*time.Second)

	mgr := &scrapeManager{
		fleet:        fl,
		registryURL:  fleetURL,
		leaseURL:     backendURL,
		replica:      "scraper-a",
		scrapeClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, IdleConnTimeout: 45 * time.Second}},
		sdClient:     &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		leaseClient:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}},
		store:        store,
		updates:      make(chan targetGroup),
		reloadEvery:  2 * time.Second,
		jobs:         make(map[string]*jobRuntime),
	}
	rq := &remoteQueue{
		url:      backendURL + "/api/v1/write",
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		in:       make(chan []string, 16),
		maxBatch: 500,
		deadline: time.Second,
		desired: func() int {
			n := 1 + mgr.loops()/12
			if n > 6 {
				n = 6
			}
			return n
		},
	}
	mgr.remote = rq
	go rq.run(ctx)
	go mgr.run(ctx)

	seed := func(job string, n int) {
		for i := 0; i < n; i++ {
			fl.add(job)
		}
	}
	seed("node", 6)
	seed("api", 5)
	seed("db", 3)
	mgr.addJob(ctx, jobConfig{name: "node", sd: "static", interval: 10 * time.Second, timeout: 3 * time.Second})
	mgr.addJob(ctx, jobConfig{name: "api", sd: "watch", interval: 5 * time.Second, timeout: 2 * time.Second})
	mgr.addJob(ctx, jobConfig{name: "db", sd: "catalog", interval: 15 * time.Second, timeout: 4 * time.Second})

	go fl.churn(ctx.Done(), mgr.activeJobs)
	go onboard(ctx, mgr, seed)

	rules := &ruleLoader{store: store}
	go rules.run(ctx)

	go reportStats(ctx, mgr, rq, store, rules, fl)
	<-ctx.Done()
}

// onboard adds the rest of the jobs as teams onboard during the run, and
// drops the batch job again later.
func onboard(ctx context.Context, mgr *scrapeManager, seed func(string, int)) {
	plan := []struct {
		at   time.Duration
		cfg  jobConfig
		seed int
	}{
		{12 * time.Second, jobConfig{name: "worker", sd: "watch", interval: 10 * time.Second, timeout: 3 * time.Second}, 4},
		{30 * time.Second, jobConfig{name: "cache", sd: "catalog", interval: 5 * time.Second, timeout: time.Second}, 3},
		{50 * time.Second, jobConfig{name: "ingress", sd: "static", interval: 10 * time.Second, timeout: 2 * time.Second}, 4},
		{70 * time.Second, jobConfig{name: "batch", sd: "watch", interval: 15 * time.Second, timeout: 5 * time.Second}, 5},
		{90 * time.Second, jobConfig{name: "edge", sd: "catalog", interval: 10 * time.Second, timeout: 3 * time.Second}, 4},
	}
	start := time.Now()
	for _, step := range plan {
		t := time.NewTimer(time.Until(start.Add(step.at)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		seed(step.cfg.name, step.seed)
		mgr.addJob(ctx, step.cfg)
	}
	t := time.NewTimer(time.Until(start.Add(118 * time.Second)))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		mgr.removeJob("batch")
	}
}

// ruleLoader adds recording-rule groups as they are deployed: two at
// start, one more every 15 s up to nine.
type ruleLoader struct {
	store  *head
	groups []*ruleGroup
}

func (r *ruleLoader) run(ctx context.Context) {
	for i := 0; i < 9; i++ {
		if i >= 2 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(15 * time.Second):
			}
		}
		g := newRuleGroup(i, r.store)
		r.groups = append(r.groups, g)
		go g.run(ctx)
	}
}

func listen(name string, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("%s: listen: %v", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 90 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Printf("%s: %v", name, err)
		}
	}()
	return "http://" + ln.Addr().String()
}

func reportStats(ctx context.Context, mgr *scrapeManager, rq *remoteQueue, store *head, rules *ruleLoader, fl *fleet) {
	tk := time.NewTicker(10 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		log.Printf("stats: jobs=%v fleet=%d loops=%d scrapes=%d failures=%d started=%d stopped=%d shards=%d sent=%d failed=%d reshards=%d appended=%d compactions=%d",
			mgr.activeJobs(), fl.total(), mgr.loops(), mgr.stats.scrapes.Load(), mgr.stats.failures.Load(),
			mgr.stats.started.Load(), mgr.stats.stopped.Load(), rq.nShards.Load(), rq.sent.Load(), rq.failed.Load(),
			rq.reshards.Load(), store.appended.Load(), store.compacted.Load())
	}
}
