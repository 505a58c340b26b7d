package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// throttledError is a 429 from the quota service.
type throttledError struct{ retryAfter time.Duration }

func (e *throttledError) Error() string {
	return fmt.Sprintf("throttled, retry after %s", e.retryAfter)
}

var errGone = errors.New("pool gone")

// quotaClient is what the service's callers link in.
type quotaClient struct {
	base string
	hc   *http.Client
}

func newQuotaClient(base string, tr *http.Transport) *quotaClient {
	return &quotaClient{base: base, hc: &http.Client{Transport: tr}}
}

// Acquire asks for n units of pool, letting the server hold the request
// for up to wait. The HTTP exchange itself gets a little more than that
// so the server's answer, not the client, ends a long wait.
func (c *quotaClient) Acquire(ctx context.Context, pool string, n int, wait, ttl time.Duration, holder string) (*acquireReply, error) {
	v := url.Values{}
	v.Set("pool", pool)
	v.Set("n", strconv.Itoa(n))
	v.Set("wait", wait.String())
	if ttl > 0 {
		v.Set("ttl", ttl.String())
	}
	if holder != "" {
		v.Set("holder", holder)
	}
	rctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.base+"/v1/acquire?"+v.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		var out acquireReply
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return nil, err
		}
		return &out, nil
	case http.StatusTooManyRequests:
		io.Copy(io.Discard, resp.Body)
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, &throttledError{retryAfter: time.Duration(secs) * time.Second}
	case http.StatusGone, http.StatusNotFound:
		io.Copy(io.Discard, resp.Body)
		return nil, errGone
	default:
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("acquire %s: %s: %s", pool, resp.Status, b)
	}
}

// Release gives a lease back.
func (c *quotaClient) Release(ctx context.Context, lease string) error {
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.base+"/v1/release?lease="+url.QueryEscape(lease), nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("release %s: %s", lease, resp.Status)
	}
	return nil
}

// WatchWindow long-polls the window number of pool past seen. It returns
// the new window (or seen again when the server's wait ran out).
func (c *quotaClient) WatchWindow(ctx context.Context, pool string, seen int, wait time.Duration) (int, error) {
	v := url.Values{}
	v.Set("pool", pool)
	v.Set("epoch", strconv.Itoa(seen))
	v.Set("wait", wait.String())
	rctx, cancel := context.WithTimeout(ctx, wait+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, c.base+"/v1/window?"+v.Encode(), nil)
	if err != nil {
		return seen, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return seen, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNoContent:
		return seen, nil
	case http.StatusOK:
		var st poolStatus
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			return seen, err
		}
		return st.Epoch, nil
	case http.StatusNotFound:
		return seen, errGone
	default:
		io.Copy(io.Discard, resp.Body)
		return seen, fmt.Errorf("watch %s: %s", pool, resp.Status)
	}
}

func (c *quotaClient) admin(ctx context.Context, method, tenant string, t tier) error {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u := fmt.Sprintf("%s/admin/tenants?tenant=%s&tier=%s", c.base, url.QueryEscape(tenant), t)
	req, err := http.NewRequestWithContext(rctx, method, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s tenant %s: %s", method, tenant, resp.Status)
	}
	return nil
}
