package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync"
	"time"
)

type clientKind int

const (
	chatty clientKind = iota // talks in one or two rooms
	lurker                   // connects, sets a nick and then stays silent
	dropIn                   // joins, says a few things, hangs up
)

func (k clientKind) String() string {
	switch k {
	case chatty:
		return "chatty"
	case lurker:
		return "lurker"
	default:
		return "drop-in"
	}
}

var phrases = []string{
	"anyone seen the build on main?", "deploy to staging is green",
	"rolling back the canary", "lgtm", "who owns the billing alerts?",
	"coffee?", "p99 looks better after the cache fix", "brb",
	"that dashboard is lying again", "merging after CI", "ack",
	"can someone review #4127", "restarting the worker pool",
	"latency spike in eu-west", "false alarm", "thanks!",
}

// simClient is one simulated chat user with its own TCP connection.
type simClient struct {
	fleet    *fleet
	id       int
	kind     clientKind
	nick     string
	rooms    []string
	every    time.Duration // mean pause between messages
	lifetime time.Duration
	rnd      *rand.Rand

	conn     net.Conn
	received int
}

func (c *simClient) run(ctx context.Context) {
	defer c.fleet.left(c)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", c.fleet.addr)
	if err != nil {
		return
	}
	c.conn = conn

	readDone := make(chan struct{})
	go c.readLoop(readDone)
	defer func() {
		conn.Close()
		<-readDone
	}()

	w := bufio.NewWriter(conn)
	send := func(format string, args ...interface{}) bool {
		fmt.Fprintf(w, format+"\r\n", args...)
		conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		return w.Flush() == nil
	}
	if !send("NICK %s", c.nick) {
		return
	}
	for _, r := range c.rooms {
		if !send("JOIN %s", r) {
			return
		}
	}

	stay := time.NewTimer(c.lifetime)
	defer stay.Stop()

	if c.kind == lurker {
		// Connected but silent: no traffic in either direction until it
		// leaves (which is normally after the end of the run).
		select {
		case <-ctx.Done():
		case <-stay.C:
		}
		return
	}

	pause := time.NewTimer(c.nextPause())
	defer pause.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stay.C:
			if send("QUIT bye") {
				// Let the hub hang up first, as a polite client would.
				select {
				case <-readDone:
				case <-time.After(2 * time.Second):
				}
			}
			return
		case <-pause.C:
			room := c.rooms[c.rnd.Intn(len(c.rooms))]
			var ok bool
			if c.rnd.Intn(10) == 0 {
				ok = send("PING %d", time.Now().UnixNano())
			} else {
				ok = send("SAY %s %s", room, phrases[c.rnd.Intn(len(phrases))])
			}
			if !ok {
				return
			}
			pause.Reset(c.nextPause())
		}
	}
}

func (c *simClient) nextPause() time.Duration {
	return time.Duration(float64(c.every) * (0.3 + 1.4*c.rnd.Float64()))
}

// readLoop consumes whatever the hub sends until the connection closes.
func (c *simClient) readLoop(done chan<- struct{}) {
	defer close(done)
	r := bufio.NewReader(c.conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.HasPrefix(line, "MSG ") {
			c.received++
		}
	}
}

// fleet keeps the simulated client population: it grows over the run,
// drop-ins and some chatty users leave and are replaced, lurkers stay.
type fleet struct {
	addr  string
	rooms []string
	start time.Time
	rnd   *rand.Rand

	mu     sync.Mutex
	active map[int]*simClient
	nextID int
	joined int
	gone   int
	wg     sync.WaitGroup
}

type fleetCounts struct {
	active, chatty, lurkers, joined, left int
}

func newFleet(addr string, rooms []string) *fleet {
	return &fleet{
		addr:   addr,
		rooms:  rooms,
		start:  time.Now(),
		rnd:    rand.New(rand.NewSource(time.Now().UnixNano())),
		active: make(map[int]*simClient),
	}
}

func (f *fleet) target() int {
	n := 4 + int(time.Since(f.start).Seconds()/3)
	if n > 60 {
		n = 60
	}
	return n
}

func (f *fleet) run(ctx context.Context) {
	t := time.NewTicker(700 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			f.wg.Wait()
			return
		case <-t.C:
		}
		f.mu.Lock()
		missing := f.target() - len(f.active)
		f.mu.Unlock()
		// Bring at most two new users per tick so arrivals trickle in.
		for i := 0; i < missing && i < 2; i++ {
			c := f.newClient()
			f.wg.Add(1)
			go c.run(ctx)
		}
	}
}

func (f *fleet) newClient() *simClient {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	c := &simClient{
		fleet: f,
		id:    f.nextID,
		rnd:   rand.New(rand.NewSource(f.rnd.Int63())),
	}
	switch p := f.rnd.Intn(100); {
	case p < 40:
		c.kind = chatty
		c.every = time.Duration(1500+f.rnd.Intn(3500)) * time.Millisecond
		c.lifetime = 10 * time.Minute
		if f.rnd.Intn(10) < 4 {
			c.lifetime = time.Duration(20+f.rnd.Intn(50)) * time.Second
		}
	case p < 75:
		c.kind = lurker
		c.lifetime = time.Duration(5+f.rnd.Intn(6)) * time.Minute
	default:
		c.kind = dropIn
		c.every = time.Duration(800+f.rnd.Intn(1500)) * time.Millisecond
		c.lifetime = time.Duration(6+f.rnd.Intn(20)) * time.Second
	}
	c.nick = fmt.Sprintf("%s%d", []string{"ana", "bo", "cy", "dee", "eli", "fox", "gus", "hal"}[f.rnd.Intn(8)], c.id)
	if c.kind != lurker {
		c.rooms = []string{f.rooms[f.rnd.Intn(len(f.rooms))]}
		if f.rnd.Intn(3) == 0 {
			if r := f.rooms[f.rnd.Intn(len(f.rooms))]; r != c.rooms[0] {
				c.rooms = append(c.rooms, r)
			}
		}
	}
	f.active[c.id] = c
	f.joined++
	return c
}

func (f *fleet) left(c *simClient) {
	f.mu.Lock()
	delete(f.active, c.id)
	f.gone++
	f.mu.Unlock()
	f.wg.Done()
}

func (f *fleet) counts() fleetCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	fc := fleetCounts{active: len(f.active), joined: f.joined, left: f.gone}
	for _, c := range f.active {
		switch c.kind {
		case chatty:
			fc.chatty++
		case lurker:
			fc.lurkers++
		}
	}
	return fc
}
