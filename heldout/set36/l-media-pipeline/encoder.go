package main

import (
	"context"
	"sync/atomic"
	"time"
)

// encoderSlots bounds how many renditions encode at once across all jobs
// (the hardware encoder sessions of the box).
type encoderSlots struct {
	sem     chan struct{}
	waiting int64
}

func newEncoderSlots(n int) *encoderSlots {
	return &encoderSlots{sem: make(chan struct{}, n)}
}

func (s *encoderSlots) Acquire(ctx context.Context) error {
	atomic.AddInt64(&s.waiting, 1)
	defer atomic.AddInt64(&s.waiting, -1)
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *encoderSlots) Release() { <-s.sem }

func (s *encoderSlots) InUse() int     { return len(s.sem) }
func (s *encoderSlots) Waiting() int64 { return atomic.LoadInt64(&s.waiting) }

// segmentEncoder encodes the segments of one rendition in order. The timer
// lives in the encoder and is re-armed for every segment.
type segmentEncoder struct {
	rung  profile
	src   sourceInfo
	timer *time.Timer
	done  int
	bytes int64
	buf   []byte
}

func newSegmentEncoder(p profile, src sourceInfo) *segmentEncoder {
	t := time.NewTimer(time.Hour)
	if !t.Stop() {
		<-t.C
	}
	return &segmentEncoder{rung: p, src: src, timer: t, buf: make([]byte, 0, 16<<10)}
}

func (e *segmentEncoder) remaining() int { return e.src.Segments - e.done }

// encodeNext waits out the encode time of the next segment.
func (e *segmentEncoder) encodeNext(ctx context.Context) error {
	e.timer.Reset(jitter(e.rung.segCost, 0.3))
	select {
	case <-ctx.Done():
		if !e.timer.Stop() {
			<-e.timer.C
		}
		return ctx.Err()
	case <-e.timer.C:
	}
	size := int64(e.rung.Kbps) * 1000 / 8 * int64(segmentLength/time.Second)
	e.buf = append(e.buf[:0], make([]byte, 1024)...)
	e.bytes += size
	e.done++
	return nil
}

func (e *segmentEncoder) Close() { e.timer.Stop() }
