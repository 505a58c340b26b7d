// control-session-ttl (leak-free): a session store starts one
// (*Session).run goroutine per login; it serves the session's messages and
// returns when the session has been idle for its TTL (3 s). Logins rise
// with the load, 10 → 20 → 30 per 2 s, and the snapshots are 2 s apart,
// so the group grows 10 → 30 → 50 while its members outlive a snapshot:
// the sessions of the first snapshot are still there at the second snapshot
// and have expired (their goroutines exited) by the third.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

const ttl = 3 * time.Second

type Session struct {
	ID   int
	msgs chan string
	seen int
}

type Store struct {
	mu       sync.Mutex
	sessions map[int]*Session
	next     int
}

func (st *Store) login() *Session {
	st.mu.Lock()
	st.next++
	s := &Session{ID: st.next, msgs: make(chan string, 1)}
	st.sessions[s.ID] = s
	st.mu.Unlock()
	go s.run(st)
	return s
}

func (s *Session) run(st *Store) {
	idle := time.NewTimer(ttl)
	defer idle.Stop()
	for {
		select {
		case m := <-s.msgs:
			s.seen += len(m)
			if !idle.Stop() {
				<-idle.C
			}
			idle.Reset(ttl)
		case <-idle.C:
			st.mu.Lock()
			delete(st.sessions, s.ID)
			st.mu.Unlock()
			return
		}
	}
}

func main() {
	snap.Start()
	st := &Store{sessions: map[int]*Session{}}
	start := time.Now()
	for k := 1; k <= 3; k++ {
		time.Sleep(time.Until(start.Add(time.Duration(k-1) * 2 * time.Second)))
		for i := 0; i < 10*k; i++ {
			s := st.login()
			s.msgs <- "hello"
		}
		snap.Settle()
		snap.Goroutines(k)
		st.mu.Lock()
		fmt.Printf("snapshot %d at %s: %d sessions\n", k, time.Since(start).Round(10*time.Millisecond), len(st.sessions))
		st.mu.Unlock()
	}
	snap.Finish("control-session-ttl")
}
