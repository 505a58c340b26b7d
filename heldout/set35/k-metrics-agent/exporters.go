package main

import (
	"bufio"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The exporters are the things the agent scrapes on this host: node,
// database and proxy exporters, JVM apps. They all live behind one loopback
// HTTP server here, each under /exporters/NAME/metrics, and each has its
// own latency profile.

type exporterKind struct {
	name       string
	series     int
	labels     []string
	fastLo     time.Duration
	fastHi     time.Duration
	slowPct    float64
	slowLo     time.Duration
	slowHi     time.Duration
	metricBase []string
}

var exporterKinds = []*exporterKind{
	{name: "node", series: 36, labels: []string{"cpu", "device", "mode"},
		fastLo: 8 * time.Millisecond, fastHi: 60 * time.Millisecond, slowPct: 0.03, slowLo: 400 * time.Millisecond, slowHi: 1500 * time.Millisecond,
		metricBase: []string{"node_cpu_seconds_total", "node_disk_read_bytes_total", "node_network_receive_bytes_total", "node_memory_free_bytes"}},
	{name: "postgres", series: 28, labels: []string{"datname", "state"},
		fastLo: 30 * time.Millisecond, fastHi: 160 * time.Millisecond, slowPct: 0.08, slowLo: 900 * time.Millisecond, slowHi: 3 * time.Second,
		metricBase: []string{"pg_stat_activity_count", "pg_stat_database_xact_commit", "pg_locks_count"}},
	{name: "redis", series: 18, labels: []string{"db", "cmd"},
		fastLo: 5 * time.Millisecond, fastHi: 40 * time.Millisecond, slowPct: 0.02, slowLo: 300 * time.Millisecond, slowHi: 900 * time.Millisecond,
		metricBase: []string{"redis_commands_total", "redis_keyspace_keys", "redis_connected_clients"}},
	{name: "nginx", series: 22, labels: []string{"status", "upstream"},
		fastLo: 10 * time.Millisecond, fastHi: 80 * time.Millisecond, slowPct: 0.04, slowLo: 500 * time.Millisecond, slowHi: 2 * time.Second,
		metricBase: []string{"nginx_http_requests_total", "nginx_upstream_response_seconds", "nginx_connections_active"}},
	{name: "jvm", series: 54, labels: []string{"pool", "gc", "area"},
		fastLo: 40 * time.Millisecond, fastHi: 220 * time.Millisecond, slowPct: 0.07, slowLo: 1200 * time.Millisecond, slowHi: 3500 * time.Millisecond,
		metricBase: []string{"jvm_gc_pause_seconds_total", "jvm_memory_used_bytes", "jvm_threads_live", "http_server_requests_seconds_count"}},
}

type exporter struct {
	name string
	kind *exporterKind

	mu        sync.Mutex
	values    []float64
	extra     int // series added by deploys (cardinality creep)
	downUntil time.Time
	slowUntil time.Time
}

func (e *exporter) latency() time.Duration {
	e.mu.Lock()
	slow := time.Now().Before(e.slowUntil)
	e.mu.Unlock()
	k := e.kind
	if slow || chance(k.slowPct) {
		return between(k.slowLo, k.slowHi)
	}
	return between(k.fastLo, k.fastHi)
}

func (e *exporter) render(w *bufio.Writer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.kind.series + e.extra
	for len(e.values) < n {
		e.values = append(e.values, float64(rng.Intn(1000)))
	}
	for i := 0; i < n; i++ {
		e.values[i] += float64(rng.Intn(50))
		base := e.kind.metricBase[i%len(e.kind.metricBase)]
		lbl := e.kind.labels[i%len(e.kind.labels)]
		fmt.Fprintf(w, "%s{instance=%q,%s=\"%d\"} %g\n", base, e.name, lbl, i/len(e.kind.metricBase), e.values[i])
	}
}

type exporterFarm struct {
	mu     sync.RWMutex
	byName map[string]*exporter
}

func newExporterFarm() *exporterFarm {
	return &exporterFarm{byName: make(map[string]*exporter)}
}

func (f *exporterFarm) add(name string, kind *exporterKind) {
	f.mu.Lock()
	f.byName[name] = &exporter{name: name, kind: kind}
	f.mu.Unlock()
}

func (f *exporterFarm) remove(name string) {
	f.mu.Lock()
	delete(f.byName, name)
	f.mu.Unlock()
}

func (f *exporterFarm) get(name string) *exporter {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.byName[name]
}

func (f *exporterFarm) pick() *exporter {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if len(f.byName) == 0 {
		return nil
	}
	i := rng.Intn(len(f.byName))
	for _, e := range f.byName {
		if i == 0 {
			return e
		}
		i--
	}
	return nil
}

func (f *exporterFarm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/exporters/")
	name, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "metrics" {
		http.NotFound(w, r)
		return
	}
	e := f.get(name)
	if e == nil {
		http.NotFound(w, r)
		return
	}
	e.mu.Lock()
	down := time.Now().Before(e.downUntil)
	e.mu.Unlock()
	if down {
		http.Error(w, "exporter restarting", http.StatusServiceUnavailable)
		return
	}
	t := time.NewTimer(e.latency())
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	bw := bufio.NewWriter(w)
	e.render(bw)
	bw.Flush()
}

// weather makes the host's exporters misbehave now and then: an app
// restarts (its exporter answers 503 for a while), a database runs a
// vacuum and answers slowly, a deploy adds a few series.
func (f *exporterFarm) weather(stop <-chan struct{}) {
	for {
		t := time.NewTimer(between(6*time.Second, 12*time.Second))
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
		e := f.pick()
		if e == nil {
			continue
		}
		e.mu.Lock()
		switch n := rng.Intn(10); {
		case n < 3:
			e.downUntil = time.Now().Add(between(8*time.Second, 25*time.Second))
			log.Printf("exporters: %s restarting", e.name)
		case n < 7:
			e.slowUntil = time.Now().Add(between(10*time.Second, 30*time.Second))
		default:
			e.extra += 4 + rng.Intn(12)
		}
		e.mu.Unlock()
	}
}
