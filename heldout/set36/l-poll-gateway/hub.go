package main

import (
	"sort"
	"sync"
	"time"
)

type event struct {
	Topic string    `json:"topic"`
	Seq   uint64    `json:"seq"`
	At    time.Time `json:"at"`
	Data  string    `json:"data"`
}

// topic keeps the recent events of one topic and wakes its waiters on
// every publish by closing the current wake channel.
type topic struct {
	name string
	keep int

	mu     sync.Mutex
	seq    uint64
	recent []event
	wake   chan struct{}
}

func (t *topic) publish(data string) uint64 {
	t.mu.Lock()
	t.seq++
	t.recent = append(t.recent, event{Topic: t.name, Seq: t.seq, At: time.Now(), Data: data})
	if len(t.recent) > t.keep {
		t.recent = append(t.recent[:0:0], t.recent[len(t.recent)-t.keep:]...)
	}
	close(t.wake)
	t.wake = make(chan struct{})
	seq := t.seq
	t.mu.Unlock()
	return seq
}

// since returns the events after cursor, or, if there are none yet, the
// channel that is closed at the next publish.
func (t *topic) since(cursor uint64) ([]event, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cursor >= t.seq {
		return nil, t.wake
	}
	i := sort.Search(len(t.recent), func(i int) bool { return t.recent[i].Seq > cursor })
	out := make([]event, len(t.recent)-i)
	copy(out, t.recent[i:])
	return out, nil
}

func (t *topic) trimBefore(cut time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := sort.Search(len(t.recent), func(i int) bool { return !t.recent[i].At.Before(cut) })
	if i > 0 {
		t.recent = append(t.recent[:0:0], t.recent[i:]...)
	}
	return i
}

type hub struct {
	keep int

	mu     sync.RWMutex
	topics map[string]*topic
}

func newHub(keep int) *hub {
	return &hub{keep: keep, topics: make(map[string]*topic)}
}

func (h *hub) topic(name string) *topic {
	h.mu.RLock()
	t, ok := h.topics[name]
	h.mu.RUnlock()
	if ok {
		return t
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t, ok = h.topics[name]; !ok {
		t = &topic{name: name, keep: h.keep, wake: make(chan struct{})}
		h.topics[name] = t
	}
	return t
}

func (h *hub) snapshot() []*topic {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*topic, 0, len(h.topics))
	for _, t := range h.topics {
		out = append(out, t)
	}
	return out
}

// leaseTable holds the session leases the gateway has granted; each entry
// removes itself when its TTL runs out.
type leaseTable struct {
	mu     sync.Mutex
	seq    int
	leases map[string]*time.Timer
}

func newLeaseTable() *leaseTable { return &leaseTable{leases: make(map[string]*time.Timer)} }

func (lt *leaseTable) grant(ttl time.Duration) string {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	lt.seq++
	id := "sess-" + itoa(lt.seq)
	lt.leases[id] = time.AfterFunc(ttl+5*time.Second, func() { lt.drop(id) })
	return id
}

func (lt *leaseTable) drop(id string) {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	if t, ok := lt.leases[id]; ok {
		t.Stop()
		delete(lt.leases, id)
	}
}

func (lt *leaseTable) valid(id string) bool {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	_, ok := lt.leases[id]
	return ok
}

func (lt *leaseTable) count() int {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return len(lt.leases)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
