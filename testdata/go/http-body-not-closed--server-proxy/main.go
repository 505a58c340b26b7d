// http-body-not-closed--server-proxy: a front-end server (httptest) whose
// handler proxies each request to a back-end server and copies only the
// status line, never closing the back-end response body. The leaked
// client connections (persistConn readLoop/writeLoop) are created from the
// front end's handler goroutines; the back end keeps a conn.serve each.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Proxy struct {
	client  *http.Client
	backend string
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	resp, err := p.client.Get(p.backend + r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	fmt.Fprint(w, line) // resp.Body is never closed
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s\n", r.URL.Path)
		w.Write([]byte(strings.Repeat("payload\n", 4000)))
	}))
	front := httptest.NewServer(&Proxy{client: &http.Client{Transport: &http.Transport{}}, backend: backend.URL})
	// The front end's own client reads and closes every response, so its
	// connection is reused.
	c := &http.Client{Transport: &http.Transport{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			resp, err := c.Get(fmt.Sprintf("%s/items/%d", front.URL, i))
			if err != nil {
				fmt.Println(err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-body-not-closed--server-proxy")
}
