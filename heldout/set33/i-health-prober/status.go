package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"sort"
	"sync"
	"time"
)

type targetStatus struct {
	Name    string    `json:"name"`
	State   string    `json:"state"` // "unknown", "up", "down"
	Since   time.Time `json:"since"`
	LastErr string    `json:"last_error,omitempty"`
	Flips   int       `json:"flips"`

	changed chan struct{}
	removed bool
}

type stateChange struct {
	Name string    `json:"name"`
	From string    `json:"from"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
	Err  string    `json:"error,omitempty"`
}

// statusBoard holds the latest state of every target. Clients can wait for
// a target to leave a given state; state changes also go to the notifier.
type statusBoard struct {
	mu      sync.Mutex
	targets map[string]*targetStatus
	events  chan stateChange
	dropped int
}

var errNoTarget = errors.New("no such target")

func newStatusBoard() *statusBoard {
	return &statusBoard{targets: make(map[string]*targetStatus), events: make(chan stateChange, 128)}
}

func (b *statusBoard) ensure(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.targets[name]; !ok {
		b.targets[name] = &targetStatus{Name: name, State: "unknown", Since: time.Now(), changed: make(chan struct{})}
	}
}

func (b *statusBoard) remove(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if st, ok := b.targets[name]; ok {
		st.removed = true
		close(st.changed)
		delete(b.targets, name)
	}
}

func (b *statusBoard) record(name string, err error) {
	state, msg := "up", ""
	if err != nil {
		state, msg = "down", err.Error()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.targets[name]
	if !ok {
		return
	}
	st.LastErr = msg
	if st.State == state {
		return
	}
	ev := stateChange{Name: name, From: st.State, To: state, At: time.Now(), Err: msg}
	st.State, st.Since = state, ev.At
	st.Flips++
	close(st.changed)
	st.changed = make(chan struct{})
	select {
	case b.events <- ev:
	default:
		b.dropped++
	}
}

// waitLeave blocks until target name is no longer in state have, or until
// ctx is done (the caller's long-poll deadline). timedOut reports the
// latter.
func (b *statusBoard) waitLeave(ctx context.Context, name, have string) (st targetStatus, timedOut bool, err error) {
	b.mu.Lock()
	cur, ok := b.targets[name]
	if !ok {
		b.mu.Unlock()
		return targetStatus{}, false, errNoTarget
	}
	if cur.State != have {
		st = *cur
		b.mu.Unlock()
		return st, false, nil
	}
	ch := cur.changed
	b.mu.Unlock()

	select {
	case <-ch:
	case <-ctx.Done():
		timedOut = true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if cur.removed {
		return targetStatus{}, false, errNoTarget
	}
	return *cur, timedOut, nil
}

func (b *statusBoard) list() []targetStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]targetStatus, 0, len(b.targets))
	for _, st := range b.targets {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (b *statusBoard) names() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.targets))
	for n := range b.targets {
		out = append(out, n)
	}
	return out
}

// notifier batches state changes and posts them to the alerting webhook,
// flushing when a batch is full or a few seconds after its first event.
type notifier struct {
	url    string
	client *http.Client
	batch  int
	linger time.Duration
}

func (n *notifier) run(ctx context.Context, events <-chan stateChange) {
	var pending []stateChange
	var flush <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			pending = append(pending, ev)
			if flush == nil {
				flush = time.After(n.linger)
			}
			if len(pending) < n.batch {
				continue
			}
		case <-flush:
		}
		n.post(ctx, pending)
		pending, flush = nil, nil
	}
}

func (n *notifier) post(ctx context.Context, batch []stateChange) {
	body, _ := json.Marshal(batch)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		log.Printf("notifier: %d events not delivered: %v", len(batch), err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// alertSink stands in for the alerting system; it is sometimes slow.
func alertSink(w http.ResponseWriter, r *http.Request) {
	var batch []stateChange
	json.NewDecoder(r.Body).Decode(&batch)
	select {
	case <-time.After(time.Duration(20+randIntn(randIntn(3000)+1)) * time.Millisecond):
	case <-r.Context().Done():
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
