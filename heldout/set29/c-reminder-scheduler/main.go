// c-reminder-scheduler: the reminders backend of a calendar/todo app.
//
// Every pending reminder is a goroutine parked on a timer until it is due
// (seconds to several minutes out), or until it is cancelled or moved.
// Due reminders go into a sync.Cond-guarded priority queue that one sender
// per channel (push, email, SMS) drains; some get snoozed and come back as
// new reminders. App clients keep notification streams open, each served
// by a goroutine with an idle timeout. A cron loop creates reminders for
// recurring events, an idempotency cache with a janitor dedupes sends, and
// a heartbeat/membership pair tracks the other scheduler nodes.
//
// No goroutine leak: reminder goroutines end when they fire or are
// cancelled, streams end on hangup or idle timeout, the rest are daemons.
// The number of pending reminders climbs for the first few minutes
// because many are due minutes out.
package main

import (
	"fmt"
	"log"
	"math/rand"
	"os"
	"sync/atomic"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()

	logger := log.New(os.Stderr, "reminders ", log.LstdFlags)

	q := newDeliveryQueue()
	sched := NewScheduler(q)
	streams := newStreamHub(20 * time.Second)
	dedupe := newIdemCache()
	go dedupe.janitor(5 * time.Second)

	senders := []*sender{
		{ch: Push, q: q, sched: sched, streams: streams, dedupe: dedupe},
		{ch: Email, q: q, sched: sched, streams: streams, dedupe: dedupe},
		{ch: SMS, q: q, sched: sched, streams: streams, dedupe: dedupe},
	}
	for _, s := range senders {
		go s.run()
	}

	c := newCron(sched)
	go c.run()

	m := newMembership("sched-a", 3*time.Second)
	go m.monitor()
	for _, peer := range []string{"sched-a", "sched-b", "sched-c"} {
		go m.heartbeat(peer, time.Second)
	}

	api := &apiSim{sched: sched, streams: streams, dedupe: dedupe}
	go api.creates()
	go api.edits()
	go api.clients()

	go func() {
		t := time.NewTicker(20 * time.Second)
		defer t.Stop()
		for range t.C {
			var sent, snoozed int64
			for _, s := range senders {
				sent += atomic.LoadInt64(&s.sent)
				snoozed += atomic.LoadInt64(&s.snoozed)
			}
			logger.Printf("pending=%d fired=%d cancelled=%d moved=%d queued=%d sent=%d snoozed=%d streams=%d dedupe=%d peers=%s",
				sched.Pending(), atomic.LoadInt64(&sched.fired), atomic.LoadInt64(&sched.cancelled),
				atomic.LoadInt64(&sched.moved), q.Len(), sent, snoozed, streams.Live(), dedupe.Len(), m.View())
		}
	}()

	select {}
}

type apiSim struct {
	sched   *Scheduler
	streams *streamHub
	dedupe  *idemCache
	reqs    int64
}

func randomUser() string { return fmt.Sprintf("u%03d", rand.Intn(400)) }

var texts = []string{"stand-up", "take meds", "call mom", "pay rent", "water plants", "1:1", "submit timesheet", "gym"}

// creates: users adding reminders. Most are due within a couple of
// minutes, meeting reminders a few minutes out.
func (a *apiSim) creates() {
	for {
		time.Sleep(time.Duration(300+rand.Intn(500)) * time.Millisecond)
		reqID := fmt.Sprintf("req-%d", atomic.AddInt64(&a.reqs, 1))
		if !a.dedupe.Add(reqID, time.Minute) {
			continue
		}
		var in time.Duration
		if rand.Intn(10) == 0 {
			in = time.Duration(180+rand.Intn(180)) * time.Second
		} else {
			in = time.Duration(5+rand.Intn(115)) * time.Second
		}
		a.sched.Schedule(&Reminder{
			User:    randomUser(),
			Text:    texts[rand.Intn(len(texts))],
			Channel: Channel(rand.Intn(3)),
			Due:     time.Now().Add(in),
		})
	}
}

// edits: users cancelling or moving reminders they set earlier.
func (a *apiSim) edits() {
	for {
		time.Sleep(time.Duration(1000+rand.Intn(2000)) * time.Millisecond)
		ids := a.sched.PendingIDs(16)
		if len(ids) == 0 {
			continue
		}
		id := ids[rand.Intn(len(ids))]
		if rand.Intn(2) == 0 {
			a.sched.Cancel(id)
		} else {
			a.sched.Move(id, time.Now().Add(time.Duration(10+rand.Intn(60))*time.Second))
		}
	}
}

// clients: app instances opening notification streams; some hang up on
// their own, the rest are closed by the idle timeout.
func (a *apiSim) clients() {
	for {
		time.Sleep(time.Duration(500+rand.Intn(1500)) * time.Millisecond)
		st := a.streams.Open(randomUser())
		if rand.Intn(2) == 0 {
			time.AfterFunc(time.Duration(2+rand.Intn(30))*time.Second, st.Close)
		}
	}
}
