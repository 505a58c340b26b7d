package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// ingestAPI accepts log lines from agents:
//
//	POST /v1/logs?stream=<tenant>/<source>
//	LEVEL message...
//	LEVEL message...
type ingestAPI struct {
	batcher *Batcher
}

func (a *ingestAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/logs", a.handleLogs)
	mux.HandleFunc("/v1/stats", a.handleStats)
	return mux
}

func (a *ingestAPI) handleLogs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	stream := r.URL.Query().Get("stream")
	if stream == "" || !strings.Contains(stream, "/") {
		http.Error(w, "stream must be tenant/source", http.StatusBadRequest)
		return
	}
	now := time.Now()
	var recs []record
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		level, msg, ok := strings.Cut(line, " ")
		if !ok {
			level, msg = "INFO", line
		}
		recs = append(recs, record{TS: now, Level: level, Stream: stream, Msg: msg})
	}
	if err := sc.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(recs) > 0 {
		a.batcher.Add(stream, recs)
	}
	w.WriteHeader(http.StatusAccepted)
}

func (a *ingestAPI) handleStats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(a.batcher.Stats())
}
