// http-body-not-closed--status-return: Check returns on a non-200 status
// before `defer resp.Body.Close()`, so every failed health check leaves
// its connection's readLoop/writeLoop (and the server's conn.serve).
package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Checker struct {
	client *http.Client
	base   string
}

func (c *Checker) Check(svc string) error {
	resp, err := c.client.Get(c.base + "/health/" + svc)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("service %s: %s", svc, resp.Status)
	}
	defer resp.Body.Close()
	return nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/billing") {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(strings.Repeat("unavailable\n", 2000)))
			return
		}
		w.Write([]byte("ok"))
	}))
	c := &Checker{client: &http.Client{Transport: &http.Transport{}}, base: srv.URL}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			c.Check("search")
			if err := c.Check("billing"); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-body-not-closed--status-return")
}
