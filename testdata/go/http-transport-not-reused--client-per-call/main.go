// http-transport-not-reused--client-per-call: fetchPrice builds
// `&http.Client{Transport: &http.Transport{}}` on every call; the body is
// read and closed, so each connection goes idle in a pool nobody uses
// again: persistConn readLoop (IO wait) + writeLoop, and the server's
// conn.serve, per call.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func fetchPrice(base, sku string) (float64, error) {
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	resp, err := client.Get(base + "/price/" + sku)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d.99\n", len(r.URL.Path))
	}))
	total := 0.0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			p, err := fetchPrice(srv.URL, fmt.Sprintf("sku-%d-%d", k, i))
			if err != nil {
				fmt.Println(err)
				continue
			}
			total += p
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-transport-not-reused--client-per-call")
}
