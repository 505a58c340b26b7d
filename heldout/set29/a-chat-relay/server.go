package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	idleTimeout  = 30 * time.Second
	writeTimeout = 5 * time.Second
	outQueue     = 128
	historyLen   = 40
)

type Server struct {
	ln         net.Listener
	maxClients int

	mu      sync.Mutex
	clients map[*client]struct{}
	nicks   map[string]*client
	rooms   map[string]*room

	accepted, rejected, dropped, relayed int64
}

type room struct {
	name    string
	members map[*client]struct{}
	history []string
}

type client struct {
	srv   *Server
	conn  net.Conn
	addr  string
	nick  string
	rooms map[string]struct{} // guarded by srv.mu

	out       chan string
	done      chan struct{}
	closeOnce sync.Once
}

func newServer(addr string, max int) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{
		ln:         ln,
		maxClients: max,
		clients:    make(map[*client]struct{}),
		nicks:      make(map[string]*client),
		rooms:      make(map[string]*room),
	}, nil
}

func (s *Server) serve() {
	var delay time.Duration
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Temporary() {
				if delay == 0 {
					delay = 5 * time.Millisecond
				} else if delay < time.Second {
					delay *= 2
				}
				time.Sleep(delay)
				continue
			}
			log.Printf("accept: %v", err)
			return
		}
		delay = 0
		c := &client{
			srv:   s,
			conn:  conn,
			addr:  conn.RemoteAddr().String(),
			rooms: make(map[string]struct{}),
			out:   make(chan string, outQueue),
			done:  make(chan struct{}),
		}
		if !s.register(c) {
			atomic.AddInt64(&s.rejected, 1)
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			fmt.Fprintf(conn, "ERR server full\r\n")
			conn.Close()
			continue
		}
		atomic.AddInt64(&s.accepted, 1)
		go c.writeLoop()
		go c.readLoop()
	}
}

func (s *Server) register(c *client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.clients) >= s.maxClients {
		return false
	}
	s.clients[c] = struct{}{}
	return true
}

func (s *Server) unregister(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c]; !ok {
		return
	}
	delete(s.clients, c)
	if c.nick != "" && s.nicks[c.nick] == c {
		delete(s.nicks, c.nick)
	}
	for name := range c.rooms {
		s.leaveLocked(c, name, "quit")
	}
}

// close shuts the connection down; safe to call from any goroutine.
func (c *client) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// send queues a line for the client; a client whose queue is full is too
// slow and gets dropped.
func (c *client) send(line string) {
	select {
	case c.out <- line:
	case <-c.done:
	default:
		atomic.AddInt64(&c.srv.dropped, 1)
		c.close()
	}
}

func (c *client) writeLoop() {
	w := bufio.NewWriter(c.conn)
	for {
		select {
		case line := <-c.out:
			c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			w.WriteString(line)
			w.WriteString("\r\n")
			// batch whatever else is already queued
			for n := len(c.out); n > 0; n-- {
				w.WriteString(<-c.out)
				w.WriteString("\r\n")
			}
			if err := w.Flush(); err != nil {
				c.close()
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *client) readLoop() {
	defer func() {
		c.srv.unregister(c)
		c.close()
	}()
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 0, 1024), 4096)
	c.send("HELLO relay/1.2 " + c.addr)
	for {
		c.conn.SetReadDeadline(time.Now().Add(idleTimeout))
		if !sc.Scan() {
			return
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !c.srv.dispatch(c, line) {
			return
		}
	}
}

// dispatch handles one command; it returns false when the client quits.
func (s *Server) dispatch(c *client, line string) bool {
	cmd, rest, _ := strings.Cut(line, " ")
	switch strings.ToUpper(cmd) {
	case "NICK":
		s.setNick(c, strings.TrimSpace(rest))
	case "JOIN":
		s.join(c, rest)
	case "PART":
		s.mu.Lock()
		s.leaveLocked(c, rest, "part")
		s.mu.Unlock()
	case "MSG":
		target, text, ok := strings.Cut(rest, " ")
		if !ok {
			c.send("ERR usage: MSG #room text")
			break
		}
		s.relay(c, target, text)
	case "WHO":
		c.send(s.who(rest))
	case "LIST":
		c.send(s.list())
	case "PING":
		c.send("PONG " + rest)
	case "QUIT":
		c.send("BYE")
		return false
	default:
		c.send("ERR unknown command " + cmd)
	}
	return true
}

func (s *Server) setNick(c *client, nick string) {
	if nick == "" || strings.ContainsAny(nick, " #") {
		c.send("ERR bad nick")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, ok := s.nicks[nick]; ok && other != c {
		c.send("ERR nick in use")
		return
	}
	if c.nick != "" {
		delete(s.nicks, c.nick)
	}
	c.nick = nick
	s.nicks[nick] = c
	c.send("OK nick " + nick)
}

func (s *Server) join(c *client, name string) {
	if !strings.HasPrefix(name, "#") || len(name) < 2 {
		c.send("ERR bad room")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.nick == "" {
		c.send("ERR set NICK first")
		return
	}
	r := s.rooms[name]
	if r == nil {
		r = &room{name: name, members: make(map[*client]struct{})}
		s.rooms[name] = r
	}
	if _, ok := r.members[c]; ok {
		return
	}
	r.members[c] = struct{}{}
	c.rooms[name] = struct{}{}
	for _, h := range r.history {
		c.send(h)
	}
	for m := range r.members {
		m.send(fmt.Sprintf("JOINED %s %s", name, c.nick))
	}
}

func (s *Server) leaveLocked(c *client, name, why string) {
	r := s.rooms[name]
	if r == nil {
		return
	}
	if _, ok := r.members[c]; !ok {
		return
	}
	delete(r.members, c)
	delete(c.rooms, name)
	for m := range r.members {
		m.send(fmt.Sprintf("LEFT %s %s %s", name, c.nick, why))
	}
	if len(r.members) == 0 {
		delete(s.rooms, name)
	}
}

func (s *Server) relay(from *client, target, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[target]
	if r == nil {
		from.send("ERR no such room " + target)
		return
	}
	if _, ok := r.members[from]; !ok {
		from.send("ERR not in " + target)
		return
	}
	line := fmt.Sprintf("MSG %s %s %s", target, from.nick, text)
	r.history = append(r.history, line)
	if len(r.history) > historyLen {
		r.history = append(r.history[:0], r.history[len(r.history)-historyLen:]...)
	}
	for m := range r.members {
		if m != from {
			m.send(line)
			atomic.AddInt64(&s.relayed, 1)
		}
	}
}

func (s *Server) who(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[name]
	if r == nil {
		return "WHO " + name
	}
	nicks := make([]string, 0, len(r.members))
	for m := range r.members {
		nicks = append(nicks, m.nick)
	}
	sort.Strings(nicks)
	if len(nicks) > 20 {
		nicks = append(nicks[:20], "...")
	}
	return "WHO " + name + " " + strings.Join(nicks, " ")
}

func (s *Server) list() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString("ROOMS")
	for name, r := range s.rooms {
		fmt.Fprintf(&b, " %s:%d", name, len(r.members))
	}
	return b.String()
}

func (s *Server) announcer(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		s.mu.Lock()
		n := len(s.clients)
		for _, r := range s.rooms {
			line := fmt.Sprintf("NOTICE %s server time %s, %d online", r.name, now.Format(time.Kitchen), n)
			for m := range r.members {
				m.send(line)
			}
		}
		s.mu.Unlock()
	}
}

func (s *Server) reportStats(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		s.mu.Lock()
		n, rooms := len(s.clients), len(s.rooms)
		s.mu.Unlock()
		log.Printf("relay: online=%d rooms=%d accepted=%d rejected=%d dropped=%d relayed=%d",
			n, rooms, atomic.LoadInt64(&s.accepted), atomic.LoadInt64(&s.rejected),
			atomic.LoadInt64(&s.dropped), atomic.LoadInt64(&s.relayed))
	}
}
