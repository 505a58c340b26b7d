package main

import (
	"context"
	"errors"
	"log"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config holds the protocol timings of an agent.
type Config struct {
	ProbeInterval    time.Duration // one protocol period
	ProbeTimeout     time.Duration // direct ping round trip
	IndirectChecks   int           // helpers asked to ping a peer that did not answer
	IndirectTimeout  time.Duration // how long a helper's answer is awaited
	SuspicionTimeout time.Duration
	GossipInterval   time.Duration
	GossipFanout     int
	PiggybackMax     int
	ReapAfter        time.Duration
}

func defaultConfig() Config {
	return Config{
		ProbeInterval:    time.Second,
		ProbeTimeout:     250 * time.Millisecond,
		IndirectChecks:   3,
		IndirectTimeout:  800 * time.Millisecond,
		SuspicionTimeout: 5 * time.Second,
		GossipInterval:   300 * time.Millisecond,
		GossipFanout:     2,
		PiggybackMax:     6,
		ReapAfter:        30 * time.Second,
	}
}

type agentStats struct {
	probes, direct, indirectOK, suspected, declared, refuted int64
}

// Agent is one member of the gossip cluster: it answers pings, probes a
// peer every protocol period (directly, then through helpers), spreads
// membership rumours on every packet and turns unrefuted suspicions into
// deaths.
type Agent struct {
	name string
	cfg  Config
	fab  *fabric

	conn *net.UDPConn
	addr string

	members *memberList
	queue   *broadcastQueue
	acks    *ackRegistry
	seq     uint32

	incMu sync.Mutex
	inc   uint64

	joined   chan struct{}
	joinOnce sync.Once

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	stats  agentStats
}

func newAgent(parent context.Context, name string, cfg Config, fab *fabric) (*Agent, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(parent)
	a := &Agent{
		name:    name,
		cfg:     cfg,
		fab:     fab,
		conn:    conn,
		addr:    conn.LocalAddr().String(),
		members: newMemberList(name),
		acks:    newAckRegistry(),
		inc:     uint64(time.Now().UnixNano() / int64(time.Millisecond)),
		joined:  make(chan struct{}),
		ctx:     ctx,
		cancel:  cancel,
	}
	a.queue = newBroadcastQueue(a.retransmitLimit)
	a.queue.push(a.selfUpdate())
	return a, nil
}

// start runs the agent's loops; seedAddr is empty for the first agent.
func (a *Agent) start(seedName, seedAddr string) {
	a.wg.Add(4)
	go func() { defer a.wg.Done(); a.readLoop() }()
	go func() { defer a.wg.Done(); a.probeLoop() }()
	go func() { defer a.wg.Done(); a.gossipLoop() }()
	go func() { defer a.wg.Done(); a.reapLoop() }()
	if seedAddr == "" {
		a.joinOnce.Do(func() { close(a.joined) })
		return
	}
	go a.joinLoop(seedName, seedAddr)
}

// crash stops the agent without telling anyone.
func (a *Agent) crash() {
	a.cancel()
	a.conn.Close()
	a.wg.Wait()
}

// leave announces a graceful departure, gives it a moment to spread and
// stops.
func (a *Agent) leave() {
	u := update{Node: a.name, Addr: a.addr, State: stateLeft, Inc: a.incarnation()}
	a.queue.push(u)
	for _, p := range a.members.randomPeers(4, "") {
		a.send(p.name, p.addr, &packet{Kind: msgLeave})
	}
	t := time.NewTimer(400 * time.Millisecond)
	select {
	case <-t.C:
	case <-a.ctx.Done():
		t.Stop()
	}
	a.crash()
}

func (a *Agent) incarnation() uint64 {
	a.incMu.Lock()
	defer a.incMu.Unlock()
	return a.inc
}

func (a *Agent) selfUpdate() update {
	return update{Node: a.name, Addr: a.addr, State: stateAlive, Inc: a.incarnation()}
}

// retransmitLimit is the usual lambda*log(n+1) rumour lifetime.
func (a *Agent) retransmitLimit() int {
	alive, suspect, _ := a.members.counts()
	return 3 * int(math.Ceil(math.Log10(float64(alive+suspect+2))))
}

func (a *Agent) nextSeq() uint32 { return atomic.AddUint32(&a.seq, 1) }

// send piggybacks pending rumours on p and sends it to peer, unless the
// simulated network loses it.
func (a *Agent) send(peer, addr string, p *packet) {
	p.From, p.FromAddr = a.name, a.addr
	p.Updates = append(p.Updates, a.queue.take(a.cfg.PiggybackMax)...)
	if a.fab.drop(a.name, peer) {
		return
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return
	}
	b, err := encode(p)
	if err != nil {
		return
	}
	a.conn.WriteToUDP(b, ua)
}

func (a *Agent) readLoop() {
	buf := make([]byte, 64<<10)
	for {
		n, _, err := a.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || a.ctx.Err() != nil {
				return
			}
			continue
		}
		p, err := decode(buf[:n])
		if err != nil {
			continue
		}
		if a.fab.paused(a.name) {
			continue // a stalled process reads nothing
		}
		a.handle(p)
	}
}

func (a *Agent) handle(p *packet) {
	a.mergeAll(p.Updates)
	switch p.Kind {
	case msgPing:
		a.send(p.From, p.FromAddr, &packet{Kind: msgAck, Seq: p.Seq})
	case msgAck:
		a.acks.deliver(p.Seq, ackResult{ok: true, from: p.From})
	case msgNack:
		a.acks.deliver(p.Seq, ackResult{ok: false, from: p.From})
	case msgPingReq:
		go a.relayProbe(p)
	case msgJoin:
		reply := &packet{Kind: msgSync, Updates: append(a.members.snapshot(), a.selfUpdate())}
		a.send(p.From, p.FromAddr, reply)
	case msgSync:
		a.joinOnce.Do(func() { close(a.joined) })
	case msgGossip, msgLeave:
	}
}

// mergeAll applies received rumours; a rumour that we are suspect or
// dead is refuted by bumping our incarnation.
func (a *Agent) mergeAll(us []update) {
	for _, u := range us {
		if u.Node == a.name {
			if u.State == stateSuspect || u.State == stateDead {
				a.refute(u.Inc)
			}
			continue
		}
		changed, s := a.members.apply(u)
		if !changed {
			continue
		}
		a.queue.push(u)
		if s != nil {
			a.armSuspicion(u.Node, s)
		}
	}
}

func (a *Agent) refute(accused uint64) {
	a.incMu.Lock()
	if accused < a.inc {
		a.incMu.Unlock()
		return
	}
	a.inc = accused + 1
	a.incMu.Unlock()
	atomic.AddInt64(&a.stats.refuted, 1)
	a.queue.push(a.selfUpdate())
}

// suspect raises a suspicion about a peer that failed its probe.
func (a *Agent) suspect(m memberRef) {
	u := update{Node: m.name, Addr: m.addr, State: stateSuspect, Inc: m.inc, From: a.name}
	changed, s := a.members.apply(u)
	if !changed {
		return
	}
	atomic.AddInt64(&a.stats.suspected, 1)
	a.queue.push(u)
	if s != nil {
		a.armSuspicion(m.name, s)
	}
}

func (a *Agent) armSuspicion(name string, s *suspicion) {
	s.timer = time.NewTimer(a.cfg.SuspicionTimeout)
	go a.awaitSuspicion(name, s)
}

// awaitSuspicion declares the peer dead unless the suspicion is cleared
// first.
func (a *Agent) awaitSuspicion(name string, s *suspicion) {
	select {
	case <-s.timer.C:
	case <-s.cleared:
		s.timer.Stop()
		return
	case <-a.ctx.Done():
		s.timer.Stop()
		return
	}
	u := update{Node: name, State: stateDead, Inc: s.inc, From: a.name}
	if changed, _ := a.members.apply(u); changed {
		atomic.AddInt64(&a.stats.declared, 1)
		a.queue.push(u)
	}
}

// gossipLoop pushes pending rumours to a few random peers between
// probes, so news does not wait for the next ping.
func (a *Agent) gossipLoop() {
	t := time.NewTicker(a.cfg.GossipInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-a.ctx.Done():
			return
		}
		if a.queue.len() == 0 || a.fab.paused(a.name) {
			continue
		}
		for _, p := range a.members.randomPeers(a.cfg.GossipFanout, "") {
			a.send(p.name, p.addr, &packet{Kind: msgGossip})
		}
	}
}

func (a *Agent) reapLoop() {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.members.reap(a.cfg.ReapAfter)
		case <-a.ctx.Done():
			return
		}
	}
}

// joinLoop contacts the seed until it answers with the member list,
// backing off between attempts.
func (a *Agent) joinLoop(seedName, seedAddr string) {
	wait := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		a.send(seedName, seedAddr, &packet{Kind: msgJoin, Updates: []update{a.selfUpdate()}})
		t := time.NewTimer(wait)
		select {
		case <-a.joined:
			t.Stop()
			return
		case <-a.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if attempt%3 == 0 {
			log.Printf("%s: join via %s: no answer after %d attempts", a.name, seedName, attempt)
		}
		if wait < 8*time.Second {
			wait *= 2
		}
	}
}

// ackResult is an answer to a ping or ping-req.
type ackResult struct {
	ok   bool
	from string
}

// ackRegistry routes acks and nacks to whoever is waiting for that
// sequence number.
type ackRegistry struct {
	mu      sync.Mutex
	waiting map[uint32]chan ackResult
}

func newAckRegistry() *ackRegistry {
	return &ackRegistry{waiting: make(map[uint32]chan ackResult)}
}

func (r *ackRegistry) expect(seq uint32) <-chan ackResult {
	ch := make(chan ackResult, 1)
	r.mu.Lock()
	r.waiting[seq] = ch
	r.mu.Unlock()
	return ch
}

func (r *ackRegistry) forget(seq uint32) {
	r.mu.Lock()
	delete(r.waiting, seq)
	r.mu.Unlock()
}

func (r *ackRegistry) deliver(seq uint32, res ackResult) {
	r.mu.Lock()
	ch := r.waiting[seq]
	r.mu.Unlock()
	if ch == nil {
		return // late answer
	}
	select {
	case ch <- res:
	default:
	}
}
