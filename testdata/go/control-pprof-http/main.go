// control-pprof-http (leak-free): a service that exposes net/http/pprof on
// 127.0.0.1 and is profiled over HTTP, the way people profile a running
// process: four times, it fetches /debug/pprof/goroutine (protobuf,
// debug=1, debug=2) and /debug/pprof/heap from itself over one keep-alive
// connection. Its own work is leak-free: an indexing pool of 6 workers
// over a live queue, a metrics reporter on a stopped-at-exit ticker and a
// bounded set of index segments. The heap series also shows what the
// profiler itself allocates (runtime/pprof writing the dumps, the
// net/http/pprof handlers, compress/flate for the protobuf): that is the
// profiler's footprint, never a leak. Default MemProfileRate; GOGC is set
// to 20 as in a memory-constrained container, so that collections run
// while the profiler's buffers are live.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Doc struct {
	ID   int
	Body string
}

type Indexer struct {
	mu       sync.Mutex
	segments [][]byte // bounded: the oldest segment is dropped
	jobs     chan Doc
	pending  sync.WaitGroup
}

func (ix *Indexer) worker() {
	for d := range ix.jobs {
		seg := make([]byte, 16<<10)
		copy(seg, strings.Repeat(d.Body, 64))
		ix.mu.Lock()
		ix.segments = append(ix.segments, seg)
		if len(ix.segments) > 32 {
			ix.segments = ix.segments[1:]
		}
		ix.mu.Unlock()
		ix.pending.Done()
	}
}

type Metrics struct {
	stop    chan struct{}
	reports int
}

func (m *Metrics) report() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			m.reports++
		case <-m.stop:
			return
		}
	}
}

// settle is the admin middleware: it lets the connection's own goroutines
// park (the server's background read, the client's write loop) before the
// profile is written, so that the three formats of one snapshot, taken by
// three requests, see the same goroutines in the same states.
func settle(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		h.ServeHTTP(w, r)
	})
}

type Profiler struct {
	client *http.Client
	base   string
}

func (p *Profiler) get(path string) []byte {
	resp, err := p.client.Get(p.base + path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile fetch:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "profile fetch:", path, resp.Status, err)
		os.Exit(1)
	}
	return body
}

// capture fetches snapshot k of the goroutine profile in its three
// formats, then the heap profile.
func (p *Profiler) capture(k int) {
	pb := p.get("/debug/pprof/goroutine")
	d1 := p.get("/debug/pprof/goroutine?debug=1")
	d2 := p.get("/debug/pprof/goroutine?debug=2")
	heap := p.get("/debug/pprof/heap")
	snap.WriteFile(fmt.Sprintf("goroutine-%d.pb.gz", k), string(pb))
	snap.WriteFile(fmt.Sprintf("goroutine-%d.debug1.txt", k), string(d1))
	snap.WriteFile(fmt.Sprintf("goroutine-%d.debug2.txt", k), string(d2))
	snap.WriteFile(fmt.Sprintf("heap-%d.pb.gz", k), string(heap))
}

func main() {
	debug.SetGCPercent(20)
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: settle(http.DefaultServeMux)}
	go srv.Serve(ln)
	p := &Profiler{
		client: &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}},
		base:   "http://" + ln.Addr().String(),
	}
	p.get("/debug/pprof/") // opens the keep-alive connection

	ix := &Indexer{jobs: make(chan Doc, 16)}
	for i := 0; i < 6; i++ {
		go ix.worker()
	}
	m := &Metrics{stop: make(chan struct{})}
	go m.report()

	id := 0
	for k := 1; k <= 4; k++ {
		for i := 0; i < 200; i++ {
			id++
			ix.pending.Add(1)
			ix.jobs <- Doc{ID: id, Body: fmt.Sprintf("doc %d ", id)}
		}
		ix.pending.Wait()
		snap.Settle()
		p.capture(k)
	}
	close(ix.jobs)
	close(m.stop)
	srv.Close()
	snap.Finish("control-pprof-http")
}
