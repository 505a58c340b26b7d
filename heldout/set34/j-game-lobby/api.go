package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

type lobbyAPI struct {
	mm *matchmaker
}

func (a *lobbyAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/queue", a.handleQueue)
	mux.HandleFunc("/v1/match", a.handleBoard)
	mux.HandleFunc("/v1/match/report", a.handleReport)
	mux.HandleFunc("/v1/match/wait", a.handleWait)
	return mux
}

type queueReply struct {
	Match    string    `json:"match"`
	Mode     string    `json:"mode"`
	Roster   []string  `json:"roster"`
	Deadline time.Time `json:"deadline"`
	Waited   float64   `json:"waited_s"`
}

// handleQueue holds the request open until the player is matched (200) or
// the queue time runs out (204).
func (a *lobbyAPI) handleQueue(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	mode, ok := a.mm.modes[q.Get("mode")]
	if !ok {
		http.Error(w, "unknown mode", http.StatusBadRequest)
		return
	}
	player := q.Get("player")
	rating, err := strconv.ParseFloat(q.Get("rating"), 64)
	if player == "" || err != nil {
		http.Error(w, "player and rating required", http.StatusBadRequest)
		return
	}
	wait, _ := time.ParseDuration(q.Get("wait"))

	t := a.mm.enqueue(player, rating, mode, wait)
	m, err := a.mm.await(r.Context(), t)
	switch {
	case errors.Is(err, errQueueTimeout):
		w.Header().Set("X-Waited", strconv.FormatFloat(time.Since(t.queuedAt).Seconds(), 'f', 1, 64))
		w.WriteHeader(http.StatusNoContent)
		return
	case err != nil:
		return // client went away
	}
	b := m.board()
	writeJSON(w, http.StatusOK, queueReply{
		Match:    m.id,
		Mode:     mode.name,
		Roster:   b.Roster,
		Deadline: m.deadline,
		Waited:   time.Since(t.queuedAt).Seconds(),
	})
}

func (a *lobbyAPI) matchFor(w http.ResponseWriter, r *http.Request) (*match, bool) {
	m := a.mm.lookup(r.URL.Query().Get("id"))
	if m == nil {
		http.Error(w, "no such match", http.StatusNotFound)
		return nil, false
	}
	return m, true
}

func (a *lobbyAPI) handleBoard(w http.ResponseWriter, r *http.Request) {
	if m, ok := a.matchFor(w, r); ok {
		writeJSON(w, http.StatusOK, m.board())
	}
}

func (a *lobbyAPI) handleReport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	m, ok := a.matchFor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	switch err := m.submit(r.Context(), report{player: q.Get("player"), result: q.Get("result")}); {
	case errors.Is(err, errMatchOver):
		http.Error(w, "match already over", http.StatusConflict)
	case err != nil:
		return
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// handleWait is the post-game long-poll: it answers with the final board
// once the match is over, or 202 with the running board if the match's
// deadline passes first.
func (a *lobbyAPI) handleWait(w http.ResponseWriter, r *http.Request) {
	m, ok := a.matchFor(w, r)
	if !ok {
		return
	}
	done, err := m.waitOver(r.Context())
	if !done && r.Context().Err() != nil {
		return
	}
	code := http.StatusOK
	if err != nil {
		code = http.StatusAccepted
	}
	writeJSON(w, code, m.board())
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
