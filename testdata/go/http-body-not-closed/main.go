// http-body-not-closed: the client reads the start of each response and
// never closes resp.Body. The connection can't go back to the idle pool,
// so every request dials a new one, and each leaves a
// net/http.(*persistConn).readLoop and writeLoop goroutine (plus the
// server's (*conn).serve) behind, with their buffers.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"example.com/leaks/internal/snap"
)

type ReportClient struct {
	http *http.Client
	base string
}

// fetchReportHeader reads the first line of a report and forgets the body.
func (c *ReportClient) fetchReportHeader(id int) (string, error) {
	resp, err := c.http.Get(fmt.Sprintf("%s/reports/%d", c.base, id))
	if err != nil {
		return "", err
	}
	// BUG: missing defer resp.Body.Close()
	buf := make([]byte, 64)
	n, err := io.ReadFull(resp.Body, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return "", err
	}
	line := string(buf[:n])
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	return line, nil
}

func reportHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "report %s\n", r.URL.Path)
	w.Write([]byte(strings.Repeat("row,1,2,3\n", 3000)))
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	srv := httptest.NewServer(http.HandlerFunc(reportHandler))
	c := &ReportClient{http: &http.Client{Transport: &http.Transport{}}, base: srv.URL}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			if _, err := c.fetchReportHeader(id); err != nil {
				fmt.Println("request failed:", err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("http-body-not-closed")
}
