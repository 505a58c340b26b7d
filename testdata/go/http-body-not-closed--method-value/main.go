// http-body-not-closed--method-value: each poll runs in its own goroutine
// started through a method value (`poll := w.poll; go poll(url, done)`);
// poll decodes only the header line and never closes resp.Body.
package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Watcher struct {
	client *http.Client
}

func (w *Watcher) poll(url string, done chan<- string) {
	resp, err := w.client.Get(url)
	if err != nil {
		done <- err.Error()
		return
	}
	status, _ := bufio.NewReader(resp.Body).ReadString('\n')
	done <- strings.TrimSpace(status)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("status: green\n"))
		w.Write([]byte(strings.Repeat("detail\n", 5000)))
	}))
	w := &Watcher{client: &http.Client{Transport: &http.Transport{}}}
	done := make(chan string)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			poll := w.poll
			go poll(srv.URL+"/status", done)
			<-done
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("http-body-not-closed--method-value")
}
