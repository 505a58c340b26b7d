// control-backoff-retriers (leak-free): an outbox relay hands each export
// batch to a job goroutine that pushes it to its destination and retries
// with exponential backoff (8 s doubling to a 1 min cap, with jitter)
// while the destination fails. (*job).attempt makes one push and, on a
// retryable failure, waits out the backoff through wait, a helper that
// returns nil when the time has passed and ctx.Err() when the job's
// context ends; run loops on attempt and returns on its error, never
// reading ctx.Done() itself. Every phase the relay queues batches: two go
// to a healthy destination and finish at their first push, the rest to
// destinations that are down (8, 10, 11 jobs); and an operator purges the
// oldest retrying jobs (0, 2, 3), whose contexts the relay cancels and
// waits for. Jobs retrying at the snapshots: 8, 16, 24; Close cancels
// the rest.
package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

var errUnavailable = errors.New("503 service unavailable")

// wait sleeps for d unless ctx ends first, in which case it returns the
// context's error.
func wait(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type destination struct {
	url string
	up  bool

	mu       sync.Mutex
	accepted int
}

func (d *destination) push(batch []byte) error {
	if !d.up {
		return fmt.Errorf("push %s: %w", d.url, errUnavailable)
	}
	d.mu.Lock()
	d.accepted += len(batch)
	d.mu.Unlock()
	return nil
}

func (d *destination) Accepted() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.accepted
}

type job struct {
	id     int
	batch  []byte
	dest   *destination
	rnd    *rand.Rand
	cancel context.CancelFunc
	done   chan struct{}

	tries     int
	delivered bool
	lastErr   error
}

const (
	baseBackoff = 8 * time.Second
	maxBackoff  = time.Minute
)

// backoff is the delay before the next try: base * 2^(tries-1), capped,
// with up to 25% jitter.
func (j *job) backoff() time.Duration {
	d := baseBackoff
	for i := 1; i < j.tries && d < maxBackoff; i++ {
		d *= 2
	}
	if d > maxBackoff {
		d = maxBackoff
	}
	return d + time.Duration(j.rnd.Int63n(int64(d/4)))
}

// attempt makes one push. It returns nil when the batch was delivered or
// the job should try again, and an error when the job is over.
func (j *job) attempt(ctx context.Context) error {
	j.tries++
	err := j.dest.push(j.batch)
	if err == nil {
		j.delivered = true
		return nil
	}
	j.lastErr = err
	if !errors.Is(err, errUnavailable) {
		return err
	}
	if err := wait(ctx, j.backoff()); err != nil {
		return err
	}
	return nil
}

func (j *job) run(ctx context.Context) {
	defer close(j.done)
	for !j.delivered {
		if err := j.attempt(ctx); err != nil {
			return
		}
	}
}

type Relay struct {
	mu     sync.Mutex
	nextID int
	active []*job
}

// Submit starts a job delivering batch to dest.
func (r *Relay) Submit(dest *destination, batch []byte) {
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.nextID++
	j := &job{
		id:     r.nextID,
		batch:  batch,
		dest:   dest,
		rnd:    rand.New(rand.NewSource(int64(r.nextID))),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	r.active = append(r.active, j)
	r.mu.Unlock()
	go func() {
		j.run(ctx)
		r.forget(j)
	}()
}

func (r *Relay) forget(j *job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, a := range r.active {
		if a == j {
			r.active = append(r.active[:i], r.active[i+1:]...)
			return
		}
	}
}

// Purge cancels the n oldest jobs still active and waits for them to end.
func (r *Relay) Purge(n int) int {
	r.mu.Lock()
	if n > len(r.active) {
		n = len(r.active)
	}
	victims := append([]*job(nil), r.active[:n]...)
	r.mu.Unlock()
	for _, j := range victims {
		j.cancel()
		<-j.done
	}
	return len(victims)
}

func (r *Relay) Active() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

func (r *Relay) Close() {
	r.mu.Lock()
	all := append([]*job(nil), r.active...)
	r.mu.Unlock()
	for _, j := range all {
		j.cancel()
	}
	for _, j := range all {
		<-j.done
	}
}

func main() {
	snap.Start()
	healthy := &destination{url: "https://ingest.example.net/v1/batches", up: true}
	down := []*destination{
		{url: "https://siem.example.org/api/events"},
		{url: "https://archive.example.com/upload"},
		{url: "https://hooks.example.io/export"},
	}
	r := &Relay{}
	purge := []int{0, 2, 3}
	failing := []int{8, 10, 11}
	for k := 1; k <= 3; k++ {
		if got := r.Purge(purge[k-1]); got != purge[k-1] {
			panic(fmt.Sprintf("purged %d jobs, want %d", got, purge[k-1]))
		}
		for i := 0; i < failing[k-1]; i++ {
			r.Submit(down[i%len(down)], make([]byte, 512))
		}
		for i := 0; i < 2; i++ {
			r.Submit(healthy, make([]byte, 512))
		}
		time.Sleep(500 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
		fmt.Printf("phase %d: %d jobs retrying, %d bytes delivered\n", k, r.Active(), healthy.Accepted())
	}
	r.Close()
	snap.Finish("control-backoff-retriers")
}
