package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

type api struct {
	ledger  *Ledger
	journal *journal
	mux     *http.ServeMux
}

func newAPI(l *Ledger, j *journal) *api {
	a := &api{ledger: l, journal: j, mux: http.NewServeMux()}
	a.mux.HandleFunc("/v1/postings", a.handlePosting)
	a.mux.HandleFunc("/v1/balance", a.handleBalance)
	a.mux.HandleFunc("/v1/gl", a.handleGL)
	a.mux.HandleFunc("/v1/exposure", a.handleExposure)
	a.mux.HandleFunc("/v1/stats", a.handleStats)
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func (a *api) handlePosting(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	acct := r.FormValue("account")
	amount, err := strconv.ParseInt(r.FormValue("amount"), 10, 64)
	if acct == "" || err != nil {
		http.Error(w, "account and amount required", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 800*time.Millisecond)
	defer cancel()
	res, settled, err := a.ledger.Submit(ctx, acct, amount, r.FormValue("memo"))
	switch {
	case errors.Is(err, errInboxFull):
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	case err != nil:
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
	case !settled:
		w.WriteHeader(http.StatusAccepted)
		writeJSON(w, map[string]string{"status": "pending"})
	default:
		writeJSON(w, map[string]interface{}{"status": "settled", "gl_seq": res.glSeq, "balance": res.balance})
	}
}

func (a *api) handleBalance(w http.ResponseWriter, r *http.Request) {
	acct := a.ledger.lookup(r.FormValue("account"))
	if acct == nil {
		http.Error(w, "no such account", http.StatusNotFound)
		return
	}
	acct.mu.Lock()
	bal, applied := acct.balance, acct.applied
	acct.mu.Unlock()
	writeJSON(w, map[string]interface{}{"account": acct.id, "currency": acct.currency, "balance": bal, "applied": applied})
}

func (a *api) handleGL(w http.ResponseWriter, r *http.Request) {
	seq, totals := a.ledger.glSnapshot()
	writeJSON(w, map[string]interface{}{"seq": seq, "totals": totals})
}

func (a *api) handleExposure(w http.ResponseWriter, r *http.Request) {
	exp, breaches := a.ledger.exposureSnapshot()
	writeJSON(w, map[string]interface{}{"exposure": exp, "breaches": breaches})
}

func (a *api) handleStats(w http.ResponseWriter, r *http.Request) {
	l := a.ledger
	writeJSON(w, map[string]int64{
		"accounts":    int64(l.numAccounts()),
		"submitted":   atomic.LoadInt64(&l.submitted),
		"settled":     atomic.LoadInt64(&l.settled),
		"settlements": atomic.LoadInt64(&l.settlements),
		"rejected":    atomic.LoadInt64(&l.rejectedFull),
		"journaled":   atomic.LoadInt64(&a.journal.written),
		"commits":     atomic.LoadInt64(&a.journal.commits),
	})
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
