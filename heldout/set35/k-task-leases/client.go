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

var (
	errLeaseGone   = errors.New("lease gone")
	errUnavailable = errors.New("coordinator unavailable")
)

// coordClient is the worker-side API of the coordinator.
type coordClient struct {
	base string
	hc   *http.Client
}

func (c *coordClient) post(ctx context.Context, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return c.hc.Do(req)
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func (c *coordClient) submit(ctx context.Context, j *Job) error {
	b, _ := json.Marshal(j)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := c.post(rctx, "/v1/jobs", b)
	if err != nil {
		return err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("submit: %s", resp.Status)
	}
	return nil
}

// claim long-polls the queue for up to wait. It returns nil, nil when
// nothing came in.
func (c *coordClient) claim(ctx context.Context, queue string, wait time.Duration) (*Grant, error) {
	rctx, cancel := context.WithTimeout(ctx, wait+3*time.Second)
	defer cancel()
	q := url.Values{"queue": {queue}, "wait": {wait.String()}}
	resp, err := c.post(rctx, "/v1/claim?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		var g Grant
		if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
			return nil, err
		}
		return &g, nil
	case http.StatusNoContent:
		return nil, nil
	case http.StatusServiceUnavailable:
		return nil, errUnavailable
	default:
		return nil, fmt.Errorf("claim: %s", resp.Status)
	}
}

func (c *coordClient) leaseOp(ctx context.Context, lease, op string, q url.Values) error {
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	path := "/v1/leases/" + lease + "/" + op
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.post(rctx, path, nil)
	if err != nil {
		return err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK:
		return nil
	case http.StatusGone:
		return errLeaseGone
	case http.StatusServiceUnavailable:
		return errUnavailable
	default:
		return fmt.Errorf("%s: %s", op, resp.Status)
	}
}

func (c *coordClient) renew(ctx context.Context, lease string) error {
	return c.leaseOp(ctx, lease, "renew", nil)
}

// complete and fail retry through a failover: losing the report would
// make the coordinator run the job again after the TTL.
func (c *coordClient) complete(ctx context.Context, lease string) error {
	return c.report(ctx, lease, "complete", nil)
}

func (c *coordClient) fail(ctx context.Context, lease string, retry bool) error {
	return c.report(ctx, lease, "fail", url.Values{"retry": {fmt.Sprint(retry)}})
}

func (c *coordClient) report(ctx context.Context, lease, op string, q url.Values) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = c.leaseOp(ctx, lease, op, q)
		if !errors.Is(err, errUnavailable) {
			return err
		}
		if sleepCtx(ctx, time.Duration(attempt+1)*700*time.Millisecond) != nil {
			break
		}
	}
	return err
}
