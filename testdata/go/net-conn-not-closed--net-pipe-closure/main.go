// net-conn-not-closed--net-pipe-closure: (*Mux).Attach connects a session
// to an in-process service with net.Pipe and serves the server end in a
// closure reading in a loop; runSession returns on an empty command
// without closing its end, so the closure waits in net.(*pipe).Read.
package main

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

var errEmpty = errors.New("empty command")

type Mux struct {
	bytes int64
}

func (m *Mux) handle(name string, b []byte) {
	atomic.AddInt64(&m.bytes, int64(len(b)))
}

func (m *Mux) Attach(name string) net.Conn {
	client, server := net.Pipe()
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := server.Read(buf)
			if err != nil {
				server.Close()
				return
			}
			m.handle(name, buf[:n])
		}
	}()
	return client
}

func runSession(m *Mux, name string, cmds []string) error {
	c := m.Attach(name)
	for _, cmd := range cmds {
		if cmd == "" {
			return fmt.Errorf("session %s: %w", name, errEmpty)
		}
		if _, err := c.Write([]byte(cmd + "\n")); err != nil {
			return err
		}
	}
	return c.Close()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	m := &Mux{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			cmds := []string{"open", "stat", "close"}
			if i%2 == 0 {
				cmds[1] = ""
			}
			if err := runSession(m, fmt.Sprintf("s%d-%d", k, i), cmds); err != nil {
				pool.Do(func() {})
			}
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("net-conn-not-closed--net-pipe-closure")
}
