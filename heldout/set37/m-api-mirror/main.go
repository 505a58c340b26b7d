// Command m-api-mirror mirrors a package registry. It follows the
// upstream's index and long-poll change feed, downloads new blobs with a
// pool of sync workers, pre-warms hot packages on the CDN edge, and serves
// its cache to CI runners over its own HTTP front end.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	up := newUpstream()
	var names []string
	for i := 0; i < 240; i++ {
		names = append(names, fmt.Sprintf("lib%03d", i))
	}
	for _, n := range names[:60] {
		up.publish(n, false)
	}
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go (&http.Server{Handler: up.handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}).Serve(upLn)
	go up.churn(ctx.Done(), names)

	tr := &http.Transport{
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     20 * time.Second,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
	}
	m := newMirror("http://"+upLn.Addr().String(), tr)
	go m.pollIndex(ctx, 3*time.Second)
	go m.followChanges(ctx)
	go m.cache.janitor(ctx, 5*time.Second, 90*time.Second)
	for i := 0; i < 6; i++ {
		go m.syncWorker(ctx, i)
	}

	front, err := serveFront(ctx, m)
	if err != nil {
		log.Fatal(err)
	}
	rs := &runnerSet{front: front, names: names}
	go rs.grow(ctx)

	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("stats: synced=%d syncFail=%d warmed=%d warmFail=%d feedPolls=%d runners=%d pulls=%d",
				m.synced.Load(), m.syncFail.Load(), m.warmed.Load(), m.warmFail.Load(), m.feedPolls.Load(), rs.n.Load(), rs.pulls.Load())
		}
	}
}

// serveFront serves cached blobs to CI runners, fetching misses from the
// upstream on the spot.
func serveFront(ctx context.Context, m *mirror) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/pkg/", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path[len("/pkg/"):]
		if data, ok := m.cache.get(name); ok {
			w.Header().Set("X-Cache", "hit")
			w.Write(data)
			return
		}
		cctx, cancel := context.WithTimeout(r.Context(), 6*time.Second)
		defer cancel()
		data, _, err := m.fetch(cctx, m.blobs, "/v1/blobs/"+name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("X-Cache", "miss")
		w.Write(data)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 15 * time.Second, IdleTimeout: 30 * time.Second}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// runnerSet simulates CI runners pulling dependencies from the mirror;
// more runners come online as the day goes on.
type runnerSet struct {
	front string
	names []string
	n     atomic.Int64
	pulls atomic.Int64
}

func (rs *runnerSet) grow(ctx context.Context) {
	for {
		if rs.n.Load() < 24 {
			rs.n.Add(1)
			go rs.runner(ctx, int(rs.n.Load()))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(3+rand.Intn(4)) * time.Second):
		}
	}
}

func (rs *runnerSet) runner(ctx context.Context, id int) {
	client := &http.Client{Timeout: 8 * time.Second}
	for ctx.Err() == nil {
		// one build: pull a handful of deps, then "compile"
		for i := 0; i < 3+rand.Intn(6); i++ {
			name := rs.names[rand.Intn(80)]
			req, _ := http.NewRequestWithContext(ctx, "GET", rs.front+"/pkg/"+name, nil)
			resp, err := client.Do(req)
			if err != nil {
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			rs.pulls.Add(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(1+rand.Intn(5)) * time.Second):
		}
	}
}
