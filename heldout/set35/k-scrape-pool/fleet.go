package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fleet is the infrastructure being monitored: every target serves
// /t/ID/metrics on one loopback server, and a small service registry
// (/registry/...) lists the targets of each job, either on request or as a
// long-poll watch that parks until the job's target set changes.

type fleetTarget struct {
	id     string
	job    string
	series int
	latLo  time.Duration
	latHi  time.Duration
	hang   float64 // chance a scrape takes far longer than any timeout

	mu        sync.Mutex
	downUntil time.Time
	counters  []float64
}

type fleet struct {
	baseURL string

	mu      sync.Mutex
	targets map[string]*fleetTarget
	byJob   map[string]map[string]*fleetTarget
	index   map[string]uint64
	changed map[string]chan struct{}
	seq     map[string]int
}

func newFleet() *fleet {
	return &fleet{
		targets: make(map[string]*fleetTarget),
		byJob:   make(map[string]map[string]*fleetTarget),
		index:   make(map[string]uint64),
		changed: make(map[string]chan struct{}),
		seq:     make(map[string]int),
	}
}

type targetProfile struct {
	series       int
	latLo, latHi time.Duration
	hang         float64
}

var jobProfiles = map[string]targetProfile{
	"node":    {series: 40, latLo: 5 * time.Millisecond, latHi: 60 * time.Millisecond, hang: 0.01},
	"api":     {series: 60, latLo: 20 * time.Millisecond, latHi: 250 * time.Millisecond, hang: 0.03},
	"db":      {series: 35, latLo: 80 * time.Millisecond, latHi: 900 * time.Millisecond, hang: 0.06},
	"worker":  {series: 30, latLo: 15 * time.Millisecond, latHi: 200 * time.Millisecond, hang: 0.02},
	"cache":   {series: 20, latLo: 5 * time.Millisecond, latHi: 40 * time.Millisecond, hang: 0.01},
	"ingress": {series: 50, latLo: 10 * time.Millisecond, latHi: 120 * time.Millisecond, hang: 0.02},
	"batch":   {series: 15, latLo: 50 * time.Millisecond, latHi: 1500 * time.Millisecond, hang: 0.08},
	"edge":    {series: 25, latLo: 30 * time.Millisecond, latHi: 400 * time.Millisecond, hang: 0.04},
}

// add brings up a new instance of job and returns its id.
func (f *fleet) add(job string) string {
	p := jobProfiles[job]
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq[job]++
	id := fmt.Sprintf("%s-%d", job, f.seq[job])
	t := &fleetTarget{id: id, job: job, series: p.series + randIntn(p.series/2+1), latLo: p.latLo, latHi: p.latHi, hang: p.hang}
	f.targets[id] = t
	if f.byJob[job] == nil {
		f.byJob[job] = make(map[string]*fleetTarget)
	}
	f.byJob[job][id] = t
	f.bumpLocked(job)
	return id
}

func (f *fleet) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.targets[id]
	if t == nil {
		return
	}
	delete(f.targets, id)
	delete(f.byJob[t.job], id)
	f.bumpLocked(t.job)
}

func (f *fleet) bumpLocked(job string) {
	f.index[job]++
	if ch := f.changed[job]; ch != nil {
		close(ch)
	}
	f.changed[job] = make(chan struct{})
}

func (f *fleet) count(job string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.byJob[job])
}

func (f *fleet) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.targets)
}

// list returns the scrape URLs of a job, the registry index they belong
// to and a channel closed at the next change.
func (f *fleet) list(job string) ([]string, uint64, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	urls := make([]string, 0, len(f.byJob[job]))
	for id := range f.byJob[job] {
		urls = append(urls, f.baseURL+"/t/"+id+"/metrics")
	}
	sort.Strings(urls)
	ch := f.changed[job]
	if ch == nil {
		ch = make(chan struct{})
		f.changed[job] = ch
	}
	return urls, f.index[job], ch
}

func (f *fleet) pickDown() {
	f.mu.Lock()
	var pick *fleetTarget
	n := 0
	for _, t := range f.targets {
		n++
		if randIntn(n) == 0 {
			pick = t
		}
	}
	f.mu.Unlock()
	if pick == nil {
		return
	}
	pick.mu.Lock()
	pick.downUntil = time.Now().Add(jitter(10*time.Second, 40*time.Second))
	pick.mu.Unlock()
}

type registryAnswer struct {
	Job     string   `json:"job"`
	Index   uint64   `json:"index"`
	Targets []string `json:"targets"`
}

func (f *fleet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/t/"):
		f.serveTarget(w, r)
	case r.URL.Path == "/registry/services":
		job := r.URL.Query().Get("job")
		urls, idx, _ := f.list(job)
		// the catalog is a little slow to answer
		time.Sleep(jitter(5*time.Millisecond, 60*time.Millisecond))
		json.NewEncoder(w).Encode(registryAnswer{Job: job, Index: idx, Targets: urls})
	case r.URL.Path == "/registry/watch":
		f.serveWatch(w, r)
	default:
		http.NotFound(w, r)
	}
}

// serveWatch answers as soon as the job's index differs from the one the
// client has seen, or when the requested wait runs out.
func (f *fleet) serveWatch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	job := q.Get("job")
	seen, _ := strconv.ParseUint(q.Get("index"), 10, 64)
	wait, err := time.ParseDuration(q.Get("wait"))
	if err != nil || wait <= 0 {
		wait = 30 * time.Second
	}
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		urls, idx, changed := f.list(job)
		if idx != seen {
			json.NewEncoder(w).Encode(registryAnswer{Job: job, Index: idx, Targets: urls})
			return
		}
		select {
		case <-changed:
		case <-timeout.C:
			json.NewEncoder(w).Encode(registryAnswer{Job: job, Index: idx, Targets: urls})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fleet) serveTarget(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/t/"), "/metrics")
	f.mu.Lock()
	t := f.targets[id]
	f.mu.Unlock()
	if t == nil {
		http.Error(w, "no such instance", http.StatusNotFound)
		return
	}
	t.mu.Lock()
	down := time.Now().Before(t.downUntil)
	t.mu.Unlock()
	if down {
		http.Error(w, "instance unavailable", http.StatusServiceUnavailable)
		return
	}
	d := jitter(t.latLo, t.latHi)
	if randFloat() < t.hang {
		d = jitter(5*time.Second, 12*time.Second)
	}
	timer := time.NewTimer(d)
	select {
	case <-timer.C:
	case <-r.Context().Done():
		timer.Stop()
		return
	}
	t.mu.Lock()
	for len(t.counters) < t.series {
		t.counters = append(t.counters, float64(randIntn(10000)))
	}
	var b strings.Builder
	for i := range t.counters {
		t.counters[i] += float64(randIntn(20))
		fmt.Fprintf(&b, "%s_metric_%d{instance=%q} %g\n", t.job, i, t.id, t.counters[i])
	}
	t.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	w.Write([]byte(b.String()))
}

// churn drives the fleet: machines join the static jobs now and then, pods
// of the dynamic jobs come and go, a rollout replaces a batch of pods
// every 30 s, and an instance goes down for a while every ~10 s.
func (f *fleet) churn(stop <-chan struct{}, activeJobs func() []string) {
	rollout := time.NewTicker(30 * time.Second)
	defer rollout.Stop()
	outage := time.NewTicker(9 * time.Second)
	defer outage.Stop()
	for {
		next := time.NewTimer(jitter(1500*time.Millisecond, 3*time.Second))
		select {
		case <-stop:
			next.Stop()
			return
		case <-outage.C:
			next.Stop()
			f.pickDown()
		case <-rollout.C:
			next.Stop()
			jobs := activeJobs()
			if len(jobs) == 0 {
				continue
			}
			job := jobs[randIntn(len(jobs))]
			if job == "node" || job == "ingress" {
				continue
			}
			f.rollout(job, 4+randIntn(5))
		case <-next.C:
			if f.total() >= 110 {
				continue
			}
			jobs := activeJobs()
			if len(jobs) == 0 {
				continue
			}
			job := jobs[randIntn(len(jobs))]
			id := f.add(job)
			if job == "api" || job == "worker" || job == "batch" || job == "edge" {
				if randFloat() < 0.4 {
					life := jitter(30*time.Second, 100*time.Second)
					time.AfterFunc(life, func() { f.remove(id) })
				}
			}
		}
	}
}

// rollout replaces n pods of job one at a time, a second apart, with new ones.
func (f *fleet) rollout(job string, n int) {
	f.mu.Lock()
	var old []string
	for id := range f.byJob[job] {
		if len(old) == n {
			break
		}
		old = append(old, id)
	}
	f.mu.Unlock()
	log.Printf("fleet: rolling out %s (%d pods)", job, len(old))
	for i, id := range old {
		id := id
		time.AfterFunc(time.Duration(i)*time.Second, func() {
			f.add(job)
			f.remove(id)
		})
	}
}
