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

type agentKind int

const (
	steady  agentKind = iota // stays connected, reports events
	flapper                  // hangs up cleanly and reconnects
	crasher                  // process dies: connection reset, then restarts
	stalled                  // wedges (stops talking), gets kicked, reconnects
)

// fleetMix is the make-up of the enrolled hosts, in enrollment order.
var fleetMix = []agentKind{steady, flapper, crasher, steady, stalled, flapper, steady, crasher}

func (k agentKind) String() string {
	return [...]string{"steady", "flapper", "crasher", "stalled"}[k]
}

// fleet simulates the remote agents. It starts small and grows through
// the run as hosts get enrolled.
type fleet struct {
	addr string
	mu   sync.Mutex
	n    int
}

func newFleet(addr string) *fleet { return &fleet{addr: addr} }

func (f *fleet) run(ctx context.Context) {
	for i := 0; i < 5; i++ {
		f.enroll(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(2500+rand.Intn(2500)) * time.Millisecond):
		}
		f.mu.Lock()
		n := f.n
		f.mu.Unlock()
		if n < 40 {
			f.enroll(ctx)
		}
	}
}

func (f *fleet) enroll(ctx context.Context) {
	f.mu.Lock()
	f.n++
	id := fmt.Sprintf("host-%03d", f.n)
	a := &simAgent{id: id, kind: fleetMix[(f.n-1)%len(fleetMix)], addr: f.addr}
	f.mu.Unlock()
	go a.run(ctx)
}

type simAgent struct {
	id   string
	kind agentKind
	addr string
}

func (a *simAgent) run(ctx context.Context) {
	for ctx.Err() == nil {
		a.session(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(500+rand.Intn(2500)) * time.Millisecond):
		}
	}
}

// session is one tunnel's lifetime from the agent's side.
func (a *simAgent) session(ctx context.Context) {
	d := net.Dialer{Timeout: 2 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", a.addr)
	if err != nil {
		return
	}
	defer nc.Close()
	var wmu sync.Mutex
	write := func(s string) error {
		wmu.Lock()
		defer wmu.Unlock()
		nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, err := fmt.Fprintf(nc, "%s\n", s)
		return err
	}
	if write("HELLO "+a.id+" agent/2.3") != nil {
		return
	}

	var life time.Duration
	switch a.kind {
	case steady:
		life = 10 * time.Minute
	case flapper:
		life = time.Duration(6+rand.Intn(18)) * time.Second
	case crasher:
		life = time.Duration(4+rand.Intn(14)) * time.Second
	case stalled:
		life = time.Duration(5+rand.Intn(12)) * time.Second
	}
	wedged := make(chan struct{})
	readErr := make(chan error, 1)
	go a.serveCommands(nc, write, wedged, readErr)

	end := time.NewTimer(life)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			write("BYE")
			return
		case <-readErr:
			return
		case <-end.C:
			switch a.kind {
			case flapper:
				if rand.Intn(2) == 0 {
					write("BYE")
				}
				return // plain close otherwise
			case crasher:
				if tc, ok := nc.(*net.TCPConn); ok {
					tc.SetLinger(0) // RST, like a killed process
				}
				return
			case stalled:
				close(wedged)
				// sit on the socket until the control plane kicks us
				select {
				case <-readErr:
				case <-time.After(2 * time.Minute):
				case <-ctx.Done():
				}
				return
			}
			return
		case <-time.After(time.Duration(1+rand.Intn(4)) * time.Second):
			if write(fmt.Sprintf("EVENT load=%.2f procs=%d", rand.Float64()*4, 80+rand.Intn(60))) != nil {
				return
			}
		}
	}
}

// serveCommands reads what the control plane sends and answers it. Once
// wedged it keeps reading but answers nothing.
func (a *simAgent) serveCommands(nc net.Conn, write func(string) error, wedged chan struct{}, readErr chan<- error) {
	br := bufio.NewReader(nc)
	for {
		nc.SetReadDeadline(time.Now().Add(3 * time.Minute))
		line, err := br.ReadString('\n')
		if err != nil {
			readErr <- err
			return
		}
		select {
		case <-wedged:
			continue
		default:
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "PING":
			write("PONG")
		case "CMD":
			if len(f) >= 3 {
				time.Sleep(time.Duration(rand.Intn(80)) * time.Millisecond)
				write(fmt.Sprintf("RESULT %s ok %s", f[1], f[2]))
			}
		}
	}
}
