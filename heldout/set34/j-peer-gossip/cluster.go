package main

import (
	"context"
	"fmt"
	"log"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// fabric simulates the network between the in-process agents: a little
// background loss on every path, stalled processes (long GC pauses,
// SIGSTOP) and degraded links.
type fabric struct {
	baseLoss int // per mille, every packet

	mu     sync.RWMutex
	stalls map[string]bool
	loss   map[string]int // percent of packets lost on the node's link
}

func newFabric(baseLoss int) *fabric {
	return &fabric{baseLoss: baseLoss, stalls: make(map[string]bool), loss: make(map[string]int)}
}

func (f *fabric) paused(node string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.stalls[node]
}

func (f *fabric) drop(from, to string) bool {
	f.mu.RLock()
	stalled := f.stalls[from] || f.stalls[to]
	loss := f.loss[from] + f.loss[to]
	f.mu.RUnlock()
	if stalled || (loss > 0 && randIntn(100) < loss) {
		return true
	}
	return f.baseLoss > 0 && randIntn(1000) < f.baseLoss
}

func (f *fabric) setStall(node string, on bool) {
	f.mu.Lock()
	if on {
		f.stalls[node] = true
	} else {
		delete(f.stalls, node)
	}
	f.mu.Unlock()
}

func (f *fabric) setLoss(node string, pct int) {
	f.mu.Lock()
	if pct > 0 {
		f.loss[node] = pct
	} else {
		delete(f.loss, node)
	}
	f.mu.Unlock()
}

// cluster runs the agents of one gossip cluster in this process: the
// seed, a fleet that scales out over the run, and a chaos loop that
// stalls, degrades, kills and restarts members.
type cluster struct {
	cfg  Config
	fab  *fabric
	seed *Agent

	mu     sync.Mutex
	agents map[string]*Agent
	down   map[string]bool
	nextID int

	onJoin func(name string)

	restarts int64
}

func newCluster(cfg Config) *cluster {
	return &cluster{
		cfg:    cfg,
		fab:    newFabric(8),
		agents: make(map[string]*Agent),
		down:   make(map[string]bool),
	}
}

func (c *cluster) bootstrap(ctx context.Context) error {
	seed, err := newAgent(ctx, "node-00", c.cfg, c.fab)
	if err != nil {
		return err
	}
	seed.start("", "")
	c.seed = seed
	c.mu.Lock()
	c.agents[seed.name] = seed
	c.nextID = 1
	c.mu.Unlock()
	return nil
}

// launch starts (or restarts) the agent called name and joins it to the
// cluster through the seed.
func (c *cluster) launch(ctx context.Context, name string) error {
	a, err := newAgent(ctx, name, c.cfg, c.fab)
	if err != nil {
		return err
	}
	a.start(c.seed.name, c.seed.addr)
	c.mu.Lock()
	_, known := c.agents[name]
	c.agents[name] = a
	delete(c.down, name)
	c.mu.Unlock()
	if !known && c.onJoin != nil {
		c.onJoin(name)
	}
	return nil
}

func (c *cluster) scaleOut(ctx context.Context) {
	for i := 0; i < 5; i++ {
		c.addNode(ctx)
	}
	for c.size() < 26 && sleepCtx(ctx, jitter(4*time.Second, 7*time.Second)) {
		c.addNode(ctx)
	}
}

func (c *cluster) addNode(ctx context.Context) {
	c.mu.Lock()
	name := fmt.Sprintf("node-%02d", c.nextID)
	c.nextID++
	c.mu.Unlock()
	if err := c.launch(ctx, name); err != nil {
		log.Printf("launch %s: %v", name, err)
	}
}

func (c *cluster) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.agents)
}

// victim picks a running member other than the seed.
func (c *cluster) victim() *Agent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for n := range c.agents {
		if n != c.seed.name && !c.down[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	return c.agents[names[randIntn(len(names))]]
}

// chaos keeps the failure detector busy.
func (c *cluster) chaos(ctx context.Context) {
	for sleepCtx(ctx, jitter(9*time.Second, 15*time.Second)) {
		v := c.victim()
		if v == nil {
			continue
		}
		switch r := randIntn(100); {
		case r < 40:
			pct := 10 + randIntn(15)
			d := jitter(6*time.Second, 12*time.Second)
			log.Printf("chaos: %s link loses %d%% for %s", v.name, pct, d.Round(time.Second))
			c.fab.setLoss(v.name, pct)
			go c.after(ctx, d, func() { c.fab.setLoss(v.name, 0) })
		case r < 65:
			d := jitter(3*time.Second, 8*time.Second)
			log.Printf("chaos: %s stalls for %s", v.name, d.Round(time.Second))
			c.fab.setStall(v.name, true)
			go c.after(ctx, d, func() { c.fab.setStall(v.name, false) })
		case r < 88:
			log.Printf("chaos: %s crashes", v.name)
			c.markDown(v.name)
			v.crash()
			go c.restartLater(ctx, v.name, jitter(15*time.Second, 35*time.Second))
		default:
			log.Printf("chaos: %s leaves for maintenance", v.name)
			c.markDown(v.name)
			v.leave()
			go c.restartLater(ctx, v.name, jitter(20*time.Second, 40*time.Second))
		}
	}
}

func (c *cluster) markDown(name string) {
	c.mu.Lock()
	c.down[name] = true
	c.mu.Unlock()
}

// after runs fn once d has passed (unless the cluster is shutting down).
func (c *cluster) after(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		fn()
	case <-ctx.Done():
	}
}

// restartLater brings a crashed or departed member back, as its
// supervisor would after a restart back-off.
func (c *cluster) restartLater(ctx context.Context, name string, d time.Duration) {
	if !sleepCtx(ctx, d) {
		return
	}
	atomic.AddInt64(&c.restarts, 1)
	if err := c.launch(ctx, name); err != nil {
		log.Printf("restart %s: %v", name, err)
	}
}

func (c *cluster) report(ctx context.Context, every time.Duration) {
	for sleepCtx(ctx, every) {
		c.mu.Lock()
		var st agentStats
		for _, a := range c.agents {
			st.probes += atomic.LoadInt64(&a.stats.probes)
			st.indirectOK += atomic.LoadInt64(&a.stats.indirectOK)
			st.suspected += atomic.LoadInt64(&a.stats.suspected)
			st.declared += atomic.LoadInt64(&a.stats.declared)
			st.refuted += atomic.LoadInt64(&a.stats.refuted)
		}
		n, down := len(c.agents), len(c.down)
		c.mu.Unlock()
		alive, suspect, dead := c.seed.members.counts()
		log.Printf("cluster: agents=%d down=%d seed view alive=%d suspect=%d dead=%d | probes=%d indirect-ok=%d suspected=%d declared=%d refuted=%d restarts=%d",
			n, down, alive, suspect, dead, st.probes, st.indirectOK, st.suspected, st.declared, st.refuted, atomic.LoadInt64(&c.restarts))
	}
}
