package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

type loadGen struct {
	base   string
	client *http.Client
	ops    *http.Client
	errs   int64
}

func newLoadGen(base string) *loadGen {
	return &loadGen{
		base: base,
		client: &http.Client{
			Timeout: 5 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        64,
				MaxIdleConnsPerHost: 24,
				IdleConnTimeout:     60 * time.Second,
			},
		},
		ops: &http.Client{Timeout: 10 * time.Second},
	}
}

// pickSymbol is skewed toward a handful of popular symbols.
func pickSymbol() string {
	if rand.Intn(3) == 0 {
		return symbols[rand.Intn(6)]
	}
	return symbols[rand.Intn(len(symbols))]
}

func (lg *loadGen) get(path string) (int, error) {
	resp, err := lg.client.Get(lg.base + path)
	if err != nil {
		atomic.AddInt64(&lg.errs, 1)
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func (lg *loadGen) rampWorkers(start, max int, every time.Duration) {
	n := 0
	for ; n < start; n++ {
		go lg.worker(n)
	}
	for ; n < max; n++ {
		time.Sleep(every)
		go lg.worker(n)
	}
}

func (lg *loadGen) worker(id int) {
	for {
		p := rand.Intn(100)
		switch {
		case p < 72:
			lg.get("/v1/quote?sym=" + pickSymbol())
		case p < 82:
			lg.get("/v1/symbols")
		case p < 96:
			lg.get(fmt.Sprintf("/api/history?sym=%s&n=%d", pickSymbol(), 60+rand.Intn(180)))
		default:
			lg.get("/healthz")
		}
		time.Sleep(time.Duration(90+rand.Intn(200)) * time.Millisecond)
	}
}

// bursts fires a group of short-lived callers every few seconds, like a
// page load fanning out to several quotes at once.
func (lg *loadGen) bursts() {
	for {
		time.Sleep(time.Duration(4000+rand.Intn(8000)) * time.Millisecond)
		n := 8 + rand.Intn(30)
		for i := 0; i < n; i++ {
			go func() {
				k := 1 + rand.Intn(3)
				for j := 0; j < k; j++ {
					lg.get("/v1/quote?sym=" + pickSymbol())
				}
			}()
		}
	}
}

func (lg *loadGen) watcher(id int) {
	var since int64
	for {
		resp, err := lg.client.Get(lg.base + "/v1/watch?wait=3s&since=" + strconv.FormatInt(since, 10))
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode == http.StatusOK {
			var v struct {
				Version int64 `json:"version"`
			}
			if json.NewDecoder(resp.Body).Decode(&v) == nil {
				since = v.Version
			}
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(time.Duration(rand.Intn(300)) * time.Millisecond)
	}
}

func (lg *loadGen) opsPoller(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		for _, p := range []string{"/healthz", "/debug/pprof/goroutine?debug=2", "/debug/pprof/"} {
			resp, err := lg.ops.Get(lg.base + p)
			if err != nil {
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}
