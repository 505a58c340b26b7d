package main

import (
	"sort"
	"sync"
	"time"
)

// member is this agent's view of one peer.
type member struct {
	name    string
	addr    string
	state   memberState
	inc     uint64
	since   time.Time
	susp    *suspicion    // set while state == stateSuspect
	changed chan struct{} // closed and replaced on every state change
}

// suspicion is a pending "this peer may be dead": unless it is cleared
// (refuted, confirmed by someone else, peer left) before its timer fires,
// the peer is declared dead.
type suspicion struct {
	inc     uint64
	timer   *time.Timer
	cleared chan struct{}
	once    sync.Once
}

func (s *suspicion) clear() { s.once.Do(func() { close(s.cleared) }) }

type memberRef struct {
	name string
	addr string
	inc  uint64
}

// memberList is the agent's membership table. Every transition goes
// through setLocked so watchers and suspicions see it.
type memberList struct {
	self string

	mu      sync.Mutex
	members map[string]*member
	order   []string // probe order, reshuffled every round
	next    int
	roster  chan struct{} // closed and replaced when a member is added
}

func newMemberList(self string) *memberList {
	return &memberList{self: self, members: make(map[string]*member), roster: make(chan struct{})}
}

// setLocked moves m to state/inc and wakes everyone watching it. A
// pending suspicion is cleared whatever the new state is.
func (ml *memberList) setLocked(m *member, st memberState, inc uint64) {
	if m.susp != nil {
		m.susp.clear()
		m.susp = nil
	}
	m.state, m.inc, m.since = st, inc, time.Now()
	close(m.changed)
	m.changed = make(chan struct{})
}

// apply merges a rumour using the usual incarnation rules and reports
// whether it changed anything (and so should be gossiped on). A new
// suspicion is returned for the caller to arm.
func (ml *memberList) apply(u update) (changed bool, newSusp *suspicion) {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	m := ml.members[u.Node]
	if m == nil {
		if u.State != stateAlive && u.State != stateSuspect {
			return false, nil
		}
		m = &member{name: u.Node, addr: u.Addr, inc: u.Inc, since: time.Now(), changed: make(chan struct{})}
		ml.members[u.Node] = m
		ml.order = append(ml.order, u.Node)
		close(ml.roster)
		ml.roster = make(chan struct{})
		if u.State == stateSuspect {
			m.state = stateSuspect
		}
		return true, nil
	}
	switch u.State {
	case stateAlive:
		if u.Inc <= m.inc {
			return false, nil
		}
		m.addr = u.Addr
		ml.setLocked(m, stateAlive, u.Inc)
		return true, nil
	case stateSuspect:
		if u.Inc < m.inc || m.state != stateAlive {
			return false, nil
		}
		ml.setLocked(m, stateSuspect, u.Inc)
		m.susp = &suspicion{inc: u.Inc, cleared: make(chan struct{})}
		return true, m.susp
	case stateDead, stateLeft:
		if u.Inc < m.inc || m.state == stateDead || m.state == stateLeft {
			return false, nil
		}
		ml.setLocked(m, u.State, u.Inc)
		return true, nil
	}
	return false, nil
}

// nextProbe walks the live members round-robin in a shuffled order, as
// SWIM does, so every peer is probed within one round.
func (ml *memberList) nextProbe() (memberRef, bool) {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	for tries := 0; tries <= len(ml.order); tries++ {
		if ml.next >= len(ml.order) {
			ml.reshuffleLocked()
			if len(ml.order) == 0 {
				return memberRef{}, false
			}
		}
		name := ml.order[ml.next]
		ml.next++
		m := ml.members[name]
		if m != nil && (m.state == stateAlive || m.state == stateSuspect) {
			return memberRef{name: m.name, addr: m.addr, inc: m.inc}, true
		}
	}
	return memberRef{}, false
}

func (ml *memberList) reshuffleLocked() {
	ml.order = ml.order[:0]
	for name := range ml.members {
		ml.order = append(ml.order, name)
	}
	sort.Strings(ml.order)
	for i := len(ml.order) - 1; i > 0; i-- {
		j := randIntn(i + 1)
		ml.order[i], ml.order[j] = ml.order[j], ml.order[i]
	}
	ml.next = 0
}

// randomPeers picks up to k live members other than the excluded ones.
func (ml *memberList) randomPeers(k int, exclude string) []memberRef {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	var cand []memberRef
	for _, m := range ml.members {
		if m.name == exclude || m.state != stateAlive {
			continue
		}
		cand = append(cand, memberRef{name: m.name, addr: m.addr, inc: m.inc})
	}
	sort.Slice(cand, func(i, j int) bool { return cand[i].name < cand[j].name })
	for i := len(cand) - 1; i > 0; i-- {
		j := randIntn(i + 1)
		cand[i], cand[j] = cand[j], cand[i]
	}
	if len(cand) > k {
		cand = cand[:k]
	}
	return cand
}

func (ml *memberList) get(name string) (memberRef, memberState, bool) {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	m := ml.members[name]
	if m == nil {
		return memberRef{}, 0, false
	}
	return memberRef{name: m.name, addr: m.addr, inc: m.inc}, m.state, true
}

// watch returns the member's current state and a channel closed at its
// next change; for a member not (or no longer) in the table it reports
// "unknown" and a channel closed when any member is added.
func (ml *memberList) watch(name string) (state string, inc uint64, next <-chan struct{}) {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	m := ml.members[name]
	if m == nil {
		return "unknown", 0, ml.roster
	}
	return m.state.String(), m.inc, m.changed
}

// snapshot is the table as rumours, for a joining peer.
func (ml *memberList) snapshot() []update {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	out := make([]update, 0, len(ml.members))
	for _, m := range ml.members {
		if m.state == stateAlive || m.state == stateSuspect {
			out = append(out, update{Node: m.name, Addr: m.addr, State: m.state, Inc: m.inc})
		}
	}
	return out
}

// reap forgets members that have been dead or gone for longer than ttl.
func (ml *memberList) reap(ttl time.Duration) int {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	n := 0
	for name, m := range ml.members {
		if (m.state == stateDead || m.state == stateLeft) && time.Since(m.since) > ttl {
			close(m.changed)
			delete(ml.members, name)
			n++
		}
	}
	return n
}

func (ml *memberList) counts() (alive, suspect, dead int) {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	for _, m := range ml.members {
		switch m.state {
		case stateAlive:
			alive++
		case stateSuspect:
			suspect++
		default:
			dead++
		}
	}
	return
}

// broadcastQueue holds rumours still to be piggybacked; a newer rumour
// about a node replaces the older one.
type broadcastQueue struct {
	mu    sync.Mutex
	items map[string]*queued
	limit func() int
}

type queued struct {
	u    update
	sent int
}

func newBroadcastQueue(limit func() int) *broadcastQueue {
	return &broadcastQueue{items: make(map[string]*queued), limit: limit}
}

func (q *broadcastQueue) push(u update) {
	q.mu.Lock()
	q.items[u.Node] = &queued{u: u}
	q.mu.Unlock()
}

// take returns up to n rumours, least-sent first, and counts them sent.
func (q *broadcastQueue) take(n int) []update {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil
	}
	all := make([]*queued, 0, len(q.items))
	for _, it := range q.items {
		all = append(all, it)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].sent != all[j].sent {
			return all[i].sent < all[j].sent
		}
		return all[i].u.Node < all[j].u.Node
	})
	if len(all) > n {
		all = all[:n]
	}
	limit := q.limit()
	out := make([]update, 0, len(all))
	for _, it := range all {
		out = append(out, it.u)
		it.sent++
		if it.sent >= limit {
			delete(q.items, it.u.Node)
		}
	}
	return out
}

func (q *broadcastQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
