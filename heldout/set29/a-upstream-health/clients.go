package main

import (
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"time"
)

var paths = []string{"/api/orders", "/api/users/me", "/api/cart", "/api/search?q=go", "/static/app.js", "/api/recommendations"}

type clients struct {
	base string
	http *http.Client
}

func newClients(base string) *clients {
	return &clients{
		base: base,
		http: &http.Client{
			Timeout: 4 * time.Second,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: 32,
				IdleConnTimeout:     45 * time.Second,
			},
		},
	}
}

func (c *clients) get(path string) {
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func (c *clients) worker(id int) {
	for {
		c.get(paths[rand.Intn(len(paths))])
		time.Sleep(time.Duration(100+rand.Intn(250)) * time.Millisecond)
	}
}

// bursts: a batch job or a page render fanning out many requests at once.
func (c *clients) bursts() {
	for {
		time.Sleep(time.Duration(5000+rand.Intn(10000)) * time.Millisecond)
		n := 15 + rand.Intn(35)
		for i := 0; i < n; i++ {
			go func(i int) {
				for k := 1 + rand.Intn(4); k > 0; k-- {
					c.get(fmt.Sprintf("/api/items/%d", rand.Intn(5000)))
				}
			}(i)
		}
	}
}

func (c *clients) ops() {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for n := 1; ; n++ {
		<-t.C
		c.get("/status")
		if n%4 == 0 {
			c.get("/debug/pprof/goroutine?debug=1")
		}
	}
}
