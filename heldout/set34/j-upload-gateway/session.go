package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

type sessionState int

const (
	stateActive     sessionState = iota // assembler running, chunks flowing
	stateSuspended                      // idle timeout hit, resumable until expiry
	stateCommitting                     // all bytes in, waiting for the object store
	stateComplete
	stateExpired
	stateFailed
)

func (s sessionState) String() string {
	switch s {
	case stateActive:
		return "active"
	case stateSuspended:
		return "suspended"
	case stateCommitting:
		return "committing"
	case stateComplete:
		return "complete"
	case stateExpired:
		return "expired"
	case stateFailed:
		return "failed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

func parseState(s string) (sessionState, bool) {
	for st := stateActive; st <= stateFailed; st++ {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}

func (s sessionState) terminal() bool { return s >= stateComplete }

var (
	errGone         = errors.New("upload session is gone")
	errOffset       = errors.New("chunk offset does not match upload offset")
	errTooLarge     = errors.New("chunk exceeds declared upload size")
	errNotReceiving = errors.New("upload is no longer receiving chunks")
)

type chunk struct {
	offset int64
	data   []byte
	reply  chan chunkResult // buffered(1): the assembler never waits on it
}

type chunkResult struct {
	offset int64 // upload offset after this chunk
	done   bool  // last byte received
	err    error
}

// uploadSession is one resumable upload.
type uploadSession struct {
	ID        string
	Name      string
	Size      int64
	ChunkSize int
	Created   time.Time
	Expires   time.Time

	incoming chan chunk    // read by the assembler only
	done     chan struct{} // closed when the session reaches a terminal state

	mu         sync.Mutex
	state      sessionState
	offset     int64
	version    uint64
	changed    chan struct{} // closed and replaced on every state change
	assembling bool
	offering   int // handlers currently handing a chunk to the assembler
	sum        hash.Hash
	digest     string
	finishedAt time.Time
	reason     string
}

type sessionStatus struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Offset  int64  `json:"offset"`
	Size    int64  `json:"size"`
	Version uint64 `json:"version"`
	Expires string `json:"expires"`
	Digest  string `json:"digest,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func (s *uploadSession) status() sessionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sessionStatus{
		ID: s.ID, State: s.state.String(), Offset: s.offset, Size: s.Size,
		Version: s.version, Expires: s.Expires.UTC().Format(time.RFC3339),
		Digest: s.digest, Reason: s.reason,
	}
}

// bump must be called with s.mu held.
func (s *uploadSession) bump() {
	s.version++
	close(s.changed)
	s.changed = make(chan struct{})
}

// terminate moves the session to a terminal state once.
func (s *uploadSession) terminate(st sessionState, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.terminal() {
		return false
	}
	s.state = st
	s.reason = reason
	s.finishedAt = time.Now()
	s.bump()
	close(s.done)
	return true
}

// beginOffer registers a handler that is about to hand over a chunk and
// reports whether an assembler has to be (re)started for it.
func (s *uploadSession) beginOffer() (start bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateActive, stateSuspended:
	case stateExpired, stateFailed:
		return false, errGone
	default:
		return false, errNotReceiving
	}
	s.offering++
	if !s.assembling {
		s.assembling = true
		if s.state == stateSuspended {
			s.state = stateActive
			s.bump()
		}
		start = true
	}
	return start, nil
}

func (s *uploadSession) endOffer() {
	s.mu.Lock()
	s.offering--
	s.mu.Unlock()
}

// trySuspend parks the session after an idle period, unless a handler is
// in the middle of handing over a chunk.
func (s *uploadSession) trySuspend() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offering > 0 || s.state != stateActive {
		return false
	}
	s.assembling = false
	s.state = stateSuspended
	s.bump()
	return true
}

func (s *uploadSession) apply(c chunk) chunkResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	end := c.offset + int64(len(c.data))
	switch {
	case end <= s.offset && c.offset < s.offset:
		// A retried chunk we already have (the client lost our reply).
		return chunkResult{offset: s.offset}
	case c.offset != s.offset:
		return chunkResult{offset: s.offset, err: errOffset}
	case end > s.Size:
		return chunkResult{offset: s.offset, err: errTooLarge}
	}
	s.sum.Write(c.data)
	s.offset = end
	s.bump()
	if s.offset == s.Size {
		s.digest = hex.EncodeToString(s.sum.Sum(nil))
		s.state = stateCommitting
		s.assembling = false
		return chunkResult{offset: s.offset, done: true}
	}
	return chunkResult{offset: s.offset}
}

// awaitStateChange blocks until the session leaves state from or ctx ends.
func (s *uploadSession) awaitStateChange(ctx context.Context, from sessionState) (sessionStatus, bool) {
	for {
		s.mu.Lock()
		cur, ch := s.state, s.changed
		s.mu.Unlock()
		if cur != from {
			return s.status(), true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s.status(), false
		}
	}
}

type storeConfig struct {
	IdleTimeout  time.Duration
	MinLifetime  time.Duration
	MaxLifetime  time.Duration
	MaxChunkSize int
}

type storeCounters struct {
	created, completed, expired, failed, suspended, resumed, chunks int64
}

type sessionStore struct {
	cfg     storeConfig
	commits *committer

	mu       sync.RWMutex
	sessions map[string]*uploadSession
	seq      int64

	n storeCounters
}

func newSessionStore(cfg storeConfig, commits *committer) *sessionStore {
	return &sessionStore{cfg: cfg, commits: commits, sessions: make(map[string]*uploadSession)}
}

// lifetimeFor scales a session's absolute expiry with its size: big
// uploads get more time, but never more than MaxLifetime.
func (st *sessionStore) lifetimeFor(size int64) time.Duration {
	d := st.cfg.MinLifetime + time.Duration(size/(16<<10))*time.Second
	if d > st.cfg.MaxLifetime {
		d = st.cfg.MaxLifetime
	}
	return d
}

func (st *sessionStore) create(name string, size int64, chunkSize int) *uploadSession {
	if chunkSize <= 0 || chunkSize > st.cfg.MaxChunkSize {
		chunkSize = st.cfg.MaxChunkSize
	}
	now := time.Now()
	lifetime := st.lifetimeFor(size)
	id := fmt.Sprintf("up-%06d-%04x", atomic.AddInt64(&st.seq, 1), randIntn(1<<16))
	s := &uploadSession{
		ID: id, Name: name, Size: size, ChunkSize: chunkSize,
		Created: now, Expires: now.Add(lifetime),
		incoming: make(chan chunk),
		done:     make(chan struct{}),
		changed:  make(chan struct{}),
		sum:      sha256.New(),
	}
	st.mu.Lock()
	st.sessions[id] = s
	st.mu.Unlock()
	atomic.AddInt64(&st.n.created, 1)

	expiry := time.NewTimer(lifetime)
	go st.enforceExpiry(s, expiry)
	return s
}

func (st *sessionStore) get(id string) *uploadSession {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.sessions[id]
}

// enforceExpiry ends the session when its absolute lifetime runs out,
// whatever it is doing; a session that finishes first just stops the timer.
func (st *sessionStore) enforceExpiry(s *uploadSession, expiry *time.Timer) {
	select {
	case <-s.done:
		expiry.Stop()
	case <-expiry.C:
		if s.terminate(stateExpired, "session lifetime exceeded") {
			atomic.AddInt64(&st.n.expired, 1)
		}
	}
}

// offer hands a chunk to the session's assembler, (re)starting it when
// the session was never started or was suspended for being idle.
func (st *sessionStore) offer(ctx context.Context, s *uploadSession, c chunk) (chunkResult, error) {
	start, err := s.beginOffer()
	if err != nil {
		return chunkResult{}, err
	}
	defer s.endOffer()
	if start {
		if s.status().Offset > 0 {
			atomic.AddInt64(&st.n.resumed, 1)
		}
		go st.assemble(s)
	}
	select {
	case s.incoming <- c:
	case <-s.done:
		return chunkResult{}, errGone
	case <-ctx.Done():
		return chunkResult{}, ctx.Err()
	}
	atomic.AddInt64(&st.n.chunks, 1)
	select {
	case res := <-c.reply:
		return res, res.err
	case <-ctx.Done():
		return chunkResult{}, ctx.Err()
	}
}

// assemble receives the chunks of one session in order. It waits at most
// IdleTimeout for the next chunk; after that the session is suspended and
// the next offer starts a fresh assembler.
func (st *sessionStore) assemble(s *uploadSession) {
	idle := time.NewTimer(st.cfg.IdleTimeout)
	defer idle.Stop()
	for {
		select {
		case c := <-s.incoming:
			res := s.apply(c)
			c.reply <- res
			if res.done {
				st.finish(s)
				return
			}
			resetTimer(idle, st.cfg.IdleTimeout)
		case <-idle.C:
			if s.trySuspend() {
				atomic.AddInt64(&st.n.suspended, 1)
				return
			}
			idle.Reset(st.cfg.IdleTimeout)
		case <-s.done:
			return
		}
	}
}

func (st *sessionStore) finish(s *uploadSession) {
	st_ := s.status()
	job := &commitJob{session: s, key: s.Name, digest: st_.Digest, size: s.Size}
	if err := st.commits.submit(job, 5*time.Second); err != nil {
		if s.terminate(stateFailed, "commit queue: "+err.Error()) {
			atomic.AddInt64(&st.n.failed, 1)
		}
	}
}

func (st *sessionStore) commitFinished(job *commitJob, err error) {
	if err != nil {
		if job.session.terminate(stateFailed, err.Error()) {
			atomic.AddInt64(&st.n.failed, 1)
		}
		return
	}
	if job.session.terminate(stateComplete, "") {
		atomic.AddInt64(&st.n.completed, 1)
	}
}

// janitor forgets sessions that have been terminal for longer than keep.
func (st *sessionStore) janitor(ctx context.Context, every, keep time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			var stale []string
			st.mu.RLock()
			for id, s := range st.sessions {
				s.mu.Lock()
				if s.state.terminal() && now.Sub(s.finishedAt) > keep {
					stale = append(stale, id)
				}
				s.mu.Unlock()
			}
			st.mu.RUnlock()
			if len(stale) == 0 {
				continue
			}
			st.mu.Lock()
			for _, id := range stale {
				delete(st.sessions, id)
			}
			st.mu.Unlock()
		}
	}
}

func (st *sessionStore) census() map[string]int {
	out := map[string]int{}
	st.mu.RLock()
	defer st.mu.RUnlock()
	for _, s := range st.sessions {
		s.mu.Lock()
		out[s.state.String()]++
		s.mu.Unlock()
	}
	return out
}

func reportStats(ctx context.Context, every time.Duration, st *sessionStore, c *committer, f *fleet) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			log.Printf("sessions %v created=%d completed=%d expired=%d failed=%d suspended=%d resumed=%d chunks=%d | commits ok=%d retries=%d | clients=%d watchers=%d",
				st.census(), atomic.LoadInt64(&st.n.created), atomic.LoadInt64(&st.n.completed),
				atomic.LoadInt64(&st.n.expired), atomic.LoadInt64(&st.n.failed),
				atomic.LoadInt64(&st.n.suspended), atomic.LoadInt64(&st.n.resumed), atomic.LoadInt64(&st.n.chunks),
				atomic.LoadInt64(&c.ok), atomic.LoadInt64(&c.retries),
				atomic.LoadInt64(&f.active), atomic.LoadInt64(&f.watching))
		}
	}
}
