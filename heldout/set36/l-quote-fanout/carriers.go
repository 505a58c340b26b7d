package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// carrierProfile describes how one simulated insurer's rating API behaves.
type carrierProfile struct {
	name     string
	lines    []string
	fast     time.Duration // typical latency lower bound
	slow     time.Duration // typical latency upper bound
	stallPct int           // share of requests that hang past any sane timeout
	referPct int           // share of quotes sent to manual underwriting
	declPct  int
	factor   float64
}

var carrierBook = []carrierProfile{
	{"acme-mutual", []string{"auto", "home"}, 80 * time.Millisecond, 450 * time.Millisecond, 2, 4, 6, 1.00},
	{"northwind", []string{"auto", "home", "life"}, 200 * time.Millisecond, 1200 * time.Millisecond, 3, 6, 8, 0.97},
	{"bluepeak", []string{"home", "life"}, 500 * time.Millisecond, 2500 * time.Millisecond, 4, 14, 5, 0.92},
	{"harbor-re", []string{"auto", "home"}, 150 * time.Millisecond, 900 * time.Millisecond, 2, 9, 12, 1.05},
	{"summit", []string{"auto", "life"}, 300 * time.Millisecond, 1800 * time.Millisecond, 5, 10, 9, 0.95},
	{"kestrel", []string{"auto", "home", "life"}, 100 * time.Millisecond, 700 * time.Millisecond, 1, 3, 15, 1.10},
	{"lumen-life", []string{"life"}, 400 * time.Millisecond, 2000 * time.Millisecond, 3, 18, 4, 0.90},
	{"granite", []string{"auto"}, 60 * time.Millisecond, 300 * time.Millisecond, 1, 2, 10, 1.02},
}

type carrierReply struct {
	Status  string  `json:"status"` // quoted, referred, declined
	Premium float64 `json:"premium"`
	Ref     string  `json:"ref,omitempty"`
}

type referral struct {
	id        string
	carrier   string
	indicated float64
	decided   chan struct{}
	outcome   string // approved / declined, set before decided is closed
	premium   float64
	at        time.Time
}

// carrierNet serves every simulated carrier's rating API from one
// listener. Carriers go down for a few seconds now and then (maintenance,
// rating-engine restarts) and answer 503 meanwhile.
type carrierNet struct {
	profiles map[string]carrierProfile

	mu        sync.Mutex
	down      map[string]time.Time // carrier -> back up at
	referrals map[string]*referral
	refSeq    int

	served, stalled, referred, outages atomic.Int64
	refPolls                           atomic.Int64
}

func newCarrierNet() *carrierNet {
	cn := &carrierNet{
		profiles:  make(map[string]carrierProfile),
		down:      make(map[string]time.Time),
		referrals: make(map[string]*referral),
	}
	for _, p := range carrierBook {
		cn.profiles[p.name] = p
	}
	return cn
}

func (cn *carrierNet) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/rate", cn.handleRate)
	mux.HandleFunc("/referral", cn.handleReferral)
	return mux
}

func (cn *carrierNet) isDown(name string) bool {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return time.Now().Before(cn.down[name])
}

func (cn *carrierNet) handleRate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, ok := cn.profiles[q.Get("carrier")]
	if !ok {
		http.Error(w, "unknown carrier", http.StatusNotFound)
		return
	}
	if cn.isDown(p.name) {
		http.Error(w, "rating engine unavailable", http.StatusServiceUnavailable)
		return
	}
	risk, _ := strconv.Atoi(q.Get("risk"))
	lat := spread(p.fast, p.slow)
	if roll(p.stallPct) {
		cn.stalled.Add(1)
		lat = spread(6*time.Second, 12*time.Second)
	}
	if pause(r.Context(), lat) != nil {
		return
	}
	cn.served.Add(1)
	premium := (400 + float64(risk)*85) * p.factor * money(0.85, 1.2)
	reply := carrierReply{Status: "quoted", Premium: premium}
	switch {
	case roll(p.declPct):
		reply = carrierReply{Status: "declined"}
	case roll(p.referPct):
		reply.Status = "referred"
		reply.Ref = cn.refer(p.name, premium)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(reply)
}

// refer opens a manual-underwriting case; an underwriter decides it some
// time between half a minute and almost two minutes later.
func (cn *carrierNet) refer(carrier string, indicated float64) string {
	cn.mu.Lock()
	cn.refSeq++
	ref := &referral{
		id:        fmt.Sprintf("%s-R%d", carrier, cn.refSeq),
		carrier:   carrier,
		indicated: indicated,
		decided:   make(chan struct{}),
		at:        time.Now(),
	}
	cn.referrals[ref.id] = ref
	cn.mu.Unlock()
	cn.referred.Add(1)
	time.AfterFunc(spread(30*time.Second, 105*time.Second), func() {
		cn.mu.Lock()
		if roll(70) {
			ref.outcome, ref.premium = "approved", ref.indicated*money(0.95, 1.15)
		} else {
			ref.outcome = "declined"
		}
		cn.mu.Unlock()
		close(ref.decided)
		// the case stays readable for a while, then is archived
		time.AfterFunc(2*time.Minute, func() {
			cn.mu.Lock()
			delete(cn.referrals, ref.id)
			cn.mu.Unlock()
		})
	})
	return ref.id
}

// handleReferral is a long poll on an underwriting case: it answers as soon
// as the case is decided, or 204 when the caller's wait is up.
func (cn *carrierNet) handleReferral(w http.ResponseWriter, r *http.Request) {
	cn.refPolls.Add(1)
	q := r.URL.Query()
	cn.mu.Lock()
	ref := cn.referrals[q.Get("ref")]
	cn.mu.Unlock()
	if ref == nil {
		http.Error(w, "no such case", http.StatusNotFound)
		return
	}
	wait, err := time.ParseDuration(q.Get("wait"))
	if err != nil || wait <= 0 || wait > time.Minute {
		wait = 20 * time.Second
	}
	expired, release := window(wait)
	defer release()
	select {
	case <-ref.decided:
		cn.mu.Lock()
		reply := carrierReply{Status: ref.outcome, Premium: ref.premium, Ref: ref.id}
		cn.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(reply)
	case <-expired:
		w.WriteHeader(http.StatusNoContent)
	case <-r.Context().Done():
	}
}

// maintenance takes a random carrier down for a few seconds every so often.
func (cn *carrierNet) maintenance(stop <-chan struct{}) {
	p := newPacer(20*time.Second, 35*time.Second)
	defer p.Stop()
	for {
		select {
		case <-stop:
			return
		case <-p.C():
		}
		c := carrierBook[pick(len(carrierBook))].name
		cn.mu.Lock()
		cn.down[c] = time.Now().Add(spread(3*time.Second, 8*time.Second))
		cn.mu.Unlock()
		cn.outages.Add(1)
		p.Next()
	}
}
