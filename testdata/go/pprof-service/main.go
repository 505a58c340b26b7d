// pprof-service: a small HTTP service that serves net/http/pprof and leaks,
// captured the way `leakdiff capture` captures a live service: over HTTP.
//
// GET /price fans out to three quote backends on an unbuffered channel and
// answers with the first quote (NCast): the two slower (*PriceService).quote
// goroutines of every request stay blocked on their send forever, and since
// the channel is only reachable from their own stacks, Go 1.27's
// goroutineleak profile reports them. Around it, a leak-free background: a
// worker pool ranging over a live job queue, a ticker-driven reporter that
// is stopped properly, the HTTP server and its keep-alive connections.
//
// The program listens on 127.0.0.1:0, drives its own /price endpoint, and
// after each phase fetches its own profiles over HTTP from /debug/pprof/:
// goroutine (protobuf, debug=1, debug=2), heap (gc=1) and, when the index
// lists it (Go 1.26+), goroutineleak, written as goroutine-K.pb.gz,
// goroutine-K.debug1.txt, goroutine-K.debug2.txt, heap-K.pb.gz and
// goroutineleak-K.pb.gz.
package main

import (
	"flag"
	"fmt"
	"io/ioutil"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Quote struct {
	Backend string
	Cents   int
}

type PriceService struct {
	backends []string
	jobs     chan string
	mu       sync.Mutex
	served   int
}

func (s *PriceService) quote(backend, item string, out chan<- Quote) {
	// The backends answer at different speeds; only the first is read.
	delay := time.Duration(len(backend)) * time.Millisecond
	time.Sleep(delay)
	out <- Quote{Backend: backend, Cents: len(item) * 100}
}

// bestPrice asks every backend and keeps the first answer.
func (s *PriceService) bestPrice(item string) Quote {
	out := make(chan Quote)
	for _, b := range s.backends {
		go s.quote(b, item, out)
	}
	return <-out // BUG: the other senders block forever
}

func (s *PriceService) handlePrice(w http.ResponseWriter, r *http.Request) {
	item := r.URL.Query().Get("item")
	q := s.bestPrice(item)
	s.jobs <- "audit:" + item
	s.mu.Lock()
	s.served++
	s.mu.Unlock()
	fmt.Fprintf(w, "%s %d\n", q.Backend, q.Cents)
}

// auditWorker is one of a fixed pool; the queue lives as long as the service.
func (s *PriceService) auditWorker() {
	for j := range s.jobs {
		_ = strings.ToUpper(j)
	}
}

type Reporter struct {
	stop chan struct{}
	done chan struct{}
}

func (r *Reporter) run(s *PriceService) {
	defer close(r.done)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			_ = s.served
			s.mu.Unlock()
		case <-r.stop:
			return
		}
	}
}

func fetch(client *http.Client, url string) ([]byte, int) {
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pprof-service:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	b, err := ioutil.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pprof-service:", err)
		os.Exit(1)
	}
	return b, resp.StatusCode
}

func save(dir, name string, body []byte) {
	if err := ioutil.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "pprof-service:", err)
		os.Exit(1)
	}
}

func main() {
	snap.Start()
	out := flag.Lookup("out").Value.String() // parsed by snap.Start
	s := &PriceService{
		backends: []string{"eu-1", "us-east-1", "ap-southeast-2"},
		jobs:     make(chan string),
	}
	for i := 0; i < 4; i++ {
		go s.auditWorker()
	}
	rep := &Reporter{stop: make(chan struct{}), done: make(chan struct{})}
	go rep.run(s)

	http.HandleFunc("/price", s.handlePrice)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pprof-service:", err)
		os.Exit(1)
	}
	go http.Serve(ln, nil)
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 30 * time.Second}

	index, _ := fetch(client, base+"/debug/pprof/")
	hasLeakProfile := strings.Contains(string(index), "goroutineleak")

	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 8; i++ {
			n++
			body, code := fetch(client, fmt.Sprintf("%s/price?item=widget-%d", base, n))
			if code != 200 {
				fmt.Fprintf(os.Stderr, "pprof-service: /price: %d %s\n", code, body)
				os.Exit(1)
			}
		}
		snap.Settle()
		// Back to back, as a capture would take them.
		g2, _ := fetch(client, base+"/debug/pprof/goroutine?debug=2")
		g1, _ := fetch(client, base+"/debug/pprof/goroutine?debug=1")
		g0, _ := fetch(client, base+"/debug/pprof/goroutine")
		heap, _ := fetch(client, base+"/debug/pprof/heap?gc=1")
		save(out, fmt.Sprintf("goroutine-%d.debug2.txt", k), g2)
		save(out, fmt.Sprintf("goroutine-%d.debug1.txt", k), g1)
		save(out, fmt.Sprintf("goroutine-%d.pb.gz", k), g0)
		save(out, fmt.Sprintf("heap-%d.pb.gz", k), heap)
		if hasLeakProfile {
			leak, code := fetch(client, base+"/debug/pprof/goroutineleak")
			if code == 200 {
				save(out, fmt.Sprintf("goroutineleak-%d.pb.gz", k), leak)
			}
		}
	}
	close(rep.stop)
	<-rep.done
	snap.Finish("pprof-service")
}
