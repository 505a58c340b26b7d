package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// rateHub tracks rate filings: every carrier files new rate tables now and
// then, and customers watching prices are told when that happens.
type rateHub struct {
	mu      sync.Mutex
	version int
	changed chan struct{}
}

func newRateHub() *rateHub { return &rateHub{changed: make(chan struct{})} }

// Changed returns the current version and a channel closed when the next
// filing lands.
func (h *rateHub) Changed() (int, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version, h.changed
}

func (h *rateHub) file() {
	h.mu.Lock()
	h.version++
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

func (h *rateHub) filings(stop <-chan struct{}) {
	p := newPacer(25*time.Second, 50*time.Second)
	defer p.Stop()
	for {
		select {
		case <-stop:
			return
		case <-p.C():
			h.file()
			p.Next()
		}
	}
}

// front is the public comparison site.
type front struct {
	agg *aggregator
	hub *rateHub

	pages, alerts atomic.Int64
}

func (fr *front) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/quote", fr.handleQuote)
	mux.HandleFunc("/v1/alerts/wait", fr.handleAlertWait)
	return mux
}

func (fr *front) handleQuote(w http.ResponseWriter, r *http.Request) {
	var req quoteRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fr.pages.Add(1)
	cmp := fr.agg.QuickQuote(r.Context(), req, 2500*time.Millisecond)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(cmp)
}

// handleAlertWait long-polls for the next rate filing after the version
// the client has seen, for up to the client's wait.
func (fr *front) handleAlertWait(w http.ResponseWriter, r *http.Request) {
	fr.alerts.Add(1)
	q := r.URL.Query()
	seen, _ := strconv.Atoi(q.Get("seen"))
	wait, err := time.ParseDuration(q.Get("wait"))
	if err != nil || wait <= 0 || wait > 2*time.Minute {
		wait = 30 * time.Second
	}
	v, changed := fr.hub.Changed()
	if v == seen {
		up, release := window(wait)
		defer release()
		select {
		case <-changed:
			v, _ = fr.hub.Changed()
		case <-up:
		case <-r.Context().Done():
			return
		}
	}
	fmt.Fprintf(w, "%d\n", v)
}

// shoppers is the site's traffic: a rate that climbs through the run and
// a burst whenever a marketing email goes out. Some visitors sign up for
// price alerts and keep a long poll open for a couple of minutes.
type shoppers struct {
	base    string
	hc      *http.Client
	started time.Time

	visits, failed, watching atomic.Int64
}

func (s *shoppers) gap() time.Duration {
	el := time.Since(s.started).Seconds()
	if el > 120 {
		el = 120
	}
	mean := 2*time.Second - time.Duration(el/120*float64(1400*time.Millisecond))
	return spread(mean/2, mean*3/2)
}

func (s *shoppers) arrive(ctx context.Context) {
	for pause(ctx, s.gap()) == nil {
		go s.visit(ctx)
	}
}

func (s *shoppers) campaigns(ctx context.Context) {
	for pause(ctx, spread(22*time.Second, 32*time.Second)) == nil {
		n := 10 + pick(10)
		for i := 0; i < n; i++ {
			if pause(ctx, spread(50*time.Millisecond, 300*time.Millisecond)) != nil {
				return
			}
			go s.visit(ctx)
		}
	}
}

func (s *shoppers) visit(ctx context.Context) {
	s.visits.Add(1)
	body, _ := json.Marshal(quoteRequest{
		ID:   fmt.Sprintf("web-%d", s.visits.Load()),
		Line: lines[pick(len(lines))],
		Risk: 1 + pick(10),
	})
	vctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(vctx, http.MethodPost, s.base+"/v1/quote", bytesReader(body))
	if err != nil {
		return
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		s.failed.Add(1)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if roll(12) {
		go s.watchPrices(ctx, spread(80*time.Second, 200*time.Second))
	}
}

// watchPrices keeps a price-alert long poll open until the visitor's
// session ends.
func (s *shoppers) watchPrices(ctx context.Context, session time.Duration) {
	s.watching.Add(1)
	defer s.watching.Add(-1)
	sctx, cancel := context.WithTimeout(ctx, session)
	defer cancel()
	seen := 0
	rp := retryPolicy{first: time.Second, cap: 10 * time.Second}
	for sctx.Err() == nil {
		v, err := s.pollAlert(sctx, seen, spread(55*time.Second, 80*time.Second))
		if err != nil {
			if !rp.Wait(sctx, 8) {
				return
			}
			continue
		}
		seen = v
	}
}

func (s *shoppers) pollAlert(ctx context.Context, seen int, wait time.Duration) (int, error) {
	u := s.base + "/v1/alerts/wait?" + url.Values{"seen": {strconv.Itoa(seen)}, "wait": {wait.String()}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return seen, err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return seen, err
	}
	defer resp.Body.Close()
	var v int
	if _, err := fmt.Fscan(resp.Body, &v); err != nil {
		return seen, err
	}
	return v, nil
}
