package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// Store is the long-term storage write endpoint. It has short outages.
type Store struct {
	logger    *log.Logger
	downUntil int64 // unix nanos, atomic
	written   int64
}

func NewStore(logger *log.Logger) *Store { return &Store{logger: logger} }

func (s *Store) Written() int64 { return atomic.LoadInt64(&s.written) }

var errUnavailable = errors.New("storage: 503 service unavailable")

func (s *Store) Write(ctx context.Context, chunk []Point) error {
	if time.Now().UnixNano() < atomic.LoadInt64(&s.downUntil) {
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		return errUnavailable
	}
	select {
	case <-time.After(time.Duration(15+rand.Intn(40)) * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	if rand.Intn(25) == 0 {
		return errUnavailable
	}
	atomic.AddInt64(&s.written, int64(len(chunk)))
	return nil
}

func (s *Store) outages(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(25+rand.Intn(25)) * time.Second):
		}
		d := time.Duration(4+rand.Intn(6)) * time.Second
		s.logger.Printf("storage outage for %v", d)
		atomic.StoreInt64(&s.downUntil, time.Now().Add(d).UnixNano())
	}
}

// Uploader writes window rollups in chunks with retries.
type Uploader struct {
	store  *Store
	sem    chan struct{}
	logger *log.Logger

	inflight int64

	mu    sync.Mutex
	spool [][]Point
}

func NewUploader(store *Store, parallel int, logger *log.Logger) *Uploader {
	return &Uploader{store: store, sem: make(chan struct{}, parallel), logger: logger}
}

func (u *Uploader) Inflight() int64 { return atomic.LoadInt64(&u.inflight) }

func (u *Uploader) Spooled() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.spool)
}

const chunkPoints = 10

// UploadWindow starts one upload goroutine per chunk and returns; each
// upload has its own deadline and spools the chunk if it cannot finish.
func (u *Uploader) UploadWindow(ctx context.Context, at time.Time, points []Point) {
	for lo := 0; lo < len(points); lo += chunkPoints {
		hi := lo + chunkPoints
		if hi > len(points) {
			hi = len(points)
		}
		chunk := points[lo:hi]
		atomic.AddInt64(&u.inflight, 1)
		go func() {
			defer atomic.AddInt64(&u.inflight, -1)
			cctx, cancel := context.WithTimeout(ctx, 12*time.Second)
			defer cancel()
			if err := u.uploadChunk(cctx, chunk); err != nil {
				u.mu.Lock()
				if len(u.spool) < 500 {
					u.spool = append(u.spool, chunk)
				}
				u.mu.Unlock()
			}
		}()
	}
}

func (u *Uploader) uploadChunk(ctx context.Context, chunk []Point) error {
	backoff := 100 * time.Millisecond
	for {
		select {
		case u.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		err := u.store.Write(ctx, chunk)
		<-u.sem
		if err == nil {
			return nil
		}
		if !errors.Is(err, errUnavailable) {
			return err
		}
		wait := backoff/2 + time.Duration(rand.Int63n(int64(backoff)))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("upload: %w (last: %v)", ctx.Err(), err)
		}
		if backoff < 2*time.Second {
			backoff *= 2
		}
	}
}

// replayLoop retries spooled chunks, one at a time.
func (u *Uploader) replayLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			u.mu.Lock()
			if len(u.spool) == 0 {
				u.mu.Unlock()
				break
			}
			chunk := u.spool[0]
			u.spool = u.spool[1:]
			u.mu.Unlock()
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := u.uploadChunk(cctx, chunk)
			cancel()
			if err != nil {
				u.mu.Lock()
				u.spool = append(u.spool, chunk)
				u.mu.Unlock()
				break
			}
		}
	}
}
