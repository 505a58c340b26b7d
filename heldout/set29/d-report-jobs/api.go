package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type api struct {
	ctx     context.Context
	q       *queue
	board   *statusBoard
	exports *exportRunner
}

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/jobs", a.submitJob)
	mux.HandleFunc("/v1/jobs/", a.jobStatus)
	mux.HandleFunc("/v1/exports", a.startExport)
	mux.HandleFunc("/v1/exports/", a.exportProgress)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

type submitReq struct {
	Kind    string          `json:"kind"`
	Tenant  string          `json:"tenant"`
	DelayMS int             `json:"delay_ms"`
	Payload json.RawMessage `json:"payload"`
}

func (a *api) submitJob(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var req submitReq
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, ok := a.q.handlers[req.Kind]; !ok {
		http.Error(w, "unknown kind", http.StatusBadRequest)
		return
	}
	if len(a.q.ready) > cap(a.q.ready)*3/4 {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "queue full", http.StatusTooManyRequests)
		return
	}
	j := &Job{Kind: req.Kind, Tenant: req.Tenant, Payload: req.Payload}
	a.q.Submit(j, time.Now().Add(time.Duration(req.DelayMS)*time.Millisecond))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"id": j.ID})
}

func (a *api) jobStatus(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/jobs/")
	st, ok := a.board.get(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

func (a *api) startExport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var req struct {
		Tenant string `json:"tenant"`
		Rows   int    `json:"rows"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&req); err != nil || req.Rows <= 0 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// exports run detached from the request
	j := a.exports.Start(a.ctx, req.Tenant, req.Rows)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]interface{}{"id": j.id, "chunks": j.chunks})
}

// exportProgress long-polls: GET /v1/exports/{id}?since=N returns when more
// than N chunks are done, the export finished, or after 4s.
func (a *api) exportProgress(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/v1/exports/")
	since, _ := strconv.Atoi(r.URL.Query().Get("since"))
	st, ok := a.exports.board.wait(r.Context(), id, since, 4*time.Second)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

// ---- customer webhook endpoint ------------------------------------------------

func startHookReceiver() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		d := time.Duration(5+rand.Intn(35)) * time.Millisecond
		if rand.Intn(50) == 0 {
			d = 700 * time.Millisecond
		}
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		if rand.Intn(14) == 0 {
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 2 * time.Second, IdleTimeout: 30 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/hook", nil
}

// ---- job handlers ---------------------------------------------------------------

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func makeHandlers(hookURL string, client *http.Client) map[string]handlerFunc {
	return map[string]handlerFunc{
		"thumbnail": func(ctx context.Context, j *Job) error {
			if err := sleepCtx(ctx, time.Duration(20+rand.Intn(100))*time.Millisecond); err != nil {
				return err
			}
			switch r := rand.Intn(200); {
			case r == 0:
				return fmt.Errorf("decode image: %w", errPermanent)
			case r < 8:
				return fmt.Errorf("object store: timeout")
			}
			return nil
		},
		"email": func(ctx context.Context, j *Job) error {
			if err := sleepCtx(ctx, time.Duration(10+rand.Intn(40))*time.Millisecond); err != nil {
				return err
			}
			switch r := rand.Intn(100); {
			case r == 0:
				return fmt.Errorf("550 mailbox unavailable: %w", errPermanent)
			case r < 3:
				return fmt.Errorf("421 try again later")
			}
			return nil
		},
		"reindex": func(ctx context.Context, j *Job) error {
			if err := sleepCtx(ctx, time.Duration(100+rand.Intn(300))*time.Millisecond); err != nil {
				return err
			}
			if rand.Intn(10) == 0 {
				return fmt.Errorf("index locked by another writer")
			}
			return nil
		},
		"webhook": func(ctx context.Context, j *Job) error {
			ctx, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
			defer cancel()
			body, _ := json.Marshal(map[string]interface{}{"job": j.ID, "tenant": j.Tenant, "attempt": j.Attempt})
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				return fmt.Errorf("hook: %s", resp.Status)
			}
			if resp.StatusCode >= 400 {
				return fmt.Errorf("hook: %s: %w", resp.Status, errPermanent)
			}
			return nil
		},
	}
}
