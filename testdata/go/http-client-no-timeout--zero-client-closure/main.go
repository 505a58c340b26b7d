// http-client-no-timeout--zero-client-closure: (*Notifier).Notify posts
// from a closure (`go func(ev Event) { ... n.client.Do(req) }(ev)`) with
// a zero `&http.Client{}` and a request built by http.NewRequest (no
// context); the push gateway on 127.0.0.1 accepts and never answers, so
// every push waits in (*persistConn).roundTrip, with its readLoop (IO
// wait) and writeLoop.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Event struct {
	User int
	Text string
}

type Notifier struct {
	client   *http.Client
	endpoint string
	sent     int64
}

func NewNotifier(endpoint string) *Notifier {
	return &Notifier{client: &http.Client{}, endpoint: endpoint}
}

func (n *Notifier) Notify(ev Event) {
	go func(ev Event) {
		body := fmt.Sprintf(`{"user":%d,"text":%q}`, ev.User, ev.Text)
		req, err := http.NewRequest(http.MethodPost, n.endpoint, bytes.NewBufferString(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := n.client.Do(req)
		if err != nil {
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		atomic.AddInt64(&n.sent, 1)
	}(ev)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	var held []net.Conn
	go func() {
		// the push gateway: accepts, never reads, never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	n := NewNotifier("http://" + ln.Addr().String() + "/push")
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n.Notify(Event{User: k*100 + i, Text: "your order shipped"})
			pool.Do(func() {})
		}
		time.Sleep(20 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-client-no-timeout--zero-client-closure")
}
