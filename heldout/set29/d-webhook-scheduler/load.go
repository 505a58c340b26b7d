package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

var eventTypes = []string{"invoice.paid", "invoice.overdue", "subscription.renewing", "trial.ending", "user.signup", "order.shipped", "report.ready"}

// dueIn picks how far out a delivery is scheduled: most go out right away,
// reminders are seconds to minutes out, and a few "trial ending" style
// notices are several minutes away.
func dueIn(event string) time.Duration {
	r := rand.Intn(100)
	switch {
	case event == "trial.ending" || event == "subscription.renewing":
		return time.Duration(60+rand.Intn(240)) * time.Second
	case r < 60:
		return time.Duration(rand.Intn(1500)) * time.Millisecond
	case r < 85:
		return time.Duration(2+rand.Intn(28)) * time.Second
	default:
		return time.Duration(30+rand.Intn(90)) * time.Second
	}
}

type producers struct {
	s       *scheduler
	targets []string
}

// source emits domain events at ratePerSec; each becomes a scheduled
// delivery to one of the subscribed endpoints.
func (p *producers) source(ratePerSec float64, weights []string) {
	for {
		time.Sleep(time.Duration(rand.ExpFloat64() / ratePerSec * float64(time.Second)))
		ev := weights[rand.Intn(len(weights))]
		body, _ := json.Marshal(map[string]interface{}{"type": ev, "account": rand.Intn(5000), "ts": time.Now().Unix()})
		d := &delivery{Endpoint: p.targets[rand.Intn(len(p.targets))], Event: ev, Body: body, Created: time.Now()}
		p.s.Schedule(d, time.Now().Add(dueIn(ev)))
	}
}

// users cancel or snooze reminders that are still parked.
func (p *producers) users() {
	for {
		time.Sleep(time.Duration(400+rand.Intn(1200)) * time.Millisecond)
		id := p.s.pickParked()
		if id == "" {
			continue
		}
		if rand.Intn(3) == 0 {
			p.s.Snooze(id, time.Duration(5+rand.Intn(30))*time.Second)
		} else {
			p.s.Cancel(id)
		}
	}
}

// campaigns: a marketing blast schedules a few hundred deliveries at once,
// all due within the next ten seconds.
func (p *producers) campaigns() {
	for {
		time.Sleep(time.Duration(30+rand.Intn(30)) * time.Second)
		n := 150 + rand.Intn(200)
		now := time.Now()
		for i := 0; i < n; i++ {
			body, _ := json.Marshal(map[string]interface{}{"type": "campaign.sent", "seq": i})
			d := &delivery{Endpoint: p.targets[rand.Intn(len(p.targets))], Event: "campaign.sent", Body: body, Created: now}
			p.s.Schedule(d, now.Add(time.Duration(rand.Intn(10000))*time.Millisecond))
		}
	}
}

// digests posts a summary to every endpoint each interval, all endpoints in
// parallel, and waits for all of them.
func (p *producers) digests(every time.Duration) {
	round := 0
	for range time.Tick(every) {
		round++
		var (
			wg     sync.WaitGroup
			failed int32
		)
		for _, name := range p.targets {
			tg := p.s.targets[name]
			wg.Add(1)
			go func(tg *target) {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				body, _ := json.Marshal(map[string]interface{}{"round": round, "parked": p.s.parked()})
				d := &delivery{ID: fmt.Sprintf("digest-%d-%s", round, tg.ep.name), Endpoint: tg.ep.name, Event: "digest", Body: body, Created: time.Now()}
				if err := p.s.post(ctx, tg, d); err != nil {
					atomic.AddInt32(&failed, 1)
				}
			}(tg)
		}
		wg.Wait()
	}
}
