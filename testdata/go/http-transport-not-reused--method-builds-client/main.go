// http-transport-not-reused--method-builds-client: (*Gateway).client()
// returns a new Client with a tuned Transport each time it is called, and
// every forwarded request calls it; the connections, read and closed, sit
// idle in pools that are never used again: persistConn readLoop (IO wait)
// + writeLoop and the back end's conn.serve per request.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Gateway struct {
	upstream string
	timeout  time.Duration
}

func (g *Gateway) client() *http.Client {
	return &http.Client{
		Timeout: g.timeout,
		Transport: &http.Transport{
			MaxIdleConnsPerHost:   8,
			ResponseHeaderTimeout: g.timeout,
		},
	}
}

type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func (g *Gateway) User(id int) (*User, error) {
	resp, err := g.client().Get(fmt.Sprintf("%s/users/%d", g.upstream, id))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var u User
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		return nil, err
	}
	return &u, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(User{ID: 1, Name: r.URL.Path})
	}))
	g := &Gateway{upstream: backend.URL, timeout: 5 * time.Second}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			u, err := g.User(id)
			if err != nil {
				fmt.Println(err)
				continue
			}
			pool.Do(func() { _ = u.Name })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-transport-not-reused--method-builds-client")
}
