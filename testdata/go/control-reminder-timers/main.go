// control-reminder-timers (leak-free): a scheduler starts one goroutine per
// reminder, which waits in a select for its due time or its cancellation
// and then fires or returns. Reminders are due 3 s to a minute after they
// are set, so most of them outlive several snapshots, and more are set as
// the load rises (10, 15, 20 per snapshot, 2 s apart): the group grows
// 10 → 25 → 42 with its ids surviving, as a leak's would, but the three
// reminders of the first batch due within 4 s fire, and their goroutines
// exit, before the third snapshot.
package main

import (
	"fmt"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type Reminder struct {
	ID     int
	User   string
	Due    time.Time
	cancel chan struct{}
}

type Scheduler struct {
	mu      sync.Mutex
	pending map[int]*Reminder
	fired   int
	next    int
}

func (s *Scheduler) Add(user string, in time.Duration) *Reminder {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	r := &Reminder{ID: s.next, User: user, Due: time.Now().Add(in), cancel: make(chan struct{})}
	s.pending[r.ID] = r
	go s.wait(r)
	return r
}

func (s *Scheduler) wait(r *Reminder) {
	t := time.NewTimer(time.Until(r.Due))
	defer t.Stop()
	select {
	case <-t.C:
		s.mu.Lock()
		s.fired++
		delete(s.pending, r.ID)
		s.mu.Unlock()
	case <-r.cancel:
		s.mu.Lock()
		delete(s.pending, r.ID)
		s.mu.Unlock()
	}
}

// dueIn is when the i-th reminder of batch k is due: the first batch
// starts with three short ones, the rest are spread up to a minute.
func dueIn(k, i int) time.Duration {
	if k == 1 && i < 3 {
		return 3*time.Second + time.Duration(i)*300*time.Millisecond
	}
	return 10*time.Second + time.Duration((i*7+k*13)%50)*time.Second
}

func main() {
	snap.Start()
	s := &Scheduler{pending: map[int]*Reminder{}}
	start := time.Now()
	for k := 1; k <= 3; k++ {
		time.Sleep(time.Until(start.Add(time.Duration(k-1) * 2 * time.Second)))
		for i := 0; i < 5+5*k; i++ {
			s.Add(fmt.Sprintf("user-%d", i%7), dueIn(k, i))
		}
		snap.Settle()
		snap.Goroutines(k)
		s.mu.Lock()
		fmt.Printf("snapshot %d at %s: %d pending, %d fired\n", k, time.Since(start).Round(10*time.Millisecond), len(s.pending), s.fired)
		s.mu.Unlock()
	}
	snap.Finish("control-reminder-timers")
}
