package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"net/url"
	"sync"
	"time"
)

var (
	errLeaseNotFound = errors.New("lease not found")
	errConflict      = errors.New("lock held by another lease")
)

// leaseClient talks to the lease API over HTTP.
type leaseClient struct {
	base string
	hc   *http.Client
}

func newLeaseClient(base string) *leaseClient {
	return &leaseClient{
		base: base,
		hc: &http.Client{Transport: &http.Transport{
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     20 * time.Second,
		}},
	}
}

func (c *leaseClient) call(ctx context.Context, method, path string, q url.Values, out interface{}) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 500 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && err != io.EOF {
			return resp.StatusCode, err
		}
	}
	io.Copy(ioutil.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (c *leaseClient) grant(ctx context.Context, owner string, ttl time.Duration) (int64, time.Duration, error) {
	var gr grantResp
	q := url.Values{"owner": {owner}, "ttl_ms": {fmt.Sprint(ttl.Milliseconds())}}
	if _, err := c.call(ctx, http.MethodPost, "/v1/lease/grant", q, &gr); err != nil {
		return 0, 0, err
	}
	return gr.ID, time.Duration(gr.TTLms) * time.Millisecond, nil
}

func (c *leaseClient) keepAliveOnce(ctx context.Context, id int64) (time.Duration, error) {
	var gr grantResp
	code, err := c.call(ctx, http.MethodPost, "/v1/lease/keepalive", url.Values{"id": {fmt.Sprint(id)}}, &gr)
	if err != nil {
		return 0, err
	}
	if code == http.StatusNotFound {
		return 0, errLeaseNotFound
	}
	return time.Duration(gr.TTLms) * time.Millisecond, nil
}

func (c *leaseClient) revoke(ctx context.Context, id int64) error {
	_, err := c.call(ctx, http.MethodPost, "/v1/lease/revoke", url.Values{"id": {fmt.Sprint(id)}}, nil)
	return err
}

func (c *leaseClient) acquire(ctx context.Context, key string, lease int64) error {
	var ar acquireResp
	code, err := c.call(ctx, http.MethodPost, "/v1/lock/acquire", url.Values{"key": {key}, "lease": {fmt.Sprint(lease)}}, &ar)
	if err != nil {
		return err
	}
	if code == http.StatusConflict {
		return errConflict
	}
	return nil
}

// watch long-polls key until it is free, changes past rev, or wait elapses.
func (c *leaseClient) watch(ctx context.Context, key string, rev int64, wait time.Duration) (watchResp, error) {
	var wr watchResp
	q := url.Values{"key": {key}, "rev": {fmt.Sprint(rev)}, "wait_ms": {fmt.Sprint(wait.Milliseconds())}}
	_, err := c.call(ctx, http.MethodGet, "/v1/lock/watch", q, &wr)
	return wr, err
}

func (c *leaseClient) configEpoch(ctx context.Context, tenant string) (int64, error) {
	var m map[string]int64
	if _, err := c.call(ctx, http.MethodGet, "/v1/config", url.Values{"tenant": {tenant}}, &m); err != nil {
		return 0, err
	}
	return m["epoch"], nil
}

func (c *leaseClient) checkpoint(ctx context.Context, owner string, bytes int) error {
	_, err := c.call(ctx, http.MethodPost, "/v1/checkpoint", url.Values{"owner": {owner}, "bytes": {fmt.Sprint(bytes)}}, nil)
	return err
}

// Lease is a granted lease kept alive in the background until Release is
// called or the server reports it gone.
type Lease struct {
	ID  int64
	TTL time.Duration

	c       *leaseClient
	cancel  context.CancelFunc
	lost    chan struct{}
	done    chan struct{}
	relOnce sync.Once
}

// Keep grants a lease and starts its keep-alive loop. The loop stops when
// ctx is cancelled or Release is called, and revokes the lease on its way out.
func (c *leaseClient) Keep(ctx context.Context, owner string, ttl time.Duration) (*Lease, error) {
	gctx, gcancel := context.WithTimeout(ctx, 2*time.Second)
	id, granted, err := c.grant(gctx, owner, ttl)
	gcancel()
	if err != nil {
		return nil, err
	}
	kctx, cancel := context.WithCancel(ctx)
	l := &Lease{ID: id, TTL: granted, c: c, cancel: cancel, lost: make(chan struct{}), done: make(chan struct{})}
	go l.keepAlive(kctx)
	return l, nil
}

// Lost is closed when the server no longer knows the lease.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// Release stops the keep-alive loop and waits until the lease is revoked.
func (l *Lease) Release() {
	l.relOnce.Do(l.cancel)
	<-l.done
}

func (l *Lease) keepAlive(ctx context.Context) {
	defer close(l.done)
	next := l.TTL / 3
	timer := time.NewTimer(next)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.Background(), time.Second)
			l.c.revoke(rctx, l.ID)
			cancel()
			return
		case <-timer.C:
		}
		rctx, cancel := context.WithTimeout(ctx, l.TTL/2)
		ttl, err := l.c.keepAliveOnce(rctx, l.ID)
		cancel()
		switch {
		case err == errLeaseNotFound:
			close(l.lost)
			<-ctx.Done() // the owner still calls Release
			return
		case err != nil:
			next = 250 * time.Millisecond
		default:
			next = ttl / 3
		}
		timer.Reset(next)
	}
}
