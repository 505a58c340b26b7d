package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

var (
	ErrNoSession = errors.New("session: not found")
	ErrExpired   = errors.New("session: expired")
)

type Config struct {
	IdleTTL       time.Duration
	MaxPerUser    int
	LoadTimeout   time.Duration
	OffloadOnIdle bool
}

type Session struct {
	ID      string
	User    string
	Created time.Time

	mu       sync.Mutex
	lastSeen time.Time
	values   map[string]string

	done     chan struct{}
	doneOnce sync.Once
}

func (s *Session) LastSeen() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeen
}

func (s *Session) touch(now time.Time) {
	s.mu.Lock()
	s.lastSeen = now
	s.mu.Unlock()
}

func (s *Session) Set(k, v string) {
	s.mu.Lock()
	if s.values == nil {
		s.values = make(map[string]string)
	}
	s.values[k] = v
	s.mu.Unlock()
}

func (s *Session) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.values))
	for k, v := range s.values {
		out[k] = v
	}
	return out
}

// stop ends the watcher. Safe to call from several removal paths.
func (s *Session) stop() {
	s.doneOnce.Do(func() { close(s.done) })
}

type Stats struct {
	Live, Created, Offloaded, Resumed, ResumeTimeouts, Revoked int64
}

type Store struct {
	cfg   Config
	disk  *diskStore
	audit *auditLog

	mu       sync.RWMutex
	sessions map[string]*Session
	byUser   map[string]map[string]*Session

	created, offloaded, resumed, resumeTimeouts, revoked int64
}

func NewStore(cfg Config, disk *diskStore, audit *auditLog) *Store {
	return &Store{
		cfg:      cfg,
		disk:     disk,
		audit:    audit,
		sessions: make(map[string]*Session),
		byUser:   make(map[string]map[string]*Session),
	}
}

func newSessionID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Create starts a fresh session for user. If the user is already at the
// session cap, their least recently used sessions are revoked.
func (st *Store) Create(user string) *Session {
	now := time.Now()
	s := &Session{
		ID:       newSessionID(),
		User:     user,
		Created:  now,
		lastSeen: now,
		done:     make(chan struct{}),
	}
	st.mu.Lock()
	evicted := st.insertLocked(s)
	st.mu.Unlock()

	for _, old := range evicted {
		old.stop()
		st.disk.Delete(old.ID)
		atomic.AddInt64(&st.revoked, 1)
		st.audit.Record("revoke", old.User, old.ID, "session cap")
	}
	atomic.AddInt64(&st.created, 1)
	st.audit.Record("login", user, s.ID, "")
	go st.watch(s)
	return s
}

func (st *Store) insertLocked(s *Session) (evicted []*Session) {
	st.sessions[s.ID] = s
	m := st.byUser[s.User]
	if m == nil {
		m = make(map[string]*Session)
		st.byUser[s.User] = m
	}
	m[s.ID] = s
	if st.cfg.MaxPerUser <= 0 || len(m) <= st.cfg.MaxPerUser {
		return nil
	}
	all := make([]*Session, 0, len(m))
	for _, o := range m {
		if o != s {
			all = append(all, o)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].LastSeen().Before(all[j].LastSeen()) })
	for len(m) > st.cfg.MaxPerUser && len(all) > 0 {
		o := all[0]
		all = all[1:]
		st.removeLocked(o)
		evicted = append(evicted, o)
	}
	return evicted
}

func (st *Store) removeLocked(s *Session) bool {
	if cur, ok := st.sessions[s.ID]; !ok || cur != s {
		return false
	}
	delete(st.sessions, s.ID)
	if m := st.byUser[s.User]; m != nil {
		delete(m, s.ID)
		if len(m) == 0 {
			delete(st.byUser, s.User)
		}
	}
	return true
}

// watch enforces the idle TTL for one session. It wakes up when the
// session could have gone idle, and re-arms if it was touched meanwhile.
func (st *Store) watch(s *Session) {
	t := time.NewTimer(st.cfg.IdleTTL)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			idle := now.Sub(s.LastSeen())
			if idle < st.cfg.IdleTTL {
				t.Reset(st.cfg.IdleTTL - idle)
				continue
			}
			st.idleOut(s)
			return
		}
	}
}

func (st *Store) idleOut(s *Session) {
	st.mu.Lock()
	removed := st.removeLocked(s)
	st.mu.Unlock()
	if !removed {
		return
	}
	s.stop()
	if st.cfg.OffloadOnIdle {
		st.disk.Save(&record{
			ID:       s.ID,
			User:     s.User,
			Created:  s.Created,
			LastSeen: s.LastSeen(),
			Values:   s.snapshot(),
		})
		atomic.AddInt64(&st.offloaded, 1)
		return
	}
	st.audit.Record("expire", s.User, s.ID, "idle")
}

// Get returns the live session for id, bringing it back from the disk tier
// if it was offloaded. The session is touched.
func (st *Store) Get(id string) (*Session, error) {
	st.mu.RLock()
	s, ok := st.sessions[id]
	st.mu.RUnlock()
	if ok {
		s.touch(time.Now())
		return s, nil
	}
	return st.resume(id)
}

func (st *Store) resume(id string) (*Session, error) {
	rec, err := st.disk.Load(id, st.cfg.LoadTimeout)
	if err != nil {
		if err == errLoadTimeout {
			atomic.AddInt64(&st.resumeTimeouts, 1)
		}
		return nil, err
	}
	if rec == nil {
		return nil, ErrNoSession
	}
	now := time.Now()
	s := &Session{
		ID:       rec.ID,
		User:     rec.User,
		Created:  rec.Created,
		lastSeen: now,
		values:   rec.Values,
		done:     make(chan struct{}),
	}
	st.mu.Lock()
	if cur, ok := st.sessions[id]; ok {
		// Someone else resumed it first.
		st.mu.Unlock()
		cur.touch(now)
		return cur, nil
	}
	evicted := st.insertLocked(s)
	st.mu.Unlock()
	for _, old := range evicted {
		old.stop()
		st.disk.Delete(old.ID)
		atomic.AddInt64(&st.revoked, 1)
	}
	st.disk.Delete(id)
	atomic.AddInt64(&st.resumed, 1)
	st.audit.Record("resume", s.User, s.ID, "")
	go st.watch(s)
	return s, nil
}

// Logout revokes the session wherever it lives.
func (st *Store) Logout(id string) {
	st.mu.Lock()
	s, ok := st.sessions[id]
	if ok {
		st.removeLocked(s)
	}
	st.mu.Unlock()
	if ok {
		s.stop()
		st.audit.Record("logout", s.User, s.ID, "")
	}
	st.disk.Delete(id)
}

func (st *Store) Stats() Stats {
	st.mu.RLock()
	live := len(st.sessions)
	st.mu.RUnlock()
	return Stats{
		Live:           int64(live),
		Created:        atomic.LoadInt64(&st.created),
		Offloaded:      atomic.LoadInt64(&st.offloaded),
		Resumed:        atomic.LoadInt64(&st.resumed),
		ResumeTimeouts: atomic.LoadInt64(&st.resumeTimeouts),
		Revoked:        atomic.LoadInt64(&st.revoked),
	}
}
