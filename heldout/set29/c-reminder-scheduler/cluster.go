package main

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"time"
)

// cron turns recurring schedules into reminders.
type cron struct {
	sched *Scheduler
	jobs  []recurring
}

type recurring struct {
	name  string
	every time.Duration
	users []string
	next  time.Time
}

func newCron(s *Scheduler) *cron {
	now := time.Now()
	c := &cron{sched: s}
	for i := 0; i < 6; i++ {
		var users []string
		for j := 0; j < 3+rand.Intn(8); j++ {
			users = append(users, randomUser())
		}
		every := time.Duration(15+rand.Intn(30)) * time.Second
		c.jobs = append(c.jobs, recurring{
			name:  fmt.Sprintf("team-%d standup", i),
			every: every,
			users: users,
			next:  now.Add(time.Duration(rand.Int63n(int64(every)))),
		})
	}
	return c
}

func (c *cron) run() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for now := range t.C {
		for i := range c.jobs {
			j := &c.jobs[i]
			if now.Before(j.next) {
				continue
			}
			j.next = j.next.Add(j.every)
			// Remind everyone a bit before the event.
			for _, u := range j.users {
				c.sched.Schedule(&Reminder{
					User:    u,
					Text:    j.name,
					Channel: Push,
					Due:     now.Add(time.Duration(10+rand.Intn(20)) * time.Second),
				})
			}
		}
	}
}

// membership tracks which scheduler nodes are alive, so that reminders of
// dead nodes could be adopted.
type membership struct {
	self    string
	timeout time.Duration
	beats   chan string

	mu   sync.Mutex
	seen map[string]time.Time
	dead map[string]bool
}

func newMembership(self string, timeout time.Duration) *membership {
	return &membership{
		self:    self,
		timeout: timeout,
		beats:   make(chan string, 8),
		seen:    make(map[string]time.Time),
		dead:    make(map[string]bool),
	}
}

// heartbeat is the (simulated) gossip from one node; nodes occasionally
// go quiet for a few seconds.
func (m *membership) heartbeat(node string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if node != m.self && rand.Intn(150) == 0 {
			time.Sleep(time.Duration(3+rand.Intn(5)) * time.Second)
		}
		m.beats <- node
	}
}

func (m *membership) monitor() {
	t := time.NewTicker(m.timeout / 2)
	defer t.Stop()
	for {
		select {
		case node := <-m.beats:
			m.mu.Lock()
			m.seen[node] = time.Now()
			delete(m.dead, node)
			m.mu.Unlock()
		case now := <-t.C:
			m.mu.Lock()
			for node, at := range m.seen {
				if now.Sub(at) > m.timeout {
					m.dead[node] = true
				}
			}
			m.mu.Unlock()
		}
	}
}

func (m *membership) View() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	for node := range m.seen {
		state := "up"
		if m.dead[node] {
			state = "down"
		}
		parts = append(parts, node+":"+state)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
