package main

import (
	"context"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

var lines = []string{"auto", "home", "life", "auto", "home"}

// desk is one broker's workstation. It serves walk-in customers one at a
// time: a full comparison across the carriers, then a rate hold on the
// best price, an underwriting referral followed to its decision, or a
// re-quote a little later when too few carriers answered. Those follow-ups
// outlive the customer's visit; the desk keeps track of them and, when a
// part-time broker's shift ends, waits for all of them before it closes.
type desk struct {
	name  string
	agg   *aggregator
	book  *holdBook
	shift time.Duration // 0: stays for the day

	followUps sync.WaitGroup
	pace      *pacer
	floor     *floor

	served, referrals, requotes atomic.Int64
}

func newDesk(name string, fl *floor, shift time.Duration) *desk {
	return &desk{
		name:  name,
		agg:   fl.agg,
		book:  fl.book,
		floor: fl,
		shift: shift,
		pace:  newPacer(4*time.Second, 11*time.Second),
	}
}

func (d *desk) run(ctx context.Context) {
	var shiftOver <-chan time.Time
	if d.shift > 0 {
		end, release := window(d.shift)
		defer release()
		shiftOver = end
	}
	defer d.pace.Stop()
	n := 0
serving:
	for {
		select {
		case <-ctx.Done():
			return
		case <-shiftOver:
			break serving
		case <-d.pace.C():
		}
		n++
		d.serve(ctx, quoteRequest{
			ID:   fmt.Sprintf("%s-c%d", d.name, n),
			Line: lines[pick(len(lines))],
			Risk: 1 + pick(10),
		})
		d.pace.Next()
	}
	// closing time: the seat goes to the next broker, but the holds and
	// referrals opened at this desk still run to their end
	d.floor.offShift(d)
	d.followUps.Wait()
	d.floor.closed(d)
}

func (d *desk) serve(ctx context.Context, req quoteRequest) {
	qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	cmp, err := d.agg.Quote(qctx, req)
	cancel()
	if err != nil {
		log.Printf("%s: quote %s: %v", d.name, req.ID, err)
		return
	}
	d.served.Add(1)
	quoted, referred := cmp.best()
	switch {
	case referred != nil && (quoted == nil || referred.Premium < quoted.Premium || roll(35)):
		// the best price (or the carrier the customer asked for) needs an
		// underwriter: follow the case
		d.referrals.Add(1)
		d.followUps.Add(1)
		go d.followReferral(ctx, req, *referred)
	case quoted != nil:
		if roll(65) {
			h := d.book.place(req.ID, quoted.Carrier, quoted.Premium, spread(45*time.Second, 80*time.Second))
			d.followUps.Add(1)
			go d.watchHold(h)
		}
	default:
		// nobody could price it right now (outage, declines): call the
		// customer back with a fresh comparison later
		d.requotes.Add(1)
		d.followUps.Add(1)
		go d.requoteLater(ctx, req, spread(40*time.Second, 75*time.Second))
	}
}

// followReferral long-polls the underwriting case until it is decided and
// puts a hold on an approved price. Underwriters answer within two
// minutes; the SLA deadline is the backstop.
func (d *desk) followReferral(ctx context.Context, req quoteRequest, o offer) {
	defer d.followUps.Done()
	sla, release := window(3 * time.Minute)
	defer release()
	rp := retryPolicy{first: time.Second, cap: 8 * time.Second}
	for {
		dec, err := d.agg.pollReferral(ctx, o.Carrier, o.Ref, spread(20*time.Second, 30*time.Second))
		switch {
		case err != nil:
			if !rp.Wait(ctx, 6) {
				return
			}
		case dec.final:
			if dec.outcome == "approved" && roll(80) {
				h := d.book.place(req.ID, o.Carrier, dec.premium, spread(40*time.Second, 70*time.Second))
				d.followUps.Add(1)
				go d.watchHold(h)
			}
			return
		}
		select {
		case <-sla:
			log.Printf("%s: referral %s breached its SLA", d.name, o.Ref)
			return
		case <-ctx.Done():
			return
		default:
		}
	}
}

// watchHold waits for the customer to bind the held price or for the hold
// to lapse.
func (d *desk) watchHold(h *hold) {
	defer d.followUps.Done()
	select {
	case <-h.bound:
		d.book.settle(h, "bound")
	case <-h.expiry.C:
		d.book.settle(h, "lapsed")
	}
}

// requoteLater calls the customer back with a fresh comparison.
func (d *desk) requoteLater(ctx context.Context, req quoteRequest, after time.Duration) {
	defer d.followUps.Done()
	callback := newPacer(after, after+5*time.Second)
	defer callback.Stop()
	select {
	case <-callback.C():
	case <-ctx.Done():
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if cmp, err := d.agg.Quote(qctx, req); err == nil {
		if q, _ := cmp.best(); q != nil && roll(50) {
			h := d.book.place(req.ID+"-cb", q.Carrier, q.Premium, spread(40*time.Second, 70*time.Second))
			d.followUps.Add(1)
			go d.watchHold(h)
		}
	}
}

// floor staffs the desks: the roster grows through the day, part-time
// brokers leave when their shift ends and the floor fills their seat again.
type floor struct {
	agg  *aggregator
	book *holdBook

	mu      sync.Mutex
	open    map[string]*desk
	closing int
	gone    int
	seq     int
}

func (f *floor) staff(ctx context.Context, started time.Time) {
	for {
		target := 4 + int(time.Since(started)/(4*time.Second))
		if target > 30 {
			target = 30
		}
		f.mu.Lock()
		for len(f.open) < target {
			f.seq++
			var shift time.Duration
			if f.seq%3 == 0 {
				shift = spread(25*time.Second, 55*time.Second)
			}
			dk := newDesk(fmt.Sprintf("desk-%02d", f.seq), f, shift)
			f.open[dk.name] = dk
			go dk.run(ctx)
		}
		f.mu.Unlock()
		if pause(ctx, 2*time.Second) != nil {
			return
		}
	}
}

// offShift frees a part-timer's seat when the shift ends.
func (f *floor) offShift(dk *desk) {
	f.mu.Lock()
	delete(f.open, dk.name)
	f.closing++
	f.mu.Unlock()
}

// closed records a desk whose follow-ups have all finished.
func (f *floor) closed(dk *desk) {
	f.mu.Lock()
	f.closing--
	f.gone++
	f.mu.Unlock()
}

func (f *floor) counts() (open, closing, gone int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.open), f.closing, f.gone
}
