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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	ErrLeaseHeld     = errors.New("lease held by another holder")
	ErrLeaseNotFound = errors.New("lease not found")
)

// LockClient talks to the lease service on behalf of one holder identity.
// Renewals run under the client's own context, not the caller's: a lease
// outlives the request that acquired it.
type LockClient struct {
	ctx    context.Context
	base   string
	holder string
	hc     *http.Client

	renewals, renewErrors, releaseErrors uint64
}

type clientStats struct {
	renewals, renewErrors, releaseErrors uint64
}

func NewLockClient(ctx context.Context, base, holder string, rt http.RoundTripper) *LockClient {
	return &LockClient{
		ctx:    ctx,
		base:   base,
		holder: holder,
		hc:     &http.Client{Transport: rt, Timeout: 3 * time.Second},
	}
}

func (c *LockClient) stats() clientStats {
	return clientStats{
		renewals:      atomic.LoadUint64(&c.renewals),
		renewErrors:   atomic.LoadUint64(&c.renewErrors),
		releaseErrors: atomic.LoadUint64(&c.releaseErrors),
	}
}

func (c *LockClient) post(ctx context.Context, path string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.hc.Do(req)
}

// Lease is a granted lease. It is renewed every TTL/3 by keepAlive until
// Release is called or the server reports it lost.
type Lease struct {
	ID    string
	Key   string
	Token uint64
	TTL   time.Duration

	c        *LockClient
	stop     chan struct{}
	stopOnce sync.Once
	lost     chan struct{}
}

// Acquire asks for the lease on key and, once granted, starts renewing it.
func (c *LockClient) Acquire(ctx context.Context, key string, ttl time.Duration) (*Lease, error) {
	form := url.Values{}
	form.Set("key", key)
	form.Set("holder", c.holder)
	form.Set("ttl_ms", strconv.FormatInt(ttl.Milliseconds(), 10))
	resp, err := c.post(ctx, "/v1/leases/acquire", form)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
	case http.StatusConflict:
		io.Copy(ioutil.Discard, resp.Body)
		return nil, ErrLeaseHeld
	default:
		b, _ := ioutil.ReadAll(resp.Body)
		return nil, fmt.Errorf("acquire %s: %s: %s", key, resp.Status, strings.TrimSpace(string(b)))
	}
	var rec leaseRecord
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil {
		return nil, fmt.Errorf("acquire %s: decode: %w", key, err)
	}
	l := &Lease{
		ID:    rec.ID,
		Key:   key,
		Token: rec.Token,
		TTL:   ttl,
		c:     c,
		stop:  make(chan struct{}),
		lost:  make(chan struct{}),
	}
	go l.keepAlive(c.ctx, ttl/3)
	return l, nil
}

// Lost is closed when the server no longer knows the lease.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

func (l *Lease) keepAlive(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := l.renew(ctx, every)
		switch {
		case err == nil:
			atomic.AddUint64(&l.c.renewals, 1)
		case errors.Is(err, ErrLeaseNotFound):
			close(l.lost)
			return
		default:
			// Transient: try again on the next tick, the TTL leaves room
			// for two more attempts.
			atomic.AddUint64(&l.c.renewErrors, 1)
		}
	}
}

func (l *Lease) renew(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := l.c.post(ctx, "/v1/leases/renew", url.Values{"id": {l.ID}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(ioutil.Discard, resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusNotFound:
		return ErrLeaseNotFound
	default:
		return fmt.Errorf("renew %s: %s", l.Key, resp.Status)
	}
}

func (l *Lease) stopRenewal() {
	l.stopOnce.Do(func() { close(l.stop) })
}

// Release gives the lease back and stops renewing it.
func (l *Lease) Release(ctx context.Context) error {
	form := url.Values{}
	form.Set("id", l.ID)
	form.Set("token", strconv.FormatUint(l.Token, 10))
	resp, err := l.c.post(ctx, "/v1/leases/release", form)
	if err != nil {
		atomic.AddUint64(&l.c.releaseErrors, 1)
		return fmt.Errorf("release %s: %w", l.Key, err)
	}
	defer resp.Body.Close()
	io.Copy(ioutil.Discard, resp.Body)
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusNotFound:
		// 404: it had already expired; either way it is gone.
	default:
		atomic.AddUint64(&l.c.releaseErrors, 1)
		return fmt.Errorf("release %s: %s", l.Key, resp.Status)
	}
	l.stopRenewal()
	return nil
}

// elector runs a leader election for one role: whoever holds the role's
// lease is the leader until the lease is lost.
type elector struct {
	role   string
	id     int
	locks  *LockClient
	ttl    time.Duration
	period time.Duration
}

func (e *elector) campaign(ctx context.Context) {
	key := "leader/" + e.role
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		lease, err := e.locks.Acquire(actx, key, e.ttl)
		cancel()
		if err == nil {
			log.Printf("%s candidate %d is leader (lease %s)", e.role, e.id, lease.ID)
			select {
			case <-lease.Lost():
				log.Printf("%s candidate %d lost leadership", e.role, e.id)
			case <-ctx.Done():
				lease.Release(context.Background())
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(e.period):
		}
	}
}
