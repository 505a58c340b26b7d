package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

var errLeaseLost = errors.New("lease lost")

// queueClient is the workers' and producers' side of queueAPI.
type queueClient struct {
	base string
	hc   *http.Client
}

func (c *queueClient) post(ctx context.Context, path string, q url.Values, body interface{}) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.hc.Do(req)
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func (c *queueClient) Enqueue(ctx context.Context, kind string, payload map[string]string, priority bool) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	resp, err := c.post(ctx, "/v1/jobs", nil, enqueueRequest{Kind: kind, Payload: payload, Priority: priority})
	if err != nil {
		return err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("enqueue: %s", resp.Status)
	}
	return nil
}

// Lease long-polls for a job. A nil grant with a nil error means the wait
// ran out with nothing to do.
func (c *queueClient) Lease(ctx context.Context, worker string, wait, ttl time.Duration) (*leaseGrant, error) {
	ctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
	defer cancel()
	resp, err := c.post(ctx, "/v1/lease", url.Values{"worker": {worker}, "wait": {wait.String()}, "ttl": {ttl.String()}}, nil)
	if err != nil {
		return nil, err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		var g leaseGrant
		if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
			return nil, err
		}
		return &g, nil
	case http.StatusNoContent:
		return nil, nil
	default:
		return nil, fmt.Errorf("lease: %s", resp.Status)
	}
}

func (c *queueClient) leaseOp(ctx context.Context, id, op, worker string, extra url.Values, body interface{}) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	q := url.Values{"worker": {worker}}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := c.post(ctx, "/v1/leases/"+id+"/"+op, q, body)
	if err != nil {
		return err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent:
		return nil
	case http.StatusGone:
		return errLeaseLost
	default:
		return fmt.Errorf("%s %s: %s", op, id, resp.Status)
	}
}

func (c *queueClient) Renew(ctx context.Context, id, worker string, ttl time.Duration) error {
	return c.leaseOp(ctx, id, "renew", worker, url.Values{"ttl": {ttl.String()}}, nil)
}

func (c *queueClient) Ack(ctx context.Context, id, worker string) error {
	return c.leaseOp(ctx, id, "ack", worker, nil, nil)
}

func (c *queueClient) Nack(ctx context.Context, id, worker, reason string) error {
	return c.leaseOp(ctx, id, "nack", worker, nil, map[string]string{"reason": reason})
}

type statsReply struct {
	Queue  queueStats `json:"queue"`
	Leases leaseStats `json:"leases"`
}

func (c *queueClient) Stats(ctx context.Context) (statsReply, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/stats", nil)
	if err != nil {
		return statsReply{}, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return statsReply{}, err
	}
	defer resp.Body.Close()
	var s statsReply
	err = json.NewDecoder(resp.Body).Decode(&s)
	return s, err
}
