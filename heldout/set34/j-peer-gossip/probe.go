package main

import (
	"sync/atomic"
	"time"
)

// probeLoop runs one failure-detection round per protocol period.
func (a *Agent) probeLoop() {
	t := time.NewTicker(a.cfg.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-a.ctx.Done():
			return
		}
		if a.fab.paused(a.name) {
			continue
		}
		if m, ok := a.members.nextProbe(); ok {
			a.probeNode(m)
		}
	}
}

// probeNode pings m and waits for its ack; if none comes in time it asks
// a few other members to ping m on its behalf, and suspects m if none of
// them reaches it before the protocol period ends.
func (a *Agent) probeNode(m memberRef) {
	atomic.AddInt64(&a.stats.probes, 1)
	periodEnd := time.Now().Add(a.cfg.ProbeInterval * 9 / 10)

	seq := a.nextSeq()
	ackCh := a.acks.expect(seq)
	defer a.acks.forget(seq)
	a.send(m.name, m.addr, &packet{Kind: msgPing, Seq: seq})
	if a.awaitAck(ackCh, a.cfg.ProbeTimeout) {
		atomic.AddInt64(&a.stats.direct, 1)
		return
	}

	helpers := a.members.randomPeers(a.cfg.IndirectChecks, m.name)
	if len(helpers) == 0 {
		a.suspect(m)
		return
	}
	results := make(chan bool)
	for _, h := range helpers {
		go a.askHelper(h, m, results)
	}

	deadline := time.NewTimer(time.Until(periodEnd))
	defer deadline.Stop()
	for range helpers {
		select {
		case ok := <-results:
			if ok {
				atomic.AddInt64(&a.stats.indirectOK, 1)
				return
			}
		case <-ackCh:
			// The direct ack made it after all.
			atomic.AddInt64(&a.stats.direct, 1)
			return
		case <-deadline.C:
			a.suspect(m)
			return
		case <-a.ctx.Done():
			return
		}
	}
	a.suspect(m)
}

// awaitAck waits up to d for an answer on ch.
func (a *Agent) awaitAck(ch <-chan ackResult, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.ok
	case <-t.C:
		return false
	}
}

// askHelper sends a ping-req for target to helper and reports whether
// the helper reached it.
func (a *Agent) askHelper(helper, target memberRef, results chan<- bool) {
	seq := a.nextSeq()
	ch := a.acks.expect(seq)
	defer a.acks.forget(seq)
	a.send(helper.name, helper.addr, &packet{Kind: msgPingReq, Seq: seq, Target: target.name, TargetAddr: target.addr})
	results <- a.awaitAck(ch, a.cfg.IndirectTimeout)
}

// relayProbe is the helper's side of a ping-req: ping the target with our
// own sequence number and tell the requester whether it answered.
func (a *Agent) relayProbe(req *packet) {
	seq := a.nextSeq()
	ch := a.acks.expect(seq)
	defer a.acks.forget(seq)
	a.send(req.Target, req.TargetAddr, &packet{Kind: msgPing, Seq: seq})

	t := time.NewTimer(a.cfg.ProbeTimeout)
	defer t.Stop()
	select {
	case <-ch:
		a.send(req.From, req.FromAddr, &packet{Kind: msgAck, Seq: req.Seq})
	case <-t.C:
		a.send(req.From, req.FromAddr, &packet{Kind: msgNack, Seq: req.Seq})
	case <-a.ctx.Done():
	}
}
