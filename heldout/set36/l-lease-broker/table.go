package main

import (
	"context"
	"errors"
	"log"
	"sort"
	"sync"
	"time"
)

var (
	errHeld    = errors.New("lease held")
	errTimeout = errors.New("wait timed out")
	errLost    = errors.New("lease lost")
)

// grant is what a holder gets back and presents on renew/release.
type grant struct {
	name  string
	token uint64
	ttl   time.Duration
}

// expiry is the timer that ends a lease nobody renews. Only the lease's
// watcher goroutine receives from it and re-arms it.
type expiry struct{ t *time.Timer }

func newExpiry(d time.Duration) *expiry  { return &expiry{t: time.NewTimer(d)} }
func (e *expiry) C() <-chan time.Time    { return e.t.C }
func (e *expiry) Extend(d time.Duration) { e.t.Reset(d) }
func (e *expiry) Stop()                  { e.t.Stop() }

type lease struct {
	grant
	owner   string
	expires time.Time
	exp     *expiry
	gone    chan struct{} // closed when released or expired
}

type waiter struct {
	owner string
	ttl   time.Duration
	ch    chan *lease // cap 1: a handoff never blocks the releaser
}

// leaseTable is the broker's state: held leases and FIFO queues of
// acquirers parked on them.
type leaseTable struct {
	mu      sync.Mutex
	leases  map[string]*lease
	queues  map[string][]*waiter
	nextTok uint64

	granted, handoffs, renewed, released, expired, timeouts, checkpoints int
}

func newLeaseTable() *leaseTable {
	return &leaseTable{leases: make(map[string]*lease), queues: make(map[string][]*waiter)}
}

// acquire grants name to owner, parking up to wait behind the current
// holder. wait == 0 means try once.
func (t *leaseTable) acquire(ctx context.Context, name, owner string, ttl, wait time.Duration) (*lease, error) {
	t.mu.Lock()
	if _, held := t.leases[name]; !held && len(t.queues[name]) == 0 {
		l := t.grantLocked(name, owner, ttl)
		t.mu.Unlock()
		return l, nil
	}
	if wait <= 0 {
		t.mu.Unlock()
		return nil, errHeld
	}
	w := &waiter{owner: owner, ttl: ttl, ch: make(chan *lease, 1)}
	t.queues[name] = append(t.queues[name], w)
	t.mu.Unlock()

	dl := newDeadline(wait)
	defer dl.Stop()
	select {
	case l := <-w.ch:
		return l, nil
	case <-dl.Done():
	case <-ctx.Done():
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dequeueLocked(name, w) {
		t.timeouts++
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errTimeout
	}
	// Handed off while we were giving up: the lease is already in w.ch.
	return <-w.ch, nil
}

func (t *leaseTable) dequeueLocked(name string, w *waiter) bool {
	q := t.queues[name]
	for i, x := range q {
		if x == w {
			q = append(q[:i:i], q[i+1:]...)
			if len(q) == 0 {
				delete(t.queues, name)
			} else {
				t.queues[name] = q
			}
			return true
		}
	}
	return false
}

func (t *leaseTable) grantLocked(name, owner string, ttl time.Duration) *lease {
	t.nextTok++
	l := &lease{
		grant:   grant{name: name, token: t.nextTok, ttl: ttl},
		owner:   owner,
		expires: time.Now().Add(ttl),
		exp:     newExpiry(ttl),
		gone:    make(chan struct{}),
	}
	t.leases[name] = l
	t.granted++
	go t.watchExpiry(l)
	return l
}

// watchExpiry ends l when its expiry fires and it has not been renewed
// since; renewals only move l.expires, and the watcher re-arms its timer
// for the remaining time.
func (t *leaseTable) watchExpiry(l *lease) {
	for {
		select {
		case <-l.gone:
			l.exp.Stop()
			return
		case <-l.exp.C():
		}
		t.mu.Lock()
		if t.leases[l.name] != l {
			t.mu.Unlock()
			return
		}
		if rem := time.Until(l.expires); rem > 0 {
			l.exp.Extend(rem)
			t.mu.Unlock()
			continue
		}
		t.expired++
		t.removeLocked(l)
		t.mu.Unlock()
		return
	}
}

// removeLocked ends l and hands the name to the next parked acquirer.
func (t *leaseTable) removeLocked(l *lease) {
	delete(t.leases, l.name)
	close(l.gone)
	q := t.queues[l.name]
	if len(q) == 0 {
		return
	}
	w := q[0]
	if len(q) == 1 {
		delete(t.queues, l.name)
	} else {
		t.queues[l.name] = q[1:]
	}
	t.handoffs++
	w.ch <- t.grantLocked(l.name, w.owner, w.ttl)
}

func (t *leaseTable) lookupLocked(name string, token uint64) (*lease, error) {
	l := t.leases[name]
	if l == nil || l.token != token {
		return nil, errLost
	}
	return l, nil
}

func (t *leaseTable) renew(name string, token uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, err := t.lookupLocked(name, token)
	if err != nil {
		return err
	}
	l.expires = time.Now().Add(l.ttl)
	t.renewed++
	return nil
}

func (t *leaseTable) release(name string, token uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, err := t.lookupLocked(name, token)
	if err != nil {
		return err
	}
	t.released++
	t.removeLocked(l)
	return nil
}

// releaseOwner drops every lease held by a session that went away.
func (t *leaseTable) releaseOwner(owner string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var mine []*lease
	for _, l := range t.leases {
		if l.owner == owner {
			mine = append(mine, l)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].name < mine[j].name })
	for _, l := range mine {
		t.released++
		t.removeLocked(l)
	}
	return len(mine)
}

// watch waits until the current holder of name lets go, or wait passes.
func (t *leaseTable) watch(ctx context.Context, name string, wait time.Duration) string {
	t.mu.Lock()
	l := t.leases[name]
	t.mu.Unlock()
	if l == nil {
		return "FREE"
	}
	select {
	case <-l.gone:
		return "CHANGED"
	case <-after(wait):
		return "TIMEOUT"
	case <-ctx.Done():
		return "TIMEOUT"
	}
}

// checkpointLoop persists the table now and then. The write happens under
// the table lock, and the disk is occasionally slow: renewals queue up
// behind it, and some of them time out on the client side.
func (t *leaseTable) checkpointLoop(ctx context.Context) {
	slowAt := time.Now().Add(between(20*time.Second, 35*time.Second))
	for {
		if sleepCtx(ctx, between(6*time.Second, 12*time.Second)) != nil {
			return
		}
		write := between(40*time.Millisecond, 350*time.Millisecond)
		if time.Now().After(slowAt) {
			write = between(2*time.Second, 3800*time.Millisecond)
			slowAt = time.Now().Add(between(20*time.Second, 35*time.Second))
		}
		t.mu.Lock()
		n := len(t.leases)
		buf := make([]byte, 0, 64*n)
		for name, l := range t.leases {
			buf = append(buf, name...)
			buf = append(buf, l.owner...)
		}
		time.Sleep(write) // fsync of the snapshot, under the lock
		t.checkpoints++
		t.mu.Unlock()
		if write > time.Second {
			log.Printf("table: slow checkpoint of %d leases (%d bytes) took %v", n, len(buf), write.Round(time.Millisecond))
		}
	}
}

type tableStats struct {
	Held, Parked                                                         int
	Granted, Handoffs, Renewed, Released, Expired, Timeouts, Checkpoints int
}

func (t *leaseTable) snapshot() tableStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	parked := 0
	for _, q := range t.queues {
		parked += len(q)
	}
	return tableStats{len(t.leases), parked, t.granted, t.handoffs, t.renewed, t.released, t.expired, t.timeouts, t.checkpoints}
}
