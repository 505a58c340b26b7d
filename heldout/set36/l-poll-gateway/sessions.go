package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var errSessionGone = errors.New("session expired on the gateway")

// session is one client connected to the gateway: a lease and a few long
// pollers, one per group of topics it follows.
type session struct {
	base   string
	client *http.Client
	lease  *lease
	wait   time.Duration
	groups [][]string

	events int64
}

// pollLoop keeps one long poll open on its topics for as long as ctx (the
// lease) lasts.
func (s *session) pollLoop(ctx context.Context, wg *sync.WaitGroup, topics []string) {
	defer wg.Done()
	cursors := map[string]uint64{}
	bo := newBackoff(500*time.Millisecond, 20*time.Second)
	for ctx.Err() == nil {
		res, retryAfter, err := s.poll(ctx, topics, cursors)
		switch {
		case err == nil:
			bo.Reset()
			for k, v := range res.Cursors {
				cursors[k] = v
			}
			atomic.AddInt64(&s.events, int64(len(res.Events)))
		case errors.Is(err, errSessionGone):
			return
		case retryAfter > 0:
			if bo.WaitFor(ctx, retryAfter) != nil {
				return
			}
		default:
			if bo.Wait(ctx) != nil {
				return
			}
		}
	}
}

func (s *session) poll(ctx context.Context, topics []string, cursors map[string]uint64) (pollResult, time.Duration, error) {
	var res pollResult
	cur := make([]string, 0, len(cursors))
	for k, v := range cursors {
		cur = append(cur, k+":"+strconv.FormatUint(v, 10))
	}
	sort.Strings(cur)
	q := url.Values{}
	q.Set("session", s.lease.id)
	q.Set("topics", strings.Join(topics, ","))
	q.Set("cursor", strings.Join(cur, ","))
	q.Set("wait", s.wait.String())

	reqCtx, cancel := context.WithTimeout(ctx, s.wait+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, s.base+"/v1/poll?"+q.Encode(), nil)
	if err != nil {
		return res, 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return res, 0, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		err = json.NewDecoder(resp.Body).Decode(&res)
		return res, 0, err
	case http.StatusUnauthorized:
		io.Copy(ioutil.Discard, resp.Body)
		return res, 0, errSessionGone
	case http.StatusTooManyRequests:
		io.Copy(ioutil.Discard, resp.Body)
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if secs <= 0 {
			secs = 5
		}
		return res, time.Duration(secs) * time.Second, fmt.Errorf("poll: %s", resp.Status)
	default:
		io.Copy(ioutil.Discard, resp.Body)
		return res, 0, fmt.Errorf("poll: %s", resp.Status)
	}
}

// run polls every group until the lease runs out, then waits for the
// pollers and signs off.
func (s *session) run(ctx context.Context) {
	lctx, cancel := s.lease.Bind(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, g := range s.groups {
		wg.Add(1)
		go s.pollLoop(lctx, &wg, g)
	}
	wg.Wait()

	bye, done := context.WithTimeout(ctx, 2*time.Second)
	defer done()
	req, err := http.NewRequestWithContext(bye, http.MethodDelete, s.base+"/v1/sessions?id="+s.lease.id, nil)
	if err == nil {
		if resp, err := s.client.Do(req); err == nil {
			io.Copy(ioutil.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

// sessionRoster connects client sessions over the run: a steady trickle
// of new sessions plus reconnect storms, up to a cap of live sessions.
type sessionRoster struct {
	base   string
	client *http.Client
	feeds  *feedRoster
	max    int64

	live, joined, left, events int64
}

func newSessionRoster(base string, client *http.Client, feeds *feedRoster) *sessionRoster {
	return &sessionRoster{base: base, client: client, feeds: feeds, max: 64}
}

func (r *sessionRoster) open(ctx context.Context) (*session, error) {
	ttl := randBetween(40*time.Second, 200*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		fmt.Sprintf("%s/v1/sessions?ttl_s=%d", r.base, int(ttl/time.Second)), nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var g sessionGrant
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
		return nil, err
	}
	s := &session{
		base:   r.base,
		client: r.client,
		lease:  newLease(g.ID, time.Duration(g.ExpiresIn)*time.Millisecond),
		wait:   randBetween(60*time.Second, 90*time.Second).Round(time.Second),
	}
	for n := 1 + randIntn(3); n > 0; n-- {
		s.groups = append(s.groups, r.feeds.pick(1+randIntn(2)))
	}
	return s, nil
}

func (r *sessionRoster) join(ctx context.Context) {
	if atomic.LoadInt64(&r.live) >= r.max {
		return
	}
	s, err := r.open(ctx)
	if err != nil {
		return
	}
	atomic.AddInt64(&r.live, 1)
	atomic.AddInt64(&r.joined, 1)
	go func() {
		s.run(ctx)
		atomic.AddInt64(&r.live, -1)
		atomic.AddInt64(&r.left, 1)
		atomic.AddInt64(&r.events, atomic.LoadInt64(&s.events))
	}()
}

func (r *sessionRoster) run(ctx context.Context) {
	for i := 0; i < 4; i++ {
		r.join(ctx)
	}
	trickle := time.NewTicker(2500 * time.Millisecond)
	defer trickle.Stop()
	status := time.NewTicker(10 * time.Second)
	defer status.Stop()
	start := time.Now()
	stormed := map[int]bool{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-status.C:
			log.Printf("clients: live=%d joined=%d left=%d events(closed sessions)=%d",
				atomic.LoadInt64(&r.live), atomic.LoadInt64(&r.joined), atomic.LoadInt64(&r.left),
				atomic.LoadInt64(&r.events))
		case <-trickle.C:
			r.join(ctx)
			if el := int(time.Since(start) / time.Second); (el/45) > 0 && !stormed[el/45] {
				stormed[el/45] = true
				for i := 0; i < 6; i++ {
					r.join(ctx)
				}
			}
		}
	}
}
