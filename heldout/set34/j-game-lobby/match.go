package main

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

var errMatchOver = errors.New("match is over")

type seat struct {
	player string
	rating float64
	result string // "", "win", "loss", "forfeit"
}

type report struct {
	player string
	result string
}

// A match runs until every seat has reported or its time limit is reached,
// whichever comes first. The limit timer is armed when the match is made.
type match struct {
	id       string
	mode     *modeSpec
	started  time.Time
	deadline time.Time
	limit    *time.Timer

	reports chan report
	over    chan struct{}

	mu      sync.Mutex
	seats   map[string]*seat
	outcome string
	ended   time.Time
}

func newMatch(id string, mode *modeSpec, group []*ticket) *match {
	now := time.Now()
	m := &match{
		id:       id,
		mode:     mode,
		started:  now,
		deadline: now.Add(mode.timeLimit),
		limit:    time.NewTimer(mode.timeLimit),
		reports:  make(chan report),
		over:     make(chan struct{}),
		seats:    make(map[string]*seat, len(group)),
	}
	for _, t := range group {
		m.seats[t.player] = &seat{player: t.player, rating: t.rating}
	}
	return m
}

func (m *match) run(mm *matchmaker) {
	defer m.limit.Stop()
	pending := len(m.seats)
	for pending > 0 {
		select {
		case r := <-m.reports:
			if m.record(r) {
				pending--
			}
		case <-m.limit.C:
			mm.matchTimeouts.Add(1)
			m.finish("time limit")
			return
		}
	}
	mm.completed.Add(1)
	m.finish("complete")
}

func (m *match) record(r report) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.seats[r.player]
	if !ok || s.result != "" {
		return false
	}
	s.result = r.result
	return true
}

func (m *match) finish(outcome string) {
	m.mu.Lock()
	m.outcome = outcome
	m.ended = time.Now()
	m.mu.Unlock()
	close(m.over)
}

func (m *match) endedAt() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ended, !m.ended.IsZero()
}

// submit hands a player's report to the match's run loop.
func (m *match) submit(ctx context.Context, r report) error {
	select {
	case m.reports <- r:
		return nil
	case <-m.over:
		return errMatchOver
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitOver blocks until the match is over, giving up a little after the
// match's own deadline in case the caller's context has none.
func (m *match) waitOver(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithDeadline(ctx, m.deadline.Add(5*time.Second))
	defer cancel()
	select {
	case <-m.over:
		return true, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

type scoreboard struct {
	Match   string            `json:"match"`
	Mode    string            `json:"mode"`
	Outcome string            `json:"outcome,omitempty"`
	Seconds float64           `json:"seconds"`
	Results map[string]string `json:"results"`
	Roster  []string          `json:"roster"`
}

func (m *match) board() scoreboard {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := scoreboard{Match: m.id, Mode: m.mode.name, Outcome: m.outcome, Results: map[string]string{}}
	end := m.ended
	if end.IsZero() {
		end = time.Now()
	}
	b.Seconds = end.Sub(m.started).Seconds()
	for name, s := range m.seats {
		b.Roster = append(b.Roster, name)
		if s.result != "" {
			b.Results[name] = s.result
		}
	}
	sort.Strings(b.Roster)
	return b
}
