package main

import (
	"context"
	"sort"
	"sync"
	"time"
)

// presence is what the registry knows about one user. Every visible change
// bumps version and closes changed, waking everyone waiting on it.
type presence struct {
	user     string
	status   string
	devices  map[uint64]string // session id -> device
	lastSeen time.Time
	since    time.Time
	version  uint64
	changed  chan struct{}
}

type presenceView struct {
	User     string    `json:"user"`
	Status   string    `json:"status"`
	Devices  []string  `json:"devices,omitempty"`
	LastSeen time.Time `json:"last_seen"`
	Version  uint64    `json:"version"`
}

type registry struct {
	mu    sync.Mutex
	users map[string]*presence
	clock uint64
}

func newRegistry() *registry {
	return &registry{users: make(map[string]*presence)}
}

func (r *registry) entryLocked(user string) *presence {
	p, ok := r.users[user]
	if !ok {
		p = &presence{
			user:    user,
			status:  "offline",
			devices: make(map[uint64]string),
			changed: make(chan struct{}),
			since:   time.Now(),
		}
		r.users[user] = p
	}
	return p
}

// bumpLocked publishes a change of p to its watchers.
func (r *registry) bumpLocked(p *presence) {
	r.clock++
	p.version = r.clock
	close(p.changed)
	p.changed = make(chan struct{})
}

func (r *registry) online(user string, sid uint64, device string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.entryLocked(user)
	p.devices[sid] = device
	p.lastSeen = time.Now()
	if p.status == "offline" {
		p.status = "online"
		p.since = p.lastSeen
		r.bumpLocked(p)
	}
}

func (r *registry) offline(user string, sid uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.users[user]
	if !ok {
		return
	}
	if _, ok := p.devices[sid]; !ok {
		return
	}
	delete(p.devices, sid)
	if len(p.devices) == 0 {
		p.status = "offline"
		p.since = time.Now()
		r.bumpLocked(p)
	}
}

func (r *registry) touch(user string) {
	r.mu.Lock()
	if p, ok := r.users[user]; ok {
		p.lastSeen = time.Now()
	}
	r.mu.Unlock()
}

func (r *registry) setStatus(user, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.users[user]
	if !ok || len(p.devices) == 0 || p.status == status {
		return
	}
	p.status = status
	p.since = time.Now()
	r.bumpLocked(p)
}

func (p *presence) view() presenceView {
	v := presenceView{User: p.user, Status: p.status, LastSeen: p.lastSeen, Version: p.version}
	for _, d := range p.devices {
		v.Devices = append(v.Devices, d)
	}
	sort.Strings(v.Devices)
	return v
}

// lookup returns the current view of user and the channel that is closed
// on its next change.
func (r *registry) lookup(user string) (presenceView, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.entryLocked(user)
	return p.view(), p.changed
}

// awaitChange blocks until user's presence is newer than since or ctx is
// done. It reports whether a change was seen.
func (r *registry) awaitChange(ctx context.Context, user string, since uint64) (presenceView, bool) {
	for {
		v, changed := r.lookup(user)
		if v.Version > since {
			return v, true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return v, false
		}
	}
}

func (r *registry) list(status string) []presenceView {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]presenceView, 0, len(r.users))
	for _, p := range r.users {
		if status == "" || p.status == status {
			out = append(out, p.view())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].User < out[j].User })
	return out
}

func (r *registry) counts() (online, tracked int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.users {
		if p.status != "offline" {
			online++
		}
	}
	return online, len(r.users)
}

// sweep forgets users that have been offline for longer than retention.
// Their watchers are woken so they re-read the (fresh) entry.
func (r *registry) sweep(ctx context.Context, every, retention time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.mu.Lock()
			for u, p := range r.users {
				if p.status == "offline" && now.Sub(p.since) > retention {
					close(p.changed)
					delete(r.users, u)
				}
			}
			r.mu.Unlock()
		}
	}
}
