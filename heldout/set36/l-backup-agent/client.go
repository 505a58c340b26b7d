package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// storeClient is the agent's HTTP client for the object store.
type storeClient struct {
	base string
	http *http.Client
}

func newStoreClient(base string) *storeClient {
	tr := &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     45 * time.Second,
	}
	return &storeClient{base: base, http: &http.Client{Transport: tr}}
}

type statusError struct {
	op   string
	code int
	msg  string
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: %d %s", e.op, e.code, e.msg) }

func retryable(err error) bool {
	if se, ok := err.(*statusError); ok {
		return se.code >= 500
	}
	return err != nil
}

func (c *storeClient) do(ctx context.Context, op, method, path string, body []byte, out interface{}) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		return &statusError{op: op, code: resp.StatusCode, msg: string(bytes.TrimSpace(msg))}
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if b, ok := out.(*[]byte); ok {
		*b, err = io.ReadAll(resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func chunkPath(tenant, volume string, seq int) string {
	return fmt.Sprintf("/chunks/%s/%s/%d", url.PathEscape(tenant), url.PathEscape(volume), seq)
}

func (c *storeClient) PutChunk(ctx context.Context, tenant, volume string, seq int, data []byte) error {
	return c.do(ctx, "put chunk", http.MethodPut, chunkPath(tenant, volume, seq), data, nil)
}

func (c *storeClient) GetChunk(ctx context.Context, tenant, volume string, seq int) ([]byte, error) {
	var b []byte
	err := c.do(ctx, "get chunk", http.MethodGet, chunkPath(tenant, volume, seq), nil, &b)
	return b, err
}

func (c *storeClient) lease(ctx context.Context, tenant, holder, op string) (leaseReply, error) {
	var lr leaseReply
	path := fmt.Sprintf("/leases/%s?op=%s&holder=%s", url.PathEscape(tenant), op, url.QueryEscape(holder))
	var out interface{} = &lr
	if op == "release" {
		out = nil
	}
	err := c.do(ctx, op+" lease", http.MethodPost, path, nil, out)
	return lr, err
}

func (c *storeClient) Commit(ctx context.Context, tenant string, snap int64) error {
	path := fmt.Sprintf("/commit/%s?snap=%d", url.PathEscape(tenant), snap)
	return c.do(ctx, "commit", http.MethodPost, path, nil, nil)
}

// Watch long-polls the store until a snapshot newer than since has
// replicated or wait has passed.
func (c *storeClient) Watch(ctx context.Context, tenant string, since int64, wait time.Duration) (watchReply, error) {
	ctx, cancel := context.WithTimeout(ctx, wait+15*time.Second)
	defer cancel()
	var wr watchReply
	path := fmt.Sprintf("/watch/%s?since=%d&wait=%s", url.PathEscape(tenant), since, wait)
	err := c.do(ctx, "watch", http.MethodGet, path, nil, &wr)
	return wr, err
}
