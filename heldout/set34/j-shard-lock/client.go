package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var (
	ErrNotAcquired    = errors.New("lock: not acquired before the wait ran out")
	ErrAcquireTimeout = errors.New("lock: acquire budget exceeded")
	ErrLeaseLost      = errors.New("lock: lease lost")
)

// Client talks to the lockd shards. Keys are spread over the shards by
// hash. The HTTP client has no overall timeout: every call carries its own
// deadline, and acquires may legitimately park on the shard for minutes.
type Client struct {
	name   string
	shards []string
	hc     *http.Client
	seq    atomic.Uint64

	// DefaultWait is how long an acquire waits for a held lock when the
	// caller does not say.
	DefaultWait time.Duration
}

func newClient(name string, shards []string, tr http.RoundTripper) *Client {
	return &Client{name: name, shards: shards, hc: &http.Client{Transport: tr}, DefaultWait: 5 * time.Second}
}

type AcquireOptions struct {
	TTL       time.Duration
	Wait      time.Duration // 0: DefaultWait; <0: try once
	KeepAlive bool          // renew in the background until released
}

func (c *Client) shardFor(key string) string {
	h := fnv.New32a()
	h.Write([]byte(key))
	return c.shards[h.Sum32()%uint32(len(c.shards))]
}

// Acquire takes the lock on key, waiting up to opts.Wait for it.
func (c *Client) Acquire(ctx context.Context, key string, opts AcquireOptions) (*Lease, error) {
	wait := opts.Wait
	switch {
	case wait == 0:
		wait = c.DefaultWait
	case wait < 0:
		wait = 0
	}
	owner := fmt.Sprintf("%s#%d", c.name, c.seq.Add(1))
	v := url.Values{
		"key":     {key},
		"owner":   {owner},
		"ttl_ms":  {strconv.FormatInt(opts.TTL.Milliseconds(), 10)},
		"wait_ms": {strconv.FormatInt(wait.Milliseconds(), 10)},
	}
	rctx, cancel := context.WithTimeout(ctx, wait+2*time.Second)
	defer cancel()
	var g grant
	status, err := c.call(rctx, key, "/v1/acquire", v, &g)
	if err != nil {
		return nil, err
	}
	switch status {
	case http.StatusOK:
	case http.StatusLocked:
		return nil, ErrNotAcquired
	default:
		return nil, fmt.Errorf("lock: acquire %s: status %d", key, status)
	}
	l := &Lease{
		c:        c,
		Key:      key,
		owner:    owner,
		Fence:    g.Fence,
		ttl:      opts.TTL,
		expires:  g.Expires,
		released: make(chan struct{}),
		lost:     make(chan struct{}),
	}
	if opts.KeepAlive {
		go l.keepAlive()
	}
	return l, nil
}

type acquireResult struct {
	key   string
	lease *Lease
	err   error
}

// AcquireAll takes the locks on all keys at once, each on its own shard in
// parallel, and gives up when budget runs out (or one of them fails),
// releasing whatever it got.
func (c *Client) AcquireAll(ctx context.Context, keys []string, opts AcquireOptions, budget time.Duration) ([]*Lease, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make(chan acquireResult)
	for _, k := range keys {
		go c.acquireInto(ctx, k, opts, results)
	}

	deadline := time.NewTimer(budget)
	defer deadline.Stop()
	held := make([]*Lease, 0, len(keys))
	for range keys {
		select {
		case r := <-results:
			if r.err != nil {
				c.releaseAll(held)
				return nil, fmt.Errorf("lock %s: %w", r.key, r.err)
			}
			held = append(held, r.lease)
		case <-deadline.C:
			c.releaseAll(held)
			return nil, ErrAcquireTimeout
		}
	}
	return held, nil
}

func (c *Client) acquireInto(ctx context.Context, key string, opts AcquireOptions, out chan<- acquireResult) {
	l, err := c.Acquire(ctx, key, opts)
	out <- acquireResult{key: key, lease: l, err: err}
}

func (c *Client) releaseAll(leases []*Lease) {
	for _, l := range leases {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = l.Release(ctx)
		cancel()
	}
}

func (c *Client) call(ctx context.Context, key, path string, v url.Values, out interface{}) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.shardFor(key)+path+"?"+v.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, nil
}

// Lease is a held lock. With KeepAlive it is renewed every TTL/3 until it
// is released; if renewals keep failing until it expires, Lost is closed.
type Lease struct {
	c     *Client
	Key   string
	owner string
	Fence uint64
	ttl   time.Duration

	mu      sync.Mutex
	expires time.Time

	released  chan struct{}
	lost      chan struct{}
	closeOnce sync.Once
}

func (l *Lease) Lost() <-chan struct{} { return l.lost }

func (l *Lease) Release(ctx context.Context) error {
	l.closeOnce.Do(func() { close(l.released) })
	v := url.Values{"key": {l.Key}, "owner": {l.owner}, "fence": {strconv.FormatUint(l.Fence, 10)}}
	status, err := l.c.call(ctx, l.Key, "/v1/release", v, nil)
	if err != nil {
		return err
	}
	if status != http.StatusNoContent {
		return ErrLeaseLost
	}
	return nil
}

func (l *Lease) keepAlive() {
	next := time.NewTimer(l.ttl / 3)
	defer next.Stop()
	for {
		select {
		case <-l.released:
			return
		case <-next.C:
		}
		err := l.renew()
		switch {
		case err == nil:
			next.Reset(l.ttl / 3)
		case errors.Is(err, ErrLeaseLost) || time.Now().After(l.expiry()):
			close(l.lost)
			return
		default:
			next.Reset(time.Second)
		}
	}
}

func (l *Lease) expiry() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expires
}

func (l *Lease) renew() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v := url.Values{
		"key":    {l.Key},
		"owner":  {l.owner},
		"fence":  {strconv.FormatUint(l.Fence, 10)},
		"ttl_ms": {strconv.FormatInt(l.ttl.Milliseconds(), 10)},
	}
	var g grant
	status, err := l.c.call(ctx, l.Key, "/v1/renew", v, &g)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return ErrLeaseLost
	}
	l.mu.Lock()
	l.expires = g.Expires
	l.mu.Unlock()
	return nil
}
