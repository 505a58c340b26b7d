package main

import (
	"context"
	"fmt"
	"time"
)

type thumbResult struct {
	URL   string
	Frame int
	err   error
}

type thumbRequest struct {
	a   asset
	out chan thumbResult
}

// thumbnailer is a small pool that decodes a few candidate frames of an
// asset and picks a poster image.
type thumbnailer struct {
	workers int
	reqs    chan thumbRequest
}

func newThumbnailer(workers, queue int) *thumbnailer {
	return &thumbnailer{workers: workers, reqs: make(chan thumbRequest, queue)}
}

func (t *thumbnailer) Start(ctx context.Context) {
	for i := 0; i < t.workers; i++ {
		go t.worker(ctx, i)
	}
}

// Request queues a poster request; the answer arrives on the returned
// channel, which always has room for it.
func (t *thumbnailer) Request(ctx context.Context, a asset) <-chan thumbResult {
	out := make(chan thumbResult, 1)
	select {
	case t.reqs <- thumbRequest{a: a, out: out}:
	case <-ctx.Done():
		out <- thumbResult{err: ctx.Err()}
	}
	return out
}

func (t *thumbnailer) worker(ctx context.Context, id int) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var req thumbRequest
		select {
		case <-ctx.Done():
			return
		case req = <-t.reqs:
		}
		candidates := 3 + randIntn(4)
		best, bestScore := 0, -1
		for c := 0; c < candidates; c++ {
			timer.Reset(jitter(70*time.Millisecond, 0.4))
			select {
			case <-ctx.Done():
				timer.Stop()
				req.out <- thumbResult{err: ctx.Err()}
				return
			case <-timer.C:
			}
			if s := randIntn(100); s > bestScore {
				best, bestScore = c, s
			}
		}
		frame := int(req.a.Seconds*25) * (best + 1) / (candidates + 1)
		req.out <- thumbResult{
			URL:   fmt.Sprintf("https://img.cdn.example/%s/poster-%d.jpg", req.a.ID, frame),
			Frame: frame,
		}
	}
}
