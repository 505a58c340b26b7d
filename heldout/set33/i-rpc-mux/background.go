package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"sync"
	"time"
)

// shardSyncer tails one shard of the store and ships its keys to the
// search index (simulated), scanning over the shared RPC connection.
type shardSyncer struct {
	shard int
	rpc   *Mux
	every time.Duration

	mu       sync.Mutex
	synced   int
	failures int
}

func (s *shardSyncer) run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.syncOnce(ctx); err != nil {
			s.mu.Lock()
			s.failures++
			n := s.failures
			s.mu.Unlock()
			if errors.Is(err, ErrMuxClosed) {
				return
			}
			if n%10 == 1 {
				log.Printf("syncer %d: %v (%d failures)", s.shard, err, n)
			}
		}
	}
}

func (s *shardSyncer) syncOnce(ctx context.Context) error {
	body, _ := json.Marshal(kvRequest{Shard: s.shard, Limit: 200})
	out, err := s.rpc.Call(ctx, "kv.scan", body)
	if err != nil {
		return err
	}
	var resp kvResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return err
	}
	s.mu.Lock()
	s.synced += len(resp.Keys)
	s.mu.Unlock()
	return nil
}

// syncFleet starts a syncer for the first shards and brings another shard
// under sync every 8-12 s, as the index is rolled out shard by shard.
func syncFleet(ctx context.Context, rpc *Mux, first, total int) {
	var wg sync.WaitGroup
	start := func(shard int) {
		s := &shardSyncer{shard: shard, rpc: rpc, every: jitter(450*time.Millisecond, 750*time.Millisecond)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx)
		}()
	}
	n := 0
	for ; n < first; n++ {
		start(n)
	}
	for ; n < total; n++ {
		if !pause(ctx, jitter(8*time.Second, 12*time.Second)) {
			break
		}
		start(n)
		log.Printf("syncers: shard %d under sync", n)
	}
	wg.Wait()
}

// heartbeat pings the server every second with a short deadline of its
// own and reports when the connection looks unhealthy.
func heartbeat(ctx context.Context, rpc *Mux) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	misses := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 800*time.Millisecond)
		_, err := rpc.Call(pctx, "sys.ping", []byte("hb"))
		cancel()
		if err != nil {
			misses++
			if errors.Is(err, ErrMuxClosed) {
				return
			}
			if misses%5 == 1 {
				log.Printf("heartbeat: %v", err)
			}
			continue
		}
		misses = 0
	}
}

// counterFlusher persists the front end's request counters every 2 s.
type counterFlusher struct {
	rpc *Mux

	mu     sync.Mutex
	counts map[string]int64
}

func (c *counterFlusher) incr(name string) {
	c.mu.Lock()
	c.counts[name]++
	c.mu.Unlock()
}

func (c *counterFlusher) run(ctx context.Context) {
	for pause(ctx, 2*time.Second) {
		c.mu.Lock()
		snap := make(map[string]int64, len(c.counts))
		for k, v := range c.counts {
			snap[k] = v
		}
		c.mu.Unlock()
		for name, v := range snap {
			fctx, cancel := context.WithTimeout(ctx, time.Second)
			body, _ := json.Marshal(kvRequest{Key: "counter/" + name, Value: v})
			_, err := c.rpc.Call(fctx, "kv.put", body)
			cancel()
			if err != nil {
				break
			}
		}
	}
}

func statsLoop(ctx context.Context, rpc *Mux) {
	for pause(ctx, 10*time.Second) {
		calls, timeouts, orphans, pending := rpc.stats()
		log.Printf("mux: calls=%d timeouts=%d late-replies=%d pending=%d", calls, timeouts, orphans, pending)
	}
}
