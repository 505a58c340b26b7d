package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	outboxSize   = 64
	pingInterval = 3 * time.Second
	idleTimeout  = 20 * time.Second
	tickInterval = 100 * time.Millisecond
	arenaSize    = 8
)

type gameServer struct {
	ctx context.Context

	mu      sync.Mutex
	arenas  map[string]*arena
	players map[uint64]*player
	nextID  uint64
	nextArn int

	joined, left, timeouts atomic.Int64
}

func newGameServer(ctx context.Context) *gameServer {
	return &gameServer{ctx: ctx, arenas: make(map[string]*arena), players: make(map[uint64]*player)}
}

func (s *gameServer) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("accept: %v", err)
			return
		}
		go s.accept(c)
	}
}

// player is one connected client: a reader, a writer draining the outbox
// and a pinger, all ended by done, which the reader closes when the
// connection ends.
type player struct {
	id     uint64
	name   string
	conn   net.Conn
	srv    *gameServer
	arena  *arena
	outbox chan string
	done   chan struct{}

	x, y     int32
	lastPong atomic.Int64
	dropped  atomic.Int64
}

func (s *gameServer) accept(c net.Conn) {
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil {
		c.Close()
		return
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "HELLO" {
		fmt.Fprintf(c, "ERR expected HELLO <name> <arena>\n")
		c.Close()
		return
	}
	s.mu.Lock()
	s.nextID++
	p := &player{id: s.nextID, name: f[1], conn: c, srv: s, outbox: make(chan string, outboxSize), done: make(chan struct{})}
	s.players[p.id] = p
	a := s.arenas[f[2]]
	if a == nil {
		a = newArena(f[2], s)
		s.arenas[a.name] = a
		go a.loop()
	}
	s.mu.Unlock()
	s.joined.Add(1)
	p.arena = a
	a.join(p)
	p.send("WELCOME " + strconv.FormatUint(p.id, 10) + " " + a.name)

	go p.writer()
	go p.pinger()
	go p.reader(r)
}

func (p *player) send(msg string) {
	select {
	case p.outbox <- msg:
	case <-p.done:
	default:
		p.dropped.Add(1) // slow client: it gets the next state frame
	}
}

func (p *player) reader(r *bufio.Reader) {
	defer p.leave()
	for {
		p.conn.SetReadDeadline(time.Now().Add(idleTimeout))
		line, err := r.ReadString('\n')
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
				p.srv.timeouts.Add(1)
			}
			return
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "MOVE":
			if len(f) == 3 {
				dx, _ := strconv.Atoi(f[1])
				dy, _ := strconv.Atoi(f[2])
				p.arena.move(p, dx, dy)
			}
		case "PONG":
			p.lastPong.Store(time.Now().UnixNano())
		case "SAY":
			p.arena.broadcast("CHAT " + p.name + " " + strings.Join(f[1:], " "))
		case "BYE":
			return
		}
	}
}

func (p *player) writer() {
	w := bufio.NewWriter(p.conn)
	for {
		select {
		case <-p.done:
			return
		case msg := <-p.outbox:
			p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			w.WriteString(msg)
			w.WriteByte('\n')
			if len(p.outbox) == 0 {
				if err := w.Flush(); err != nil {
					p.conn.Close() // the reader sees it and closes done
					return
				}
			}
		}
	}
}

func (p *player) pinger() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case now := <-t.C:
			p.send("PING " + strconv.FormatInt(now.UnixNano(), 10))
		}
	}
}

func (p *player) leave() {
	close(p.done)
	p.conn.Close()
	p.arena.part(p)
	s := p.srv
	s.mu.Lock()
	delete(s.players, p.id)
	s.mu.Unlock()
	s.left.Add(1)
}

type serverStats struct {
	Players, Arenas        int
	Joined, Left, Timeouts int64
}

func (s *gameServer) stats() serverStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return serverStats{len(s.players), len(s.arenas), s.joined.Load(), s.left.Load(), s.timeouts.Load()}
}

// pickArena returns an arena with room, opening a new one when all are full.
func (s *gameServer) pickArena() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, a := range s.arenas {
		if a.size() < arenaSize {
			return name
		}
	}
	s.nextArn++
	return fmt.Sprintf("arena-%03d", s.nextArn)
}

// arena runs the simulation tick for its players and closes itself when it
// has been empty for a while.
type arena struct {
	name string
	srv  *gameServer

	mu      sync.Mutex
	players map[uint64]*player
	tick    uint64
}

func newArena(name string, s *gameServer) *arena {
	return &arena{name: name, srv: s, players: make(map[uint64]*player)}
}

func (a *arena) join(p *player) {
	a.mu.Lock()
	a.players[p.id] = p
	a.mu.Unlock()
}

func (a *arena) part(p *player) {
	a.mu.Lock()
	delete(a.players, p.id)
	a.mu.Unlock()
}

func (a *arena) size() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.players)
}

func (a *arena) move(p *player, dx, dy int) {
	a.mu.Lock()
	p.x += int32(dx)
	p.y += int32(dy)
	a.mu.Unlock()
}

func (a *arena) broadcast(msg string) {
	a.mu.Lock()
	ps := make([]*player, 0, len(a.players))
	for _, p := range a.players {
		ps = append(ps, p)
	}
	a.mu.Unlock()
	for _, p := range ps {
		p.send(msg)
	}
}

func (a *arena) loop() {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	emptySince := time.Time{}
	for {
		select {
		case <-a.srv.ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		a.tick++
		n := len(a.players)
		var sb strings.Builder
		fmt.Fprintf(&sb, "STATE %d", a.tick)
		for _, p := range a.players {
			fmt.Fprintf(&sb, " %d:%d,%d", p.id, p.x, p.y)
		}
		a.mu.Unlock()
		if n == 0 {
			if emptySince.IsZero() {
				emptySince = time.Now()
			} else if time.Since(emptySince) > 10*time.Second {
				a.srv.mu.Lock()
				if a.size() == 0 {
					delete(a.srv.arenas, a.name)
					a.srv.mu.Unlock()
					return
				}
				a.srv.mu.Unlock()
			}
			continue
		}
		emptySince = time.Time{}
		a.broadcast(sb.String())
	}
}
