package main

import (
	"bufio"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// gateway terminates the device sessions. The protocol is line based:
//
//	-> HELLO <user> <device>      <- OK <sid> idle=<s> life=<s>
//	-> PING                       <- PONG <unix-ms>
//	-> STATUS <online|away|busy>  <- OK
//	-> BYE                        (session ends)
//	<- BYE <idle|lifetime>        (server expires the session)
type gateway struct {
	reg         *registry
	helloWait   time.Duration
	idleTimeout time.Duration
	minLifetime time.Duration
	maxLifetime time.Duration

	mu       sync.Mutex
	nextID   uint64
	sessions map[uint64]*session

	opened, expiredIdle, expiredLife, dropped, logouts int64
}

type session struct {
	id     uint64
	gw     *gateway
	conn   net.Conn
	br     *bufio.Reader
	user   string
	device string
	opened time.Time

	// maxAge fires when the session reaches its lifetime; it is created
	// with the session and waited on by enforceLifetime.
	maxAge *time.Timer

	wmu       sync.Mutex
	closeOnce sync.Once
	closed    chan struct{}
}

func (g *gateway) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			log.Printf("gateway: accept: %v", err)
			return
		}
		go g.handleConn(c)
	}
}

func (g *gateway) handleConn(c net.Conn) {
	br := bufio.NewReaderSize(c, 512)
	c.SetReadDeadline(time.Now().Add(g.helloWait))
	line, err := br.ReadString('\n')
	if err != nil {
		c.Close()
		return
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "HELLO" {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(c, "ERR expected HELLO\n")
		c.Close()
		return
	}
	s := g.open(c, br, f[1], f[2])
	go s.enforceLifetime()
	s.readLoop()
}

func (g *gateway) open(c net.Conn, br *bufio.Reader, user, device string) *session {
	life := randDur(g.minLifetime, g.maxLifetime)
	g.mu.Lock()
	g.nextID++
	s := &session{
		id:     g.nextID,
		gw:     g,
		conn:   c,
		br:     br,
		user:   user,
		device: device,
		opened: time.Now(),
		maxAge: time.NewTimer(life),
		closed: make(chan struct{}),
	}
	g.sessions[s.id] = s
	g.mu.Unlock()
	atomic.AddInt64(&g.opened, 1)

	g.reg.online(user, s.id, device)
	s.send(fmt.Sprintf("OK %d idle=%d life=%d", s.id, int(g.idleTimeout.Seconds()), int(life.Seconds())))
	return s
}

// nextLine reads one command, giving the device at most idle to send it.
func (s *session) nextLine(idle time.Duration) (string, error) {
	if err := s.conn.SetReadDeadline(time.Now().Add(idle)); err != nil {
		return "", err
	}
	line, err := s.br.ReadString('\n')
	return strings.TrimSpace(line), err
}

func (s *session) readLoop() {
	for {
		line, err := s.nextLine(s.gw.idleTimeout)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				s.close("idle")
			} else {
				s.close("")
			}
			return
		}
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "PING":
			s.gw.reg.touch(s.user)
			s.send(fmt.Sprintf("PONG %d", time.Now().UnixNano()/1e6))
		case "STATUS":
			s.gw.reg.setStatus(s.user, arg)
			s.send("OK")
		case "BYE":
			s.close("logout")
			return
		default:
			s.send("ERR unknown command")
		}
	}
}

// enforceLifetime closes the session when its maximum lifetime is up.
func (s *session) enforceLifetime() {
	select {
	case <-s.maxAge.C:
		s.close("lifetime")
	case <-s.closed:
		s.maxAge.Stop()
	}
}

func (s *session) send(line string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, err := s.conn.Write([]byte(line + "\n"))
	return err
}

// close ends the session once. reason is sent to the device when the
// server is the one ending it; "" means the connection is already gone.
func (s *session) close(reason string) {
	s.closeOnce.Do(func() {
		close(s.closed)
		g := s.gw
		switch reason {
		case "idle":
			atomic.AddInt64(&g.expiredIdle, 1)
			s.send("BYE idle")
		case "lifetime":
			atomic.AddInt64(&g.expiredLife, 1)
			s.send("BYE lifetime")
		case "logout":
			atomic.AddInt64(&g.logouts, 1)
		default:
			atomic.AddInt64(&g.dropped, 1)
		}
		s.conn.Close()
		g.reg.offline(s.user, s.id)
		g.mu.Lock()
		delete(g.sessions, s.id)
		g.mu.Unlock()
	})
}

type gatewayStats struct {
	Open                                    int
	Opened, Idle, Lifetime, Dropped, Logout int64
}

func (g *gateway) stats() gatewayStats {
	g.mu.Lock()
	n := len(g.sessions)
	g.mu.Unlock()
	return gatewayStats{
		Open:     n,
		Opened:   atomic.LoadInt64(&g.opened),
		Idle:     atomic.LoadInt64(&g.expiredIdle),
		Lifetime: atomic.LoadInt64(&g.expiredLife),
		Dropped:  atomic.LoadInt64(&g.dropped),
		Logout:   atomic.LoadInt64(&g.logouts),
	}
}
