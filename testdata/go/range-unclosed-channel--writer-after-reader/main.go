// range-unclosed-channel--writer-after-reader: a chat hub over local TCP.
// register starts a read pump and a write pump per client (the gorilla
// websocket chat layout): the read pump reads the socket and hands
// messages to the hub, the write pump ranges over the client's send
// channel. When a client hangs up, the read pump unregisters it, but
// nobody closes its send channel, so its write pump waits in the range
// forever (+8 per snapshot). Both pumps run on the same *client.
package main

import (
	"bufio"
	"net"
	"sync"

	"example.com/leaks/internal/snap"
)

type client struct {
	hub  *hub
	conn net.Conn
	send chan []byte
}

type hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
}

func (h *hub) register(conn net.Conn) {
	c := &client{hub: h, conn: conn, send: make(chan []byte, 16)}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	go c.writePump()
	go c.readPump()
}

// unregister drops the client. BUG: it should close(c.send) so that the
// write pump's range ends.
func (h *hub) unregister(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

func (h *hub) broadcast(msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.send <- msg:
		default:
		}
	}
}

func (c *client) readPump() {
	defer func() {
		c.hub.unregister(c)
		c.conn.Close()
	}()
	r := bufio.NewReader(c.conn)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		c.hub.broadcast(line)
	}
}

func (c *client) writePump() {
	for msg := range c.send {
		if _, err := c.conn.Write(msg); err != nil {
			continue
		}
	}
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	h := &hub{clients: map[*client]struct{}{}}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			h.register(nc)
		}
	}()
	var online []net.Conn
	for k := 1; k <= 3; k++ {
		// The users of the last phase leave; eight new ones join.
		for _, c := range online {
			c.Close()
		}
		online = online[:0]
		for i := 0; i < 8; i++ {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				panic(err)
			}
			c.Write([]byte("hello\n"))
			online = append(online, c)
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("range-unclosed-channel--writer-after-reader")
}
