// control-http-keepalive (leak-free): a client with at most 3 connections
// per host reads and closes every body, so its 3 keep-alive connections
// are reused; between phases there are always 3 idle connections
// (readLoop + writeLoop on the client, (*conn).serve on the server).
package main

import (
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"sync"

	"example.com/leaks/internal/snap"
)

type APIClient struct {
	http *http.Client
	base string
}

func (c *APIClient) getStatus(id int) (int, error) {
	resp, err := c.http.Get(fmt.Sprintf("%s/status/%d", c.base, id))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(ioutil.Discard, resp.Body)
	return int(n), err
}

// warmup holds the first three requests until all three have arrived, so
// that the client opens exactly three connections before phase 1.
var warmup sync.WaitGroup

func statusHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/warmup" {
		warmup.Done()
		warmup.Wait()
	}
	fmt.Fprintf(w, "ok %s\n", r.URL.Path)
}

func (c *APIClient) warmUp(conns int) {
	warmup.Add(conns)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.http.Get(c.base + "/warmup")
			if err != nil {
				fmt.Println("warm-up failed:", err)
				return
			}
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	srv := httptest.NewServer(http.HandlerFunc(statusHandler))
	tr := &http.Transport{MaxConnsPerHost: 3, MaxIdleConnsPerHost: 3}
	c := &APIClient{http: &http.Client{Transport: tr}, base: srv.URL}
	c.warmUp(3)
	for k := 1; k <= 3; k++ {
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					if _, err := c.getStatus(w*1000 + i); err != nil {
						fmt.Println("request failed:", err)
					}
				}
			}(w)
		}
		wg.Wait()
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("control-http-keepalive")
}
