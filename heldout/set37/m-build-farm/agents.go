package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// coordinator holds the agents' sessions. Each session is a pair: recvLoop
// reads the agent's log and heartbeat lines, sendLoop writes notices from
// the session's outbox; recvLoop closes done when the agent goes away and
// sendLoop ends with it.
type coordinator struct {
	mu     sync.Mutex
	agents map[*agentSession]struct{}

	sessions, logLines atomic.Int64
}

type agentSession struct {
	name string
	conn net.Conn
	out  chan string
	done chan struct{}
}

func newCoordinator() *coordinator {
	return &coordinator{agents: make(map[*agentSession]struct{})}
}

func (co *coordinator) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("coordinator: %v", err)
			return
		}
		go co.open(c)
	}
}

func (co *coordinator) open(c net.Conn) {
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "AGENT ") {
		c.Close()
		return
	}
	s := &agentSession{name: strings.TrimSpace(line[6:]), conn: c, out: make(chan string, 32), done: make(chan struct{})}
	co.mu.Lock()
	co.agents[s] = struct{}{}
	co.mu.Unlock()
	co.sessions.Add(1)
	go s.sendLoop()
	go co.recvLoop(s, r)
}

func (co *coordinator) recvLoop(s *agentSession, r *bufio.Reader) {
	defer func() {
		co.mu.Lock()
		delete(co.agents, s)
		co.mu.Unlock()
		close(s.done)
		s.conn.Close()
	}()
	for {
		s.conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(line, "LOG "):
			co.logLines.Add(1)
		case strings.HasPrefix(line, "HB"):
			s.enqueue("HBACK")
		case strings.HasPrefix(line, "QUIT"):
			return
		}
	}
}

func (s *agentSession) enqueue(msg string) {
	select {
	case s.out <- msg:
	default:
	}
}

func (s *agentSession) sendLoop() {
	for {
		select {
		case <-s.done:
			return
		case msg := <-s.out:
			s.conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
			if _, err := s.conn.Write([]byte(msg + "\n")); err != nil {
				s.conn.Close()
				<-s.done
				return
			}
		}
	}
}

func (co *coordinator) notify(msg string) {
	co.mu.Lock()
	for s := range co.agents {
		if rand.Intn(3) == 0 {
			s.enqueue(msg)
		}
	}
	co.mu.Unlock()
}

func (co *coordinator) count() int {
	co.mu.Lock()
	defer co.mu.Unlock()
	return len(co.agents)
}

// agentPool plays the build agents: they join at a growing rate, stream
// logs and heartbeats for 15-70 s, then leave (spot instances reclaimed).
func agentPool(ctx context.Context, addr string) {
	start := time.Now()
	for n := 0; ; n++ {
		go agent(ctx, addr, n)
		wait := time.Duration(3000-int(time.Since(start).Seconds()*15)) * time.Millisecond
		if wait < 700*time.Millisecond {
			wait = 700 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// agent keeps one session: a receiver goroutine for notices and a sender
// loop; the receiver ends when the connection closes, the sender waits for
// it before returning.
func agent(ctx context.Context, addr string, n int) {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "AGENT agent-%03d\n", n); err != nil {
		return
	}
	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		r := bufio.NewReader(c)
		for {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
		}
	}()

	life := time.NewTimer(time.Duration(15+rand.Intn(55)) * time.Second)
	defer life.Stop()
	hb := time.NewTicker(4 * time.Second)
	defer hb.Stop()
	for {
		var line string
		select {
		case <-ctx.Done():
			return
		case <-recvDone:
			return
		case <-life.C:
			fmt.Fprintf(c, "QUIT\n")
			c.Close()
			<-recvDone
			return
		case <-hb.C:
			line = "HB"
		case <-time.After(time.Duration(100+rand.Intn(400)) * time.Millisecond):
			line = fmt.Sprintf("LOG step %d ok", rand.Intn(1000))
		}
		c.SetWriteDeadline(time.Now().Add(3 * time.Second))
		if _, err := fmt.Fprintf(c, "%s\n", line); err != nil {
			return
		}
	}
}

// codeHost sends push webhooks at a rate that grows through the run.
func codeHost(ctx context.Context, apiURL string) {
	c := &http.Client{Timeout: 5 * time.Second}
	repos := []string{"api", "web", "billing", "search", "infra", "mobile", "auth", "ledger"}
	start := time.Now()
	for {
		rate := 0.4 + time.Since(start).Seconds()/60 // 0.4/s → ~2.7/s
		wait := time.Duration(float64(time.Second) / rate * (0.5 + rand.Float64()))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		body, _ := json.Marshal(map[string]string{
			"repo":   repos[rand.Intn(len(repos))],
			"commit": fmt.Sprintf("%040x", rand.Int63()),
		})
		resp, err := c.Post(apiURL+"/hooks/push", "application/json", bytes.NewReader(body))
		if err != nil {
			continue
		}
		resp.Body.Close()
	}
}

func dashboard(ctx context.Context, apiURL string) {
	c := &http.Client{Timeout: 2 * time.Second}
	tk := time.NewTicker(1500 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		for _, p := range []string{"/status", fmt.Sprintf("/builds/b%05d", 1+rand.Intn(100))} {
			resp, err := c.Get(apiURL + p)
			if err != nil {
				continue
			}
			var v interface{}
			json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
		}
	}
}
