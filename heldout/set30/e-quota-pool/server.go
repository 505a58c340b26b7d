package main

import (
	"bufio"
	"bytes"
	"errors"
	"log"
	"math/rand"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// quotaServer is the in-process stand-in for the quota service: it keeps
// token buckets per tenant and answers pipelined requests on each
// connection concurrently.
type quotaServer struct {
	ln          net.Listener
	idleTimeout time.Duration

	mu      sync.Mutex
	buckets map[string]int64

	conns atomic.Int64
}

func newQuotaServer() (*quotaServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &quotaServer{ln: ln, idleTimeout: 30 * time.Second, buckets: make(map[string]int64)}, nil
}

func (s *quotaServer) addr() string { return s.ln.Addr().String() }

func (s *quotaServer) serve() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			log.Printf("quotad: accept: %v", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go s.serveConn(nc)
	}
}

// refillLoop tops up every tenant's bucket.
func (s *quotaServer) refillLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		s.mu.Lock()
		for k, v := range s.buckets {
			v += 200
			if v > 5000 {
				v = 5000
			}
			s.buckets[k] = v
		}
		s.mu.Unlock()
	}
}

func (s *quotaServer) serveConn(nc net.Conn) {
	s.conns.Add(1)
	defer s.conns.Add(-1)
	br := bufio.NewReader(nc)
	bw := bufio.NewWriter(nc)
	var (
		wmu sync.Mutex
		wg  sync.WaitGroup
	)
	sem := make(chan struct{}, 32)
	defer func() {
		wg.Wait()
		nc.Close()
	}()
	for {
		_ = nc.SetReadDeadline(time.Now().Add(s.idleTimeout))
		req, err := readFrame(br)
		if err != nil {
			return
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(req frame) {
			defer wg.Done()
			defer func() { <-sem }()
			resp := s.handle(req)
			wmu.Lock()
			_ = nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
			err := writeFrame(bw, resp)
			wmu.Unlock()
			if err != nil {
				nc.Close()
			}
		}(req)
	}
}

func (s *quotaServer) handle(req frame) frame {
	// Service time: mostly a few ms, sometimes a slow disk/lock.
	d := time.Duration(2000+rand.Intn(28000)) * time.Microsecond
	if rand.Intn(100) < 2 {
		d = time.Duration(250+rand.Intn(200)) * time.Millisecond
	}
	time.Sleep(d)
	switch req.code {
	case opPing:
		return frame{id: req.id, code: statusOK, payload: []byte("pong")}
	case opReport:
		lines := bytes.Count(req.payload, []byte("\n"))
		return frame{id: req.id, code: statusOK, payload: []byte(strconv.Itoa(lines))}
	case opCheck:
		i := bytes.IndexByte(req.payload, 0)
		if i < 0 {
			return frame{id: req.id, code: statusBadInput}
		}
		tenant := string(req.payload[:i])
		amt, err := strconv.ParseInt(string(req.payload[i+1:]), 10, 64)
		if err != nil {
			return frame{id: req.id, code: statusBadInput}
		}
		s.mu.Lock()
		left, ok := s.buckets[tenant]
		if !ok {
			left = 5000
		}
		code := statusOK
		if left >= amt {
			left -= amt
		} else {
			code = statusDenied
		}
		s.buckets[tenant] = left
		s.mu.Unlock()
		return frame{id: req.id, code: code, payload: []byte(strconv.FormatInt(left, 10))}
	}
	return frame{id: req.id, code: statusBadInput}
}
