package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// wsClient is a simulated browser or app tab connected to the hub.
type wsClient struct {
	id   int
	conn net.Conn
	br   *bufio.Reader

	wmu sync.Mutex
	bw  *bufio.Writer

	muted    int32 // 1 once the client's network "drops": it stops answering pings
	received int64
	pings    int64
}

func dialWS(ctx context.Context, addr string, id int, topics []string) (*wsClient, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/ws?topics="+strings.Join(topics, ","), nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	key := newClientKey()
	req.Header.Set("Sec-WebSocket-Key", key)

	conn.SetDeadline(time.Now().Add(3 * time.Second))
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key) {
		conn.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	conn.SetDeadline(time.Time{})
	return &wsClient{id: id, conn: conn, br: br, bw: bufio.NewWriter(conn)}, nil
}

func (c *wsClient) write(f frame) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if err := writeFrame(c.bw, f, true); err != nil {
		return err
	}
	return c.bw.Flush()
}

// readLoop consumes server frames, answering pings, until the connection
// ends or a close frame arrives.
func (c *wsClient) readLoop() error {
	for {
		f, err := readFrame(c.br)
		if err != nil {
			return err
		}
		switch f.op {
		case opPing:
			atomic.AddInt64(&c.pings, 1)
			if atomic.LoadInt32(&c.muted) == 0 {
				if err := c.write(frame{op: opPong, payload: f.payload}); err != nil {
					return err
				}
			}
		case opText:
			atomic.AddInt64(&c.received, 1)
		case opClose:
			return nil
		}
	}
}

// session plays one user: chatter now and then, until the lifetime runs
// out (clean close), the server drops the connection, or the network
// "drops" (muteAfter > 0) and the server times the client out.
func (c *wsClient) session(ctx context.Context, life, muteAfter time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, life)
	defer cancel()
	defer c.conn.Close()

	readErr := make(chan error, 1)
	go func() { readErr <- c.readLoop() }()

	chatter := time.NewTimer(jitter(time.Second, 3*time.Second))
	defer chatter.Stop()
	var mute <-chan time.Time
	if muteAfter > 0 {
		mt := time.NewTimer(muteAfter)
		defer mt.Stop()
		mute = mt.C
	}
	for {
		select {
		case <-readErr:
			return
		case <-mute:
			atomic.StoreInt32(&c.muted, 1)
			chatter.Stop()
		case <-chatter.C:
			var msg string
			switch randIntn(6) {
			case 0:
				msg = "echo hello"
			case 1:
				msg = fmt.Sprintf("say user%d: hi", c.id)
			case 2:
				msg = "who"
			default:
				msg = fmt.Sprintf("ack %d", atomic.LoadInt64(&c.received))
			}
			if c.write(frame{op: opText, payload: []byte(msg)}) != nil {
				<-readErr
				return
			}
			chatter.Reset(jitter(time.Second, 4*time.Second))
		case <-ctx.Done():
			if atomic.LoadInt32(&c.muted) == 1 {
				// A dead network sends no close frame; just wait for the server.
				<-readErr
				return
			}
			c.write(frame{op: opClose, payload: []byte{0x03, 0xE8}})
			select {
			case <-readErr:
			case <-time.After(2 * time.Second):
				c.conn.Close()
				<-readErr
			}
			return
		}
	}
}
