package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// feedServer is the upstream market/order feed the relay sits in front of.
// In production it is a separate process; here it runs in-process on a
// loopback listener. Every accepted connection carries one subscription:
// the client sends "SUB <topic> <id>\n" and then only reads frames.
type feedServer struct {
	ln        net.Listener
	heartbeat time.Duration

	mu     sync.Mutex
	topics map[string]*topicFeed

	open     int64
	accepted int64
}

// topicFeed generates the updates of one topic and fans them out to the
// connections subscribed to it.
type topicFeed struct {
	name     string
	interval time.Duration

	mu    sync.Mutex
	conns map[*feedConn]struct{}
	seq   uint32
}

type feedConn struct {
	c     net.Conn
	subID uint32
	topic *topicFeed
	out   chan []byte
}

func newFeedServer(heartbeat time.Duration, rates map[string]time.Duration) (*feedServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &feedServer{
		ln:        ln,
		heartbeat: heartbeat,
		topics:    make(map[string]*topicFeed),
	}
	for name, every := range rates {
		s.topics[name] = &topicFeed{name: name, interval: every, conns: make(map[*feedConn]struct{})}
	}
	return s, nil
}

func (s *feedServer) Addr() string { return s.ln.Addr().String() }

func (s *feedServer) Start(ctx context.Context) {
	for _, t := range s.topics {
		go t.generate(ctx)
	}
	go s.acceptLoop()
	go func() {
		<-ctx.Done()
		s.ln.Close()
	}()
}

func (s *feedServer) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		atomic.AddInt64(&s.accepted, 1)
		go s.serveConn(c)
	}
}

// serveConn handles one upstream stream: handshake, then data frames as the
// topic produces them and a heartbeat whenever the stream has been idle for
// s.heartbeat. It ends when a write fails (the client went away).
func (s *feedServer) serveConn(c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	topic, id, err := parseSub(line)
	if err != nil {
		writeFrame(c, frame{kind: frameEnd, payload: []byte(err.Error())})
		return
	}
	s.mu.Lock()
	tf := s.topics[topic]
	s.mu.Unlock()
	if tf == nil {
		writeFrame(c, frame{kind: frameEnd, subID: id, payload: []byte("unknown topic")})
		return
	}

	fc := &feedConn{c: c, subID: id, topic: tf, out: make(chan []byte, 32)}
	tf.attach(fc)
	defer tf.detach(fc)
	atomic.AddInt64(&s.open, 1)
	defer atomic.AddInt64(&s.open, -1)

	idle := time.NewTimer(s.heartbeat)
	defer idle.Stop()
	var seq uint32
	for {
		var f frame
		select {
		case payload := <-fc.out:
			seq++
			f = frame{kind: frameData, subID: id, seq: seq, payload: payload}
			if !idle.Stop() {
				select {
				case <-idle.C:
				default:
				}
			}
		case <-idle.C:
			f = frame{kind: frameHeartbeat, subID: id, seq: seq}
		}
		idle.Reset(s.heartbeat)
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := writeFrame(c, f); err != nil {
			return
		}
	}
}

func parseSub(line string) (string, uint32, error) {
	parts := strings.Fields(line)
	if len(parts) != 3 || parts[0] != "SUB" {
		return "", 0, fmt.Errorf("bad handshake %q", strings.TrimSpace(line))
	}
	id, err := strconv.ParseUint(parts[2], 10, 32)
	if err != nil {
		return "", 0, fmt.Errorf("bad subscription id: %v", err)
	}
	return parts[1], uint32(id), nil
}

func (t *topicFeed) attach(fc *feedConn) {
	t.mu.Lock()
	t.conns[fc] = struct{}{}
	t.mu.Unlock()
}

func (t *topicFeed) detach(fc *feedConn) {
	t.mu.Lock()
	delete(t.conns, fc)
	t.mu.Unlock()
}

// generate produces synthetic updates at roughly t.interval (jittered) and
// hands them to every attached connection without blocking; a slow
// connection just misses updates.
func (t *topicFeed) generate(ctx context.Context) {
	rnd := rand.New(rand.NewSource(time.Now().UnixNano() + int64(len(t.name))))
	syms := []string{"ACME", "GLOBX", "INITECH", "UMBR", "WAYNE", "STARK", "TYRL"}
	for {
		d := t.interval/2 + time.Duration(rnd.Int63n(int64(t.interval)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
		t.mu.Lock()
		t.seq++
		payload := []byte(fmt.Sprintf(`{"topic":%q,"n":%d,"sym":%q,"qty":%d,"px":%.2f}`,
			t.name, t.seq, syms[rnd.Intn(len(syms))], 1+rnd.Intn(500), 10+rnd.Float64()*190))
		for fc := range t.conns {
			select {
			case fc.out <- payload:
			default:
			}
		}
		t.mu.Unlock()
	}
}
