package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// syncer keeps one envCache in step with the control plane, either by
// polling on an interval or by holding a long-poll open.
type syncer struct {
	relay    *relay
	cache    *envCache
	interval time.Duration
	bo       backoff
}

var errNotModified = fmt.Errorf("not modified")

// fetch asks the control plane for anything newer than the cached
// version, holding the request for up to wait when wait > 0.
func (s *syncer) fetch(ctx context.Context, wait time.Duration) error {
	v, _ := s.cache.current()
	q := url.Values{"since": {strconv.Itoa(v)}}
	budget := 4 * time.Second
	if wait > 0 {
		q.Set("wait", wait.String())
		budget += wait
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.relay.upstream+"/v1/envs/"+s.cache.name+"/flags?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	s.relay.syncs.Add(1)
	resp, err := s.relay.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return errNotModified
	default:
		return fmt.Errorf("%s: %s", s.cache.name, resp.Status)
	}
	var fs flagSet
	if err := json.Unmarshal(body, &fs); err != nil {
		return err
	}
	if s.cache.update(fs.Version, body) {
		s.relay.updates.Add(1)
	}
	return nil
}

// pollLoop fetches every interval, backing off while the control plane
// refuses.
func (s *syncer) pollLoop(ctx context.Context) {
	for ctx.Err() == nil {
		wait := s.interval + between(0, s.interval/4)
		if err := s.fetch(ctx, 0); err != nil && err != errNotModified {
			if ctx.Err() != nil {
				return
			}
			s.relay.syncErrors.Add(1)
			wait = s.bo.next()
		} else {
			s.bo.reset()
		}
		sleepCtx(ctx, wait)
	}
}

// watchLoop keeps a long-poll open on the control plane, re-arming it as
// soon as it returns; after an error it waits out the back-off first.
func (s *syncer) watchLoop(ctx context.Context) {
	hold := between(20*time.Second, 40*time.Second)
	for {
		err := s.fetch(ctx, hold)
		if ctx.Err() != nil {
			return
		}
		if err == nil || err == errNotModified {
			s.bo.reset()
			continue
		}
		s.relay.syncErrors.Add(1)
		if !s.waitRetry(ctx, s.bo.arm()) {
			return
		}
	}
}

func (s *syncer) waitRetry(ctx context.Context, t *time.Timer) bool {
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
