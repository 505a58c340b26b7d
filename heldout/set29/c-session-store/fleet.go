package main

import (
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// browserFleet simulates the traffic that hits the session store: people
// log in, use the site for a while, wander off, and some come back later
// with their remember-me cookie.
type browserFleet struct {
	store   *Store
	nonces  *nonceCache
	limiter *rateLimiter

	mu      sync.Mutex
	cookies []*cookie
}

type cookie struct {
	sid         string
	user        string
	addr        string
	issued      time.Time
	activeUntil time.Time
}

func newBrowserFleet(st *Store, n *nonceCache, rl *rateLimiter) *browserFleet {
	return &browserFleet{store: st, nonces: n, limiter: rl}
}

func (f *browserFleet) run(id int) {
	for {
		time.Sleep(time.Duration(40+rand.Intn(40)) * time.Millisecond)
		switch r := rand.Intn(100); {
		case r < 7:
			f.login()
		case r < 10:
			f.logout()
		case r < 20:
			f.comeBack()
		default:
			f.click()
		}
	}
}

func (f *browserFleet) login() {
	user := fmt.Sprintf("user%04d", rand.Intn(800))
	addr := fmt.Sprintf("10.%d.%d.%d", rand.Intn(4), rand.Intn(256), rand.Intn(256))
	if !f.limiter.Allow(addr) {
		return
	}
	nonce := f.nonces.Issue()
	if !f.nonces.Consume(nonce) {
		return
	}
	s := f.store.Create(user)
	now := time.Now()
	c := &cookie{
		sid:         s.ID,
		user:        user,
		addr:        addr,
		issued:      now,
		activeUntil: now.Add(time.Duration(2+rand.Intn(14)) * time.Second),
	}
	f.mu.Lock()
	f.cookies = append(f.cookies, c)
	f.mu.Unlock()
}

// restore plays the browsers that still hold remember-me cookies from
// before the service restarted; the sessions themselves are on disk.
func (f *browserFleet) restore(d *diskStore, n int) {
	now := time.Now()
	for i := 0; i < n; i++ {
		user := fmt.Sprintf("user%04d", rand.Intn(800))
		seen := now.Add(-time.Duration(10+rand.Intn(290)) * time.Second)
		id := newSessionID()
		d.Save(&record{
			ID:       id,
			User:     user,
			Created:  seen.Add(-time.Duration(rand.Intn(3600)) * time.Second),
			LastSeen: seen,
			Values:   map[string]string{"last_path": "/"},
		})
		f.cookies = append(f.cookies, &cookie{
			sid:         id,
			user:        user,
			addr:        fmt.Sprintf("10.%d.%d.%d", rand.Intn(4), rand.Intn(256), rand.Intn(256)),
			issued:      seen,
			activeUntil: seen,
		})
	}
}

// pick returns a random cookie of someone using the site right now
// (active) or of someone who left at least awayFor ago.
func (f *browserFleet) pick(active bool) *cookie {
	const awayFor = 6 * time.Second
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.cookies)
	if n == 0 {
		return nil
	}
	for i := 0; i < 8; i++ {
		c := f.cookies[rand.Intn(n)]
		if active && now.Before(c.activeUntil) {
			return c
		}
		if !active && now.Sub(c.activeUntil) > awayFor {
			return c
		}
	}
	return nil
}

func (f *browserFleet) drop(c *cookie) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, o := range f.cookies {
		if o == c {
			f.cookies[i] = f.cookies[len(f.cookies)-1]
			f.cookies = f.cookies[:len(f.cookies)-1]
			return
		}
	}
}

func (f *browserFleet) click() {
	c := f.pick(true)
	if c == nil || !f.limiter.Allow(c.addr) {
		return
	}
	s, err := f.store.Get(c.sid)
	switch err {
	case nil:
		s.Set("last_path", fmt.Sprintf("/p/%d", rand.Intn(50)))
	case ErrNoSession:
		f.drop(c)
	}
}

func (f *browserFleet) comeBack() {
	c := f.pick(false)
	if c == nil || !f.limiter.Allow(c.addr) {
		return
	}
	_, err := f.store.Get(c.sid)
	switch err {
	case nil:
		f.mu.Lock()
		c.activeUntil = time.Now().Add(time.Duration(2+rand.Intn(12)) * time.Second)
		f.mu.Unlock()
	case ErrNoSession:
		f.drop(c)
	default:
		// Timed out; the browser shows an error and the user retries later.
	}
}

func (f *browserFleet) logout() {
	c := f.pick(true)
	if c == nil {
		return
	}
	f.store.Logout(c.sid)
	f.drop(c)
}

// forget drops cookies of people who never come back.
func (f *browserFleet) forget(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for now := range t.C {
		f.mu.Lock()
		kept := f.cookies[:0]
		for _, c := range f.cookies {
			if now.Sub(c.activeUntil) < 4*time.Minute {
				kept = append(kept, c)
			}
		}
		for i := len(kept); i < len(f.cookies); i++ {
			f.cookies[i] = nil
		}
		f.cookies = kept
		f.mu.Unlock()
	}
}
