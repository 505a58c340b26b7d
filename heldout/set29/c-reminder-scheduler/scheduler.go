package main

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

var ErrUnknownReminder = errors.New("reminder: not found")

type Channel int

const (
	Push Channel = iota
	Email
	SMS
)

func (c Channel) String() string {
	switch c {
	case Push:
		return "push"
	case Email:
		return "email"
	default:
		return "sms"
	}
}

type Reminder struct {
	ID      int64
	User    string
	Text    string
	Channel Channel
	Due     time.Time
	Snoozes int

	cancel     chan struct{}
	reschedule chan time.Time
}

// Scheduler keeps one goroutine per pending reminder, parked on a timer
// until the reminder is due. Pending reminders are typically due within
// seconds to a few minutes, so a few hundred parked goroutines is normal.
type Scheduler struct {
	out *deliveryQueue

	mu      sync.Mutex
	pending map[int64]*Reminder
	nextID  int64

	fired, cancelled, moved int64
}

func NewScheduler(out *deliveryQueue) *Scheduler {
	return &Scheduler{out: out, pending: make(map[int64]*Reminder)}
}

// Schedule registers r (User, Text, Channel, Due and Snoozes filled in by
// the caller) and returns it with its ID set.
func (s *Scheduler) Schedule(r *Reminder) *Reminder {
	r.cancel = make(chan struct{})
	r.reschedule = make(chan time.Time, 1)
	s.mu.Lock()
	s.nextID++
	r.ID = s.nextID
	s.pending[r.ID] = r
	s.mu.Unlock()
	go s.wait(r)
	return r
}

func (s *Scheduler) wait(r *Reminder) {
	t := time.NewTimer(time.Until(r.Due))
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			_, ok := s.pending[r.ID]
			delete(s.pending, r.ID)
			s.mu.Unlock()
			if ok {
				atomic.AddInt64(&s.fired, 1)
				s.out.Push(r)
			}
			return
		case due := <-r.reschedule:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(time.Until(due))
		case <-r.cancel:
			return
		}
	}
}

func (s *Scheduler) Cancel(id int64) error {
	s.mu.Lock()
	r, ok := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if !ok {
		return ErrUnknownReminder
	}
	close(r.cancel)
	atomic.AddInt64(&s.cancelled, 1)
	return nil
}

// Move changes the due time of a pending reminder.
func (s *Scheduler) Move(id int64, due time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.pending[id]
	if !ok {
		return ErrUnknownReminder
	}
	// Only the latest move matters; replace anything not yet picked up.
	select {
	case <-r.reschedule:
	default:
	}
	r.reschedule <- due
	atomic.AddInt64(&s.moved, 1)
	return nil
}

// PendingIDs returns up to n ids of pending reminders (for the simulated
// clients that edit or cancel them).
func (s *Scheduler) PendingIDs(n int) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, n)
	for id := range s.pending {
		if len(out) == n {
			break
		}
		out = append(out, id)
	}
	return out
}

func (s *Scheduler) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}
