package main

import (
	"context"
	"math/rand"
	"sync"
	"time"
)

var (
	rndMu sync.Mutex
	rnd   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func intn(n int) int {
	rndMu.Lock()
	defer rndMu.Unlock()
	return rnd.Intn(n)
}

func chance(pct int) bool { return intn(100) < pct }

func between(lo, hi time.Duration) time.Duration {
	rndMu.Lock()
	defer rndMu.Unlock()
	return lo + time.Duration(rnd.Int63n(int64(hi-lo)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
