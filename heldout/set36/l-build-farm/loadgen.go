package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

var repos = []string{"api", "web", "billing", "infra", "mobile", "search"}

// commitStream stands in for the developers: a stream of pushes whose rate
// climbs through the day, plus merge trains that land a batch of
// postsubmits at once. A share of the authors follow their build with
// `ci watch`.
type commitStream struct {
	farm    *farm
	watch   *watchClient
	started time.Time

	pushes, trains atomic.Int64
}

func (cs *commitStream) interval() time.Duration {
	// 6s between pushes at the start, 2.5s after two minutes
	el := time.Since(cs.started)
	if el > 2*time.Minute {
		el = 2 * time.Minute
	}
	base := 6*time.Second - time.Duration(float64(3500*time.Millisecond)*el.Seconds()/120)
	return between(base*2/3, base*4/3)
}

func (cs *commitStream) run(ctx context.Context) {
	for sleepCtx(ctx, cs.interval()) == nil {
		kind := "presubmit"
		if chance(30) {
			kind = "postsubmit"
		}
		cs.launch(ctx, kind, repos[randIntn(len(repos))])
		cs.pushes.Add(1)
	}
}

func (cs *commitStream) mergeTrains(ctx context.Context) {
	for sleepCtx(ctx, between(28*time.Second, 40*time.Second)) == nil {
		repo := repos[randIntn(len(repos))]
		n := 3 + randIntn(3)
		for i := 0; i < n; i++ {
			cs.launch(ctx, "postsubmit", repo)
		}
		cs.trains.Add(1)
	}
}

func (cs *commitStream) launch(ctx context.Context, kind, repo string) {
	b := cs.farm.newBuild(kind, repo)
	go b.run(ctx)
	if chance(45) {
		go cs.watch.follow(ctx, b.id)
	}
}

// watchClient is `ci watch`: it long-polls the build until it finishes.
type watchClient struct {
	base string
	hc   *http.Client

	following atomic.Int64
}

func (wc *watchClient) follow(ctx context.Context, id string) {
	wc.following.Add(1)
	defer wc.following.Add(-1)
	// give the pipeline a moment to register the build
	if sleepCtx(ctx, between(200*time.Millisecond, 2*time.Second)) != nil {
		return
	}
	bo := newBackoff(500*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		done, err := wc.poll(ctx, id, between(15*time.Second, 25*time.Second))
		if done {
			return
		}
		if err != nil {
			if bo.Wait(ctx) != nil {
				return
			}
			continue
		}
		bo.Reset()
	}
}

func (wc *watchClient) poll(ctx context.Context, id string, wait time.Duration) (bool, error) {
	pctx, cancel := context.WithTimeout(ctx, wait+5*time.Second)
	defer cancel()
	u := wc.base + "/v1/builds/wait?" + url.Values{"id": {id}, "wait": {wait.String()}}.Encode()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, u, nil)
	if err != nil {
		return true, err
	}
	resp, err := wc.hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNotFound:
		return true, nil
	default:
		return false, nil
	}
}
