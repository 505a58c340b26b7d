package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// statusAPI is the seed agent's HTTP endpoint: service-discovery clients
// long-poll it to follow the health of one member.
type statusAPI struct {
	agent *Agent
}

type memberView struct {
	Node  string `json:"node"`
	State string `json:"state"`
	Inc   uint64 `json:"inc"`
}

func (s *statusAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/members", s.handleMembers)
	mux.HandleFunc("/v1/health/watch", s.handleWatch)
	return mux
}

func (s *statusAPI) handleMembers(w http.ResponseWriter, r *http.Request) {
	out := []memberView{}
	for _, u := range s.agent.members.snapshot() {
		out = append(out, memberView{Node: u.Node, State: u.State.String(), Inc: u.Inc})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// handleWatch answers when the member's state or incarnation differs from
// what the caller last saw, or with its unchanged view once wait runs
// out.
func (s *statusAPI) handleWatch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	node := q.Get("node")
	seenInc, _ := strconv.ParseUint(q.Get("inc"), 10, 64)
	seenState := q.Get("state")
	wait, err := time.ParseDuration(q.Get("wait"))
	if err != nil || wait <= 0 || wait > 150*time.Second {
		wait = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()

	for {
		st, inc, changed := s.agent.members.watch(node)
		if st != seenState || inc != seenInc {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(memberView{Node: node, State: st, Inc: inc})
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
}

// healthWatcher is a load balancer's subscription to one member's health.
type healthWatcher struct {
	base string
	node string
	hc   *http.Client
}

func (hw *healthWatcher) run(ctx context.Context) {
	state, inc := "", uint64(0)
	for ctx.Err() == nil {
		wait := jitter(60*time.Second, 120*time.Second)
		v, err := hw.poll(ctx, state, inc, wait)
		if err != nil {
			if !sleepCtx(ctx, jitter(2*time.Second, 5*time.Second)) {
				return
			}
			continue
		}
		if v != nil {
			state, inc = v.State, v.Inc
		}
	}
}

func (hw *healthWatcher) poll(ctx context.Context, state string, inc uint64, wait time.Duration) (*memberView, error) {
	u := fmt.Sprintf("%s/v1/health/watch?node=%s&state=%s&inc=%d&wait=%s",
		hw.base, url.QueryEscape(hw.node), url.QueryEscape(state), inc, wait)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hw.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("watch %s: %s", hw.node, resp.Status)
	}
	var v memberView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, err
	}
	return &v, nil
}
