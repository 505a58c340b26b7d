package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

var errWithdrawn = errors.New("task withdrawn by coordinator")

// agentClient is the agent side of the coordinator API.
type agentClient struct {
	base string
	hc   *http.Client
}

func (ac *agentClient) post(ctx context.Context, path string, q url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ac.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	return ac.hc.Do(req)
}

// lease long-polls for a task; it returns nil, nil when the wait ran out.
func (ac *agentClient) lease(ctx context.Context, agent string, wait time.Duration) (*task, error) {
	resp, err := ac.post(ctx, "/v1/lease", url.Values{"agent": {agent}, "wait": {wait.String()}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent:
		return nil, nil
	case http.StatusOK:
		var t task
		if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
			return nil, err
		}
		return &t, nil
	default:
		io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("lease: %s", resp.Status)
	}
}

func (ac *agentClient) heartbeat(ctx context.Context, id string) error {
	resp, err := ac.post(ctx, "/v1/heartbeat", url.Values{"task": {id}})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusGone || resp.StatusCode == http.StatusNotFound {
		return errWithdrawn
	}
	return nil
}

func (ac *agentClient) complete(ctx context.Context, id, status string) error {
	resp, err := ac.post(ctx, "/v1/complete", url.Values{"task": {id}, "status": {status}})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}

// agent is one build machine. It long-polls for a task, runs it with a
// heartbeat beside it, reports the outcome and asks for the next one.
// Spot machines are reclaimed by the cloud: they drain (finish the task in
// hand) and leave.
type agent struct {
	name  string
	spot  bool
	ac    *agentClient
	drain context.CancelFunc
	done  chan struct{}

	tasks atomic.Int64
}

func (a *agent) run(farmCtx, leaseCtx context.Context) {
	defer close(a.done)
	bo := newBackoff(250*time.Millisecond, 4*time.Second)
	for leaseCtx.Err() == nil {
		t, err := a.ac.lease(leaseCtx, a.name, between(10*time.Second, 20*time.Second))
		if err != nil {
			if leaseCtx.Err() != nil {
				return
			}
			if bo.Wait(leaseCtx) != nil {
				return
			}
			continue
		}
		bo.Reset()
		if t == nil {
			continue
		}
		a.execute(farmCtx, t)
		a.tasks.Add(1)
	}
}

func (a *agent) execute(ctx context.Context, t *task) {
	stepCtx, abort := context.WithTimeout(ctx, t.Timeout)
	defer abort()

	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		a.heartbeat(stepCtx, t.ID, abort)
	}()

	status := a.runStep(stepCtx, t)
	abort()
	<-hbDone

	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.ac.complete(rctx, t.ID, status); err != nil {
		log.Printf("agent %s: report %s: %v", a.name, t.ID, err)
	}
}

// heartbeat keeps the task assigned to this agent and aborts the step when
// the coordinator withdraws it.
func (a *agent) heartbeat(ctx context.Context, id string, abort context.CancelFunc) {
	tk := time.NewTicker(2 * time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		if err := a.ac.heartbeat(ctx, id); errors.Is(err, errWithdrawn) {
			abort()
			return
		}
	}
}

// runStep simulates the step. Test shards run their test binaries in
// parallel and wait for all of them.
func (a *agent) runStep(ctx context.Context, t *task) string {
	switch t.Kind {
	case "test":
		return a.runTests(ctx, t)
	default:
		if err := sleepCtx(ctx, t.Work); err != nil {
			return stepStatus(ctx)
		}
		if chance(1.5) {
			return "fail"
		}
		return "ok"
	}
}

func stepStatus(ctx context.Context) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout"
	}
	return "aborted"
}

func (a *agent) runTests(ctx context.Context, t *task) string {
	binaries := 2 + randIntn(2)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
	)
	for i := 0; i < binaries; i++ {
		d := between(t.Work/2, t.Work)
		hang := t.Flaky && i == 0
		wg.Add(1)
		go func(d time.Duration, hang bool) {
			defer wg.Done()
			if hang {
				// a test that deadlocks: only the step timeout ends it
				d = 10 * time.Minute
			}
			if sleepCtx(ctx, d) != nil {
				return
			}
			if chance(4) {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}(d, hang)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return stepStatus(ctx)
	}
	if failed > 0 {
		return "fail"
	}
	return "ok"
}

// pool grows the fleet of agents during the run and replaces reclaimed
// spot machines.
type pool struct {
	ac *agentClient

	mu     sync.Mutex
	agents map[string]*agent
	seq    int

	reclaimed atomic.Int64
}

func (p *pool) add(ctx context.Context, spot bool) {
	p.mu.Lock()
	p.seq++
	name := fmt.Sprintf("agent-%02d", p.seq)
	if spot {
		name = fmt.Sprintf("spot-%02d", p.seq)
	}
	leaseCtx, drain := context.WithCancel(ctx)
	a := &agent{name: name, spot: spot, ac: p.ac, drain: drain, done: make(chan struct{})}
	p.agents[name] = a
	p.mu.Unlock()
	go a.run(ctx, leaseCtx)
	if spot {
		go p.reclaimAfter(ctx, a, between(40*time.Second, 90*time.Second))
	}
}

// reclaimAfter drains a spot agent when its instance is reclaimed, waits
// for it to hand back its task and starts a replacement.
func (p *pool) reclaimAfter(ctx context.Context, a *agent, d time.Duration) {
	if sleepCtx(ctx, d) != nil {
		return
	}
	a.drain()
	<-a.done
	p.mu.Lock()
	delete(p.agents, a.name)
	p.mu.Unlock()
	p.reclaimed.Add(1)
	p.add(ctx, true)
}

func (p *pool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.agents)
}

func (p *pool) grow(ctx context.Context) {
	for i := 0; i < 4; i++ {
		p.add(ctx, false)
	}
	for n := 4; n < 36; n++ {
		if sleepCtx(ctx, between(3*time.Second, 4500*time.Millisecond)) != nil {
			return
		}
		p.add(ctx, n%4 == 3)
	}
}
