package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// envCache is the relay's copy of one environment's flags and the SDK
// sessions that follow it.
type envCache struct {
	name string
	mode string // "watch" (long-poll upstream) or "poll"

	mu      sync.Mutex
	version int
	payload []byte
	subs    map[*sdkSession]struct{}
	retired bool
}

func (c *envCache) current() (int, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, c.payload
}

// update installs a newer flag set and nudges every session.
func (c *envCache) update(version int, payload []byte) bool {
	c.mu.Lock()
	if version <= c.version {
		c.mu.Unlock()
		return false
	}
	c.version, c.payload = version, payload
	subs := make([]*sdkSession, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	c.mu.Unlock()
	for _, s := range subs {
		s.nudge()
	}
	return true
}

func (c *envCache) subscribe(s *sdkSession) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.retired {
		return false
	}
	c.subs[s] = struct{}{}
	return true
}

func (c *envCache) unsubscribe(s *sdkSession) {
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
}

// retire drops the environment: its sessions are closed and SDKs go and
// pick another one.
func (c *envCache) retire() int {
	c.mu.Lock()
	c.retired = true
	subs := c.subs
	c.subs = map[*sdkSession]struct{}{}
	c.mu.Unlock()
	for s := range subs {
		s.close("environment retired")
	}
	return len(subs)
}

type envEntry struct {
	cache  *envCache
	cancel context.CancelFunc
	added  time.Time
}

type relay struct {
	upstream string
	hc       *http.Client

	mu   sync.Mutex
	envs map[string]*envEntry

	syncs, updates, syncErrors, exports, exportFailures atomic.Int64
	sessions, sessionsTotal, pongs, evals               atomic.Int64
}

func newRelay(upstream string, hc *http.Client) *relay {
	return &relay{upstream: upstream, hc: hc, envs: make(map[string]*envEntry)}
}

func (r *relay) lookup(name string) *envCache {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.envs[name]; e != nil {
		return e.cache
	}
	return nil
}

func (r *relay) envNames() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.envs))
	for n := range r.envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// addEnv starts following an environment with its own syncer.
func (r *relay) addEnv(ctx context.Context, name, mode string) {
	cache := &envCache{name: name, mode: mode, subs: make(map[*sdkSession]struct{})}
	sctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.envs[name] = &envEntry{cache: cache, cancel: cancel, added: time.Now()}
	r.mu.Unlock()
	s := &syncer{relay: r, cache: cache, bo: backoff{base: time.Second, max: 20 * time.Second}}
	if mode == "watch" {
		go s.watchLoop(sctx)
	} else {
		s.interval = between(3*time.Second, 9*time.Second)
		go s.pollLoop(sctx)
	}
}

func (r *relay) removeEnv(name string) {
	r.mu.Lock()
	e := r.envs[name]
	delete(r.envs, name)
	r.mu.Unlock()
	if e == nil {
		return
	}
	e.cancel()
	n := e.cache.retire()
	log.Printf("relay: retired %s, closed %d sessions", name, n)
}

// roster grows the set of environments the relay serves: tenant and
// preview environments are added every few seconds, and previews whose
// pull request merged are retired now and then.
func (r *relay) roster(ctx context.Context) {
	for _, n := range []string{"prod-us", "prod-eu", "staging", "canary"} {
		r.addEnv(ctx, n, "watch")
	}
	tick := time.NewTicker(4 * time.Second)
	defer tick.Stop()
	nextRetire := time.Now().Add(between(35*time.Second, 50*time.Second))
	tenants, previews := 0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if len(r.envNames()) < 30 {
			if chance(55) {
				tenants++
				mode := "poll"
				if chance(50) {
					mode = "watch"
				}
				r.addEnv(ctx, fmt.Sprintf("tenant-%02d", tenants), mode)
			} else {
				previews++
				r.addEnv(ctx, fmt.Sprintf("preview-pr%04d", 4100+previews*7), "poll")
			}
		}
		if time.Now().After(nextRetire) {
			r.mu.Lock()
			var oldest string
			var at time.Time
			for n, e := range r.envs {
				if len(n) > 8 && n[:8] == "preview-" && (oldest == "" || e.added.Before(at)) {
					oldest, at = n, e.added
				}
			}
			r.mu.Unlock()
			if oldest != "" {
				r.removeEnv(oldest)
			}
			nextRetire = time.Now().Add(between(30*time.Second, 45*time.Second))
		}
	}
}

// exportLoop archives a snapshot of every environment each round. The
// uploads run in parallel, at most six at a time, each with its own
// deadline; the round ends when the last one does.
func (r *relay) exportLoop(ctx context.Context) {
	tk := time.NewTicker(15 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		start := time.Now()
		names := r.envNames()
		sem := make(chan struct{}, 6)
		var wg sync.WaitGroup
		var failed atomic.Int64
		for _, n := range names {
			cache := r.lookup(n)
			if cache == nil {
				continue
			}
			wg.Add(1)
			go func(c *envCache) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if err := r.exportOne(ctx, c); err != nil {
					failed.Add(1)
				}
			}(cache)
		}
		wg.Wait()
		r.exportFailures.Add(failed.Load())
		log.Printf("relay: exported %d environments in %v (%d failed)", len(names), time.Since(start).Round(time.Millisecond), failed.Load())
	}
}

func (r *relay) exportOne(ctx context.Context, c *envCache) error {
	v, payload := c.current()
	if v == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.upstream+"/v1/archive/"+c.name, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("archive %s: %s", c.name, resp.Status)
	}
	r.exports.Add(1)
	return nil
}
