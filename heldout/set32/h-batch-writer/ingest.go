package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// ingestAPI accepts pushes from agents: one point per line,
// "series timestamp value".
type ingestAPI struct {
	reg *registry

	pushes int64
	points int64
}

func (a *ingestAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/push", a.handlePush)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	return mux
}

func (a *ingestAPI) handlePush(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	bySeries := make(map[string][]point)
	var order []string
	n := 0
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			http.Error(w, "malformed line", http.StatusBadRequest)
			return
		}
		ts, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			http.Error(w, "bad timestamp", http.StatusBadRequest)
			return
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			http.Error(w, "bad value", http.StatusBadRequest)
			return
		}
		if _, ok := bySeries[f[0]]; !ok {
			order = append(order, f[0])
		}
		bySeries[f[0]] = append(bySeries[f[0]], point{ts: ts, val: v})
		n++
	}
	for _, name := range order {
		if err := a.reg.route(r.Context(), name, bySeries[name]); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	atomic.AddInt64(&a.pushes, 1)
	atomic.AddInt64(&a.points, int64(n))
	w.WriteHeader(http.StatusNoContent)
}
