package main

import (
	"encoding/json"
	"net/http"
	"strings"
)

type api struct {
	pl *pipeline
}

func newAPI(pl *pipeline) *api { return &api{pl: pl} }

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/assets", a.createAsset)
	mux.HandleFunc("/v1/jobs/", a.getJob)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	return mux
}

func (a *api) createAsset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var in asset
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		http.Error(w, "bad asset: "+err.Error(), http.StatusBadRequest)
		return
	}
	if in.Height <= 0 || in.Seconds <= 0 {
		http.Error(w, "height and duration_s are required", http.StatusBadRequest)
		return
	}
	j, err := a.pl.Submit(in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/v1/jobs/"+j.id)
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"id": j.id})
}

func (a *api) getJob(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/jobs/")
	j, ok := a.pl.Lookup(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(j.view())
}
