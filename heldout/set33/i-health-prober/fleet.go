package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// behaviour of a simulated backend; the chaos loop moves backends between
// them during the run.
const (
	modeHealthy int32 = iota
	modeSlow          // answers, but often later than the probe timeout
	modeFlaky         // hangs or drops some connections
	modeDown          // not listening / 503
)

var modeNames = []string{"healthy", "slow", "flaky", "down"}

// backend is one member of the simulated fleet: either a TCP service that
// answers "PING name" with "PONG name", or an HTTP service with /healthz.
type backend struct {
	name  string
	kind  string // "tcp" or "http"
	mode  int32
	ln    net.Listener
	srv   *http.Server
	conns sync.WaitGroup
}

func (b *backend) setMode(m int32) { atomic.StoreInt32(&b.mode, m) }
func (b *backend) getMode() int32  { return atomic.LoadInt32(&b.mode) }

func (b *backend) addr() string { return b.ln.Addr().String() }

func startBackend(name, kind string, mode int32) (*backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &backend{name: name, kind: kind, mode: mode, ln: ln}
	if kind == "http" {
		b.srv = &http.Server{Handler: http.HandlerFunc(b.healthz), ReadHeaderTimeout: 3 * time.Second, IdleTimeout: 20 * time.Second}
		go b.srv.Serve(ln)
	} else {
		go b.acceptLoop()
	}
	return b, nil
}

func (b *backend) shutdown() {
	if b.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		b.srv.Shutdown(ctx)
		return
	}
	b.ln.Close()
	b.conns.Wait()
}

func (b *backend) acceptLoop() {
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		b.conns.Add(1)
		go func() {
			defer b.conns.Done()
			b.servePing(conn)
		}()
	}
}

func (b *backend) servePing(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return
	}
	name := strings.TrimSpace(strings.TrimPrefix(line, "PING "))
	var delay time.Duration
	switch b.getMode() {
	case modeHealthy:
		delay = time.Duration(1+randIntn(25)) * time.Millisecond
	case modeSlow:
		delay = time.Duration(200+randIntn(1400)) * time.Millisecond
	case modeFlaky:
		switch r := randIntn(100); {
		case r < 22:
			// wedged worker: never answers, holds the connection until
			// the client gives up
			io.Copy(io.Discard, conn)
			return
		case r < 32:
			return // crash mid-request: the client sees EOF
		default:
			delay = time.Duration(5+randIntn(60)) * time.Millisecond
		}
	case modeDown:
		return
	}
	time.Sleep(delay)
	fmt.Fprintf(conn, "PONG %s\n", name)
}

func (b *backend) healthz(w http.ResponseWriter, r *http.Request) {
	var delay time.Duration
	status := http.StatusOK
	switch b.getMode() {
	case modeHealthy:
		delay = time.Duration(2+randIntn(20)) * time.Millisecond
	case modeSlow:
		delay = time.Duration(300+randIntn(2500)) * time.Millisecond
	case modeFlaky:
		if randIntn(4) == 0 {
			status = http.StatusServiceUnavailable
		}
		delay = time.Duration(5+randIntn(100)) * time.Millisecond
	case modeDown:
		status = http.StatusServiceUnavailable
	}
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s %s\n", b.name, http.StatusText(status))
}

// fleet owns the simulated backends and the chaos that moves them between
// behaviours.
type fleet struct {
	mu       sync.Mutex
	backends map[string]*backend
}

func newFleet() *fleet { return &fleet{backends: make(map[string]*backend)} }

func (f *fleet) launch(name, kind string) (*backend, error) {
	mode := modeHealthy
	switch r := randIntn(100); {
	case r < 10:
		mode = modeSlow
	case r < 22:
		mode = modeFlaky
	case r < 27:
		mode = modeDown
	}
	b, err := startBackend(name, kind, mode)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.backends[name] = b
	f.mu.Unlock()
	return b, nil
}

func (f *fleet) decommission(name string) {
	f.mu.Lock()
	b := f.backends[name]
	delete(f.backends, name)
	f.mu.Unlock()
	if b != nil {
		b.shutdown()
	}
}

func (f *fleet) pick() *backend {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := randIntn(len(f.backends) + 1)
	for _, b := range f.backends {
		if n == 0 {
			return b
		}
		n--
	}
	return nil
}

// chaos flips a random backend's behaviour every few seconds, and heals it
// again later.
func (f *fleet) chaos(ctx context.Context) {
	for {
		if !sleepCtx(ctx, time.Duration(3+randIntn(4))*time.Second) {
			return
		}
		b := f.pick()
		if b == nil {
			continue
		}
		var m int32
		switch r := randIntn(100); {
		case r < 45:
			m = modeHealthy
		case r < 62:
			m = modeSlow
		case r < 85:
			m = modeFlaky
		default:
			m = modeDown
		}
		if old := b.getMode(); old != m {
			log.Printf("chaos: %s %s -> %s", b.name, modeNames[old], modeNames[m])
			b.setMode(m)
		}
	}
}
