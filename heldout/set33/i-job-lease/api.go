package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// queueAPI exposes the queue to workers and producers:
//
//	POST /v1/jobs                       enqueue {kind, payload, priority}
//	POST /v1/lease?worker=W&wait=20s&ttl=5s
//	                                    long-poll for a job; 204 if none came
//	POST /v1/leases/ID/renew?worker=W&ttl=5s
//	POST /v1/leases/ID/ack?worker=W
//	POST /v1/leases/ID/nack?worker=W    body: reason
//	GET  /v1/stats
type queueAPI struct {
	q      *jobQueue
	leases *leaseManager

	maxWait time.Duration
	maxTTL  time.Duration
}

type enqueueRequest struct {
	Kind     string            `json:"kind"`
	Payload  map[string]string `json:"payload"`
	Priority bool              `json:"priority"`
}

type leaseGrant struct {
	LeaseID  string    `json:"lease_id"`
	Deadline time.Time `json:"deadline"`
	Job      *Job      `json:"job"`
}

func (a *queueAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/jobs", a.handleEnqueue)
	mux.HandleFunc("/v1/lease", a.handleLease)
	mux.HandleFunc("/v1/leases/", a.handleLeaseOp)
	mux.HandleFunc("/v1/stats", a.handleStats)
	return mux
}

func (a *queueAPI) handleEnqueue(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req enqueueRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Kind == "" {
		http.Error(w, "bad job", http.StatusBadRequest)
		return
	}
	j := &Job{ID: nextJobID(req.Kind), Kind: req.Kind, Payload: req.Payload, Enqueued: time.Now()}
	a.q.Enqueue(j, req.Priority)
	writeJSON(w, http.StatusAccepted, map[string]string{"id": j.ID})
}

func (a *queueAPI) handleLease(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	worker := r.URL.Query().Get("worker")
	if worker == "" {
		http.Error(w, "worker required", http.StatusBadRequest)
		return
	}
	wait := durationParam(r, "wait", 10*time.Second, a.maxWait)
	ttl := durationParam(r, "ttl", 5*time.Second, a.maxTTL)

	j, err := a.q.Dequeue(r.Context(), wait)
	if errors.Is(err, errNoJob) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		return // worker went away while waiting
	}
	l := a.leases.Grant(j, worker, ttl)
	writeJSON(w, http.StatusOK, leaseGrant{LeaseID: l.id, Deadline: l.deadline, Job: j})
}

func (a *queueAPI) handleLeaseOp(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/v1/leases/")
	slash := strings.LastIndexByte(rest, '/')
	if slash <= 0 {
		http.NotFound(w, r)
		return
	}
	id, op := rest[:slash], rest[slash+1:]
	worker := r.URL.Query().Get("worker")

	var err error
	switch op {
	case "renew":
		var dl time.Time
		dl, err = a.leases.Renew(id, worker, durationParam(r, "ttl", 5*time.Second, a.maxTTL))
		if err == nil {
			writeJSON(w, http.StatusOK, map[string]time.Time{"deadline": dl})
			return
		}
	case "ack":
		err = a.leases.Complete(id, worker)
	case "nack":
		var body struct {
			Reason string `json:"reason"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		err = a.leases.Fail(id, worker, body.Reason)
	default:
		http.NotFound(w, r)
		return
	}
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, errUnknownLease):
		http.Error(w, err.Error(), http.StatusGone)
	default:
		http.Error(w, err.Error(), http.StatusConflict)
	}
}

func (a *queueAPI) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Queue  queueStats `json:"queue"`
		Leases leaseStats `json:"leases"`
	}{a.q.stats(), a.leases.stats()})
}

func durationParam(r *http.Request, name string, def, max time.Duration) time.Duration {
	d, err := time.ParseDuration(r.URL.Query().Get(name))
	if err != nil || d <= 0 {
		return def
	}
	if d > max {
		return max
	}
	return d
}

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
