package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var errQueueTimeout = errors.New("no match within the maximum queue time")

type ticketState int

const (
	ticketQueued ticketState = iota
	ticketMatched
	ticketWithdrawn
)

// A ticket is one player waiting in a playlist's queue. The expiry timer is
// armed when the ticket is queued; whoever holds the ticket waits on it.
type ticket struct {
	id       uint64
	player   string
	rating   float64
	mode     *modeSpec
	queuedAt time.Time
	expiry   *time.Timer
	matched  chan *match // 1-buffered, filled by the matchmaker under mm.mu
	state    ticketState // guarded by mm.mu
}

func (t *ticket) allowance(now time.Time) float64 {
	return t.mode.spread + t.mode.widen*now.Sub(t.queuedAt).Seconds()
}

type matchmaker struct {
	modes map[string]*modeSpec

	mu      sync.Mutex
	queues  map[string][]*ticket
	matches map[string]*match
	nextID  uint64

	wake chan struct{}

	formed, expiredTickets, matchTimeouts, completed atomic.Int64
}

func newMatchmaker(modes map[string]*modeSpec) *matchmaker {
	return &matchmaker{
		modes:   modes,
		queues:  make(map[string][]*ticket),
		matches: make(map[string]*match),
		wake:    make(chan struct{}, 1),
	}
}

// enqueue puts a player in the queue of mode. The ticket stays at most
// wait (capped by the mode's maximum queue time).
func (mm *matchmaker) enqueue(player string, rating float64, mode *modeSpec, wait time.Duration) *ticket {
	if wait <= 0 || wait > mode.maxQueue {
		wait = mode.maxQueue
	}
	mm.mu.Lock()
	mm.nextID++
	t := &ticket{
		id:       mm.nextID,
		player:   player,
		rating:   rating,
		mode:     mode,
		queuedAt: time.Now(),
		expiry:   time.NewTimer(wait),
		matched:  make(chan *match, 1),
	}
	mm.queues[mode.name] = append(mm.queues[mode.name], t)
	mm.mu.Unlock()

	select {
	case mm.wake <- struct{}{}:
	default:
	}
	return t
}

// await blocks until the ticket is matched, its queue time runs out or the
// caller goes away.
func (mm *matchmaker) await(ctx context.Context, t *ticket) (*match, error) {
	defer t.expiry.Stop()
	select {
	case m := <-t.matched:
		return m, nil
	case <-t.expiry.C:
		if mm.withdraw(t) {
			mm.expiredTickets.Add(1)
			return nil, errQueueTimeout
		}
	case <-ctx.Done():
		if mm.withdraw(t) {
			return nil, ctx.Err()
		}
	}
	// Lost the race against the matchmaker: the match is already in the
	// channel.
	return <-t.matched, nil
}

// withdraw takes a still-queued ticket out of its queue. It reports false
// when the ticket was matched first.
func (mm *matchmaker) withdraw(t *ticket) bool {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if t.state != ticketQueued {
		return false
	}
	t.state = ticketWithdrawn
	q := mm.queues[t.mode.name]
	for i, x := range q {
		if x == t {
			mm.queues[t.mode.name] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	return true
}

func (mm *matchmaker) lookup(id string) *match {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.matches[id]
}

// loop forms matches whenever somebody joins and at least twice a second
// (allowances widen with time, so a queue that could not match a moment
// ago may match now).
func (mm *matchmaker) loop(ctx context.Context) {
	tk := time.NewTicker(500 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		case <-mm.wake:
		}
		for _, name := range []string{"duel", "squad", "ranked", "raid"} {
			mm.formMatches(mm.modes[name])
		}
	}
}

func (mm *matchmaker) formMatches(mode *modeSpec) {
	now := time.Now()
	var started []*match

	mm.mu.Lock()
	q := mm.queues[mode.name]
	if len(q) >= mode.teamSize {
		sort.Slice(q, func(i, j int) bool { return q[i].rating < q[j].rating })
		var rest []*ticket
		i := 0
		for i < len(q) {
			if i+mode.teamSize > len(q) {
				rest = append(rest, q[i:]...)
				break
			}
			group := q[i : i+mode.teamSize]
			if fits(group, now) {
				m := mm.newMatchLocked(mode, group)
				for _, t := range group {
					t.state = ticketMatched
					t.matched <- m
				}
				started = append(started, m)
				i += mode.teamSize
				continue
			}
			rest = append(rest, q[i])
			i++
		}
		mm.queues[mode.name] = rest
	}
	mm.mu.Unlock()

	for _, m := range started {
		mm.formed.Add(1)
		go m.run(mm)
	}
}

func fits(group []*ticket, now time.Time) bool {
	lo, hi := group[0].rating, group[len(group)-1].rating
	for _, t := range group {
		if hi-lo > t.allowance(now) {
			return false
		}
	}
	return true
}

func (mm *matchmaker) newMatchLocked(mode *modeSpec, group []*ticket) *match {
	mm.nextID++
	id := fmt.Sprintf("%s-%05d", mode.name, mm.nextID)
	m := newMatch(id, mode, group)
	mm.matches[id] = m
	return m
}

// janitor drops finished matches once late pollers have had their chance
// to read the result.
func (mm *matchmaker) janitor(ctx context.Context) {
	const linger = 20 * time.Second
	tk := time.NewTicker(5 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		mm.mu.Lock()
		for id, m := range mm.matches {
			if end, ok := m.endedAt(); ok && time.Since(end) > linger {
				delete(mm.matches, id)
			}
		}
		mm.mu.Unlock()
	}
}

type lobbySnapshot struct {
	queued                                map[string]int
	live                                  int
	formed, expiredTickets, matchTimeouts int64
}

func (mm *matchmaker) snapshot() lobbySnapshot {
	s := lobbySnapshot{queued: map[string]int{}}
	mm.mu.Lock()
	for name, q := range mm.queues {
		s.queued[name] = len(q)
	}
	for _, m := range mm.matches {
		if _, ok := m.endedAt(); !ok {
			s.live++
		}
	}
	mm.mu.Unlock()
	s.formed = mm.formed.Load()
	s.expiredTickets = mm.expiredTickets.Load()
	s.matchTimeouts = mm.matchTimeouts.Load()
	return s
}
