package main

import (
	"context"
	"log"
	"net/http"
	"sort"
	"sync"
	"time"
)

// scrapeManager owns the configured jobs: for each, a discovery provider,
// a scrape pool and a lease keeper. Providers send target groups on
// updates; the manager coalesces them and applies them to the pools at
// most once per reload period.
type scrapeManager struct {
	fleet       *fleet
	registryURL string
	leaseURL    string
	replica     string

	scrapeClient *http.Client
	sdClient     *http.Client
	leaseClient  *http.Client
	store        *head
	remote       *remoteQueue
	stats        poolStats

	updates     chan targetGroup
	reloadEvery time.Duration

	mu   sync.Mutex
	jobs map[string]*jobRuntime
}

type jobRuntime struct {
	cfg    jobConfig
	ctx    context.Context
	cancel context.CancelFunc
	pool   *scrapePool
	lease  *leaseKeeper
	wg     sync.WaitGroup
}

func (m *scrapeManager) addJob(ctx context.Context, cfg jobConfig) {
	jctx, cancel := context.WithCancel(ctx)
	jr := &jobRuntime{
		cfg:    cfg,
		ctx:    jctx,
		cancel: cancel,
		pool: &scrapePool{cfg: cfg, client: m.scrapeClient, store: m.store, remote: m.remote,
			stats: &m.stats, loops: make(map[string]*scrapeLoop)},
		lease: &leaseKeeper{name: "scrape/" + cfg.name, holder: m.replica, base: m.leaseURL, ttl: 12 * time.Second, client: m.leaseClient},
	}
	var p provider
	switch cfg.sd {
	case "static":
		p = &staticProvider{job: cfg.name, fleet: m.fleet, reread: 15 * time.Second}
	case "catalog":
		p = &catalogProvider{job: cfg.name, base: m.registryURL, client: m.sdClient, refresh: 8 * time.Second}
	default:
		p = &watchProvider{job: cfg.name, base: m.registryURL, client: m.sdClient, wait: 40 * time.Second}
	}
	m.mu.Lock()
	m.jobs[cfg.name] = jr
	m.mu.Unlock()
	jr.wg.Add(2)
	go func() {
		defer jr.wg.Done()
		p.run(jctx, m.updates)
	}()
	go func() {
		defer jr.wg.Done()
		jr.lease.run(jctx)
	}()
	log.Printf("manager: job %s added (%s sd, every %v)", cfg.name, cfg.sd, cfg.interval)
}

// removeJob drops a job: its provider and lease keeper end with its
// context, and the pool's loops are stopped and waited for.
func (m *scrapeManager) removeJob(name string) {
	m.mu.Lock()
	jr := m.jobs[name]
	delete(m.jobs, name)
	m.mu.Unlock()
	if jr == nil {
		return
	}
	jr.cancel()
	jr.pool.stop()
	jr.wg.Wait()
	log.Printf("manager: job %s removed", name)
}

func (m *scrapeManager) activeJobs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.jobs))
	for n := range m.jobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (m *scrapeManager) loops() int {
	m.mu.Lock()
	jobs := make([]*jobRuntime, 0, len(m.jobs))
	for _, jr := range m.jobs {
		jobs = append(jobs, jr)
	}
	m.mu.Unlock()
	n := 0
	for _, jr := range jobs {
		n += jr.pool.size()
	}
	return n
}

func (m *scrapeManager) armReload() <-chan time.Time {
	return time.NewTimer(m.reloadEvery).C
}

func (m *scrapeManager) run(ctx context.Context) {
	pending := make(map[string][]string)
	var reload <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case g := <-m.updates:
			pending[g.job] = g.targets
			if reload == nil {
				reload = m.armReload()
			}
		case <-reload:
			reload = nil
			m.apply(pending)
			pending = make(map[string][]string)
		}
	}
}

func (m *scrapeManager) apply(pending map[string][]string) {
	for job, targets := range pending {
		m.mu.Lock()
		jr := m.jobs[job]
		m.mu.Unlock()
		if jr == nil || jr.ctx.Err() != nil {
			continue
		}
		added, removed := jr.pool.sync(jr.ctx, targets)
		if added+removed > 0 {
			log.Printf("manager: %s: %d targets (+%d -%d)", job, len(targets), added, removed)
		}
	}
}
