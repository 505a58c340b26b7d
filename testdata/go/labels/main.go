//go:debug tracebacklabels=1

// labels: the timeout-leak bug inside request handlers that run under
// pprof.Do(ctx, pprof.Labels("handler", "/api", "tenant", "7"), ...). The
// leaked workers inherit the labels, so the proto and debug=1 profiles
// carry them, and Go 1.27 prints them in debug=2 goroutine headers
// ({handler: /api, tenant: 7}). The tracebacklabels=1 directive above is
// needed because go.mod says go 1.19 (Go 1.27's default for older modules
// is 0); Go 1.19 ignores it. A healthy labelled indexer goroutine
// ("worker": "indexer") stays constant.
package main

import (
	"context"
	"fmt"
	"runtime/pprof"
	"time"

	"example.com/leaks/internal/snap"
)

type Result struct{ Rows int }

func queryDatabase(q string, slow bool) Result {
	if slow {
		time.Sleep(60 * time.Millisecond)
	}
	return Result{Rows: len(q)}
}

func fetchWithTimeout(ctx context.Context, q string, slow bool) (Result, error) {
	ch := make(chan Result)
	go func() {
		ch <- queryDatabase(q, slow)
	}()
	select {
	case r := <-ch:
		return r, nil
	case <-time.After(20 * time.Millisecond):
		return Result{}, fmt.Errorf("%s: timeout", q)
	}
}

type Server struct {
	index chan string
}

func (s *Server) handleAPI(ctx context.Context, tenant string, req int) {
	pprof.Do(ctx, pprof.Labels("handler", "/api", "tenant", tenant), func(ctx context.Context) {
		_, _ = fetchWithTimeout(ctx, fmt.Sprintf("SELECT %d", req), req%2 == 0)
	})
}

func (s *Server) indexer(ctx context.Context) {
	for doc := range s.index {
		_ = doc
	}
}

func main() {
	snap.Start()
	s := &Server{index: make(chan string)}
	ctx := context.Background()
	pprof.Do(ctx, pprof.Labels("worker", "indexer"), func(ctx context.Context) {
		go s.indexer(ctx)
	})
	req := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			req++
			s.handleAPI(ctx, "7", req)
			s.index <- fmt.Sprintf("doc-%d", req)
		}
		time.Sleep(80 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("labels")
}
