package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/ioutil"
	"net/http"
	"strconv"
	"time"
)

// watcher is a presence panel following one user with long-polls. It stays
// open for a while (open), then the user closes it.
type watcher struct {
	f      *fleet
	id     int
	target string
	since  uint64
	wait   time.Duration
	open   time.Duration
	seen   int
}

func (w *watcher) run(ctx context.Context) {
	defer w.f.watcherDone()
	ctx, cancel := context.WithTimeout(ctx, w.open)
	defer cancel()
	failures := 0
	for {
		changed, err := w.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			if !sleepCtx(ctx, backoff(failures, 500*time.Millisecond, 10*time.Second)) {
				return
			}
			continue
		}
		failures = 0
		if changed {
			w.seen++
		} else if randIntn(3) == 0 {
			// nothing happened for a whole wait: look at someone else
			w.target = w.f.randomUser()
			w.since = 0
		}
	}
}

// poll issues one long-poll; the server holds it for up to w.wait. The
// client timeout leaves a margin over that.
func (w *watcher) poll(ctx context.Context) (bool, error) {
	url := fmt.Sprintf("%s/v1/watch?user=%s&since=%d&wait=%s", w.f.apiBase, w.target, w.since, w.wait)
	ctx, cancel := context.WithTimeout(ctx, w.wait+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := w.f.watchClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		if v, err := strconv.ParseUint(resp.Header.Get("X-Presence-Version"), 10, 64); err == nil && v > w.since {
			w.since = v
		}
		return false, nil
	case http.StatusOK:
		var v presenceView
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			return false, err
		}
		io.Copy(ioutil.Discard, resp.Body)
		w.since = v.Version
		return true, nil
	default:
		io.Copy(ioutil.Discard, resp.Body)
		return false, fmt.Errorf("watch: %s", resp.Status)
	}
}
