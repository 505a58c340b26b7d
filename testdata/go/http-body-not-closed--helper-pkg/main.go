// http-body-not-closed--helper-pkg: the dropped body is in another
// package of the module (internal/apiclient.(*Client).Title reads the
// first line and returns); the user's code calls it per report.
package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"example.com/leaks/internal/apiclient"
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

func listTitles(c *apiclient.Client, ids []int) []string {
	var out []string
	for _, id := range ids {
		t, err := c.Title(id)
		if err != nil {
			continue
		}
		out = append(out, t)
	}
	return out
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Report %s\n", r.URL.Path)
		w.Write([]byte(strings.Repeat("row,1,2,3\n", 4000)))
	}))
	c := &apiclient.Client{HTTP: &http.Client{Transport: &http.Transport{}}, Base: srv.URL}
	id := 0
	for k := 1; k <= 3; k++ {
		ids := make([]int, 10)
		for i := range ids {
			id++
			ids[i] = id
		}
		titles := listTitles(c, ids)
		pool.Do(func() { _ = titles })
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-body-not-closed--helper-pkg")
}
