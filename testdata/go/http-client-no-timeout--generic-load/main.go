// http-client-no-timeout--generic-load: `go load(url, s.applyFlags)` starts
// a generic loader load[T] that decodes JSON from http.DefaultClient.Get
// (no timeout); the config service on 127.0.0.1 accepts and never answers,
// so each reload waits in (*persistConn).roundTrip under load[...], with
// its readLoop (IO wait) and writeLoop.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func load[T any](url string, apply func(T)) {
	resp, err := http.DefaultClient.Get(url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return
	}
	apply(v)
}

type Flags map[string]bool

type Service struct {
	mu    sync.Mutex
	flags Flags
}

func (s *Service) applyFlags(f Flags) {
	s.mu.Lock()
	s.flags = f
	s.mu.Unlock()
}

func (s *Service) Reload(base string, tenant int) {
	url := fmt.Sprintf("%s/flags?tenant=%d", base, tenant)
	go load(url, s.applyFlags)
}

type stalled struct {
	mu   sync.Mutex
	held []net.Conn
}

func (st *stalled) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		st.mu.Lock()
		st.held = append(st.held, c)
		st.mu.Unlock()
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	st := &stalled{}
	go st.serve(ln)
	s := &Service{}
	base := "http://" + ln.Addr().String()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			s.Reload(base, k*10+i)
			pool.Do(func() {})
		}
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-client-no-timeout--generic-load")
}
