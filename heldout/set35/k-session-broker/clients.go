package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var feedTopics = []string{"prices.eu", "prices.us", "alerts", "chat.lobby", "scores", "weather"}

var tenants = []string{"acme", "globex", "initech", "umbrella", "hooli"}

// clientFleet simulates the broker's users: a population that ramps up
// over the run, each client with its own lifetime and behaviour, plus one
// long-lived publisher per feed topic.
type clientFleet struct {
	addr   string
	start  time.Time
	active int64
	seq    int64
	lines  int64
}

func newClientFleet(addr string) *clientFleet {
	return &clientFleet{addr: addr, start: time.Now()}
}

func (f *clientFleet) target() int {
	el := time.Since(f.start).Seconds()
	n := 8 + int(el*0.5)
	if n > 72 {
		n = 72
	}
	return n
}

func (f *clientFleet) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(randDur(150*time.Millisecond, 600*time.Millisecond)):
		}
		if int(atomic.LoadInt64(&f.active)) >= f.target() {
			continue
		}
		atomic.AddInt64(&f.active, 1)
		n := atomic.AddInt64(&f.seq, 1)
		c := &simClient{
			fleet:  f,
			name:   fmt.Sprintf("dev-%04d", n),
			tenant: tenants[randIntn(len(tenants))],
			mode:   pickMode(),
		}
		for i := 0; i < 1+randIntn(3); i++ {
			c.topics = append(c.topics, feedTopics[randIntn(len(feedTopics))])
		}
		go c.run(ctx)
	}
}

type clientMode int

const (
	modeSteady  clientMode = iota // pings all its life, then says BYE
	modeRoam                      // changes network once and resumes its session
	modeSuspend                   // app suspended: stops pinging, socket stays open
)

func pickMode() clientMode {
	switch r := randIntn(100); {
	case r < 16:
		return modeSuspend
	case r < 32:
		return modeRoam
	}
	return modeSteady
}

var errRejected = errors.New("rejected")

type simClient struct {
	fleet  *clientFleet
	name   string
	tenant string
	mode   clientMode
	topics []string

	mu    sync.Mutex
	conn  net.Conn
	sid   string
	pings int
}

func (c *simClient) run(ctx context.Context) {
	defer atomic.AddInt64(&c.fleet.active, -1)
	lifetime := randDur(15*time.Second, 75*time.Second)
	if c.mode == modeSteady && randIntn(4) == 0 {
		lifetime = randDur(90*time.Second, 200*time.Second) // desk user, stays logged in
	}
	life, cancel := context.WithTimeout(ctx, lifetime)
	defer cancel()

	conn, br, err := c.handshake(life, fmt.Sprintf("HELLO %s %s", c.tenant, c.name))
	if err != nil {
		return
	}
	c.setConn(conn)
	c.subscribeAll()
	readerDone := make(chan struct{})
	go c.consume(br, readerDone)
	var done <-chan struct{} = readerDone

	switch c.mode {
	case modeSuspend:
		c.keepAlive(life, randDur(4*time.Second, 20*time.Second))
		// Suspended: no more pings. The OS still takes the broker's
		// writes; the socket goes away when the broker drops the session.
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
		}
		conn.Close()
		return
	case modeRoam:
		c.keepAlive(life, randDur(5*time.Second, 20*time.Second))
		if life.Err() == nil {
			done = c.roam(life, done)
		}
	}
	c.keepAlive(life, 0)
	c.send("BYE")
	select {
	case <-done:
	case <-time.After(3 * time.Second):
	}
	c.currentConn().Close()
}

func (c *simClient) handshake(ctx context.Context, hello string) (net.Conn, *bufio.Reader, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.fleet.addr)
	if err != nil {
		return nil, nil, err
	}
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := fmt.Fprintf(conn, "%s\n", hello); err != nil {
		conn.Close()
		return nil, nil, err
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "WELCOME" {
		conn.Close()
		return nil, nil, errRejected
	}
	conn.SetDeadline(time.Time{})
	c.mu.Lock()
	c.sid = f[1]
	c.mu.Unlock()
	return conn, br, nil
}

func (c *simClient) setConn(conn net.Conn) {
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
}

func (c *simClient) currentConn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

func (c *simClient) send(format string, args ...interface{}) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, err := fmt.Fprintf(c.conn, format+"\n", args...)
	return err
}

func (c *simClient) subscribeAll() {
	for _, t := range c.topics {
		c.send("SUB %s", t)
	}
}

// consume reads whatever the broker sends until the connection ends.
func (c *simClient) consume(br *bufio.Reader, done chan<- struct{}) {
	defer close(done)
	for {
		if _, err := br.ReadString('\n'); err != nil {
			return
		}
		atomic.AddInt64(&c.fleet.lines, 1)
	}
}

// keepAlive pings the broker until ctx ends or, if d > 0, for d.
func (c *simClient) keepAlive(ctx context.Context, d time.Duration) {
	var until <-chan time.Time
	if d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		until = tm.C
	}
	t := time.NewTicker(randDur(1200*time.Millisecond, 1800*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-until:
			return
		case <-t.C:
			c.pings++
			if c.send("PING %d", c.pings) != nil {
				return
			}
			if randIntn(8) == 0 {
				c.send("PUB chat.lobby hello-from-%s", c.name)
			}
		}
	}
}

// roam moves the session to a fresh connection, as a phone does when it
// switches from wifi to cellular. The old socket lingers until the broker
// has shut it down (or a few seconds passed).
func (c *simClient) roam(ctx context.Context, oldDone <-chan struct{}) <-chan struct{} {
	old := c.currentConn()
	c.mu.Lock()
	sid := c.sid
	c.mu.Unlock()
	conn, br, err := c.handshake(ctx, "RESUME "+sid)
	resubscribe := false
	if err == errRejected {
		conn, br, err = c.handshake(ctx, fmt.Sprintf("HELLO %s %s", c.tenant, c.name))
		resubscribe = true
	}
	if err != nil {
		return oldDone
	}
	c.setConn(conn)
	if resubscribe {
		c.subscribeAll()
	}
	done := make(chan struct{})
	go c.consume(br, done)
	go func() {
		select {
		case <-oldDone:
		case <-time.After(3 * time.Second):
		}
		old.Close()
	}()
	return done
}

// runFeed is a long-lived publisher for one topic. It reconnects with a
// backoff if its session is lost.
func (f *clientFleet) runFeed(ctx context.Context, topic string) {
	c := &simClient{fleet: f, name: "feed-" + topic, tenant: "feeds"}
	retry := time.Second
	for ctx.Err() == nil {
		conn, br, err := c.handshake(ctx, fmt.Sprintf("HELLO %s %s", c.tenant, c.name))
		if err != nil {
			log.Printf("feed %s: %v; retrying in %v", topic, err, retry)
			if sleepCtx(ctx, retry) != nil {
				return
			}
			if retry < 8*time.Second {
				retry *= 2
			}
			continue
		}
		retry = time.Second
		c.setConn(conn)
		done := make(chan struct{})
		go c.consume(br, done)
		c.publish(ctx, topic, done)
		conn.Close()
		<-done
	}
}

func (c *simClient) publish(ctx context.Context, topic string, done <-chan struct{}) {
	t := time.NewTicker(randDur(500*time.Millisecond, 900*time.Millisecond))
	defer t.Stop()
	var seq int
	for range t.C {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		default:
		}
		seq++
		if c.send("PUB %s %d@%d", topic, seq, time.Now().UnixNano()/1e6) != nil {
			return
		}
	}
}
