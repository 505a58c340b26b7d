package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

type volumeSpec struct {
	name   string
	chunks int // chunks changed since the last snapshot, roughly
}

// runBackup takes one snapshot of every volume of the tenant. It holds the
// tenant's repository lease for the duration (renewed by a leaseKeeper
// child), uploads the volumes in parallel, verifies a sample of chunks and
// commits the snapshot.
func (t *tenant) runBackup(ctx context.Context) error {
	snap := atomic.AddInt64(&t.lastSnap, 1)
	holder := fmt.Sprintf("%s/snap-%d", t.name, snap)

	if err := t.acquireLease(ctx, holder); err != nil {
		return fmt.Errorf("acquire lease: %w", err)
	}
	keeper := newLeaseKeeper(t.store, t.name, holder, leaseTTL)
	stop := make(chan struct{})
	keeperDone := make(chan error, 1)
	go keeper.run(stop, keeperDone)

	err := t.uploadVolumes(ctx, snap)
	if err == nil {
		err = t.verify(ctx, snap)
	}
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = t.store.Commit(cctx, t.name, snap)
		cancel()
	}

	close(stop)
	if kerr := <-keeperDone; kerr != nil && err == nil {
		err = kerr
	}
	return err
}

func (t *tenant) acquireLease(ctx context.Context, holder string) error {
	bo := backoff{base: 400 * time.Millisecond, max: 5 * time.Second}
	for attempt := 0; ; attempt++ {
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := t.store.lease(lctx, t.name, holder, "acquire")
		cancel()
		if err == nil || attempt == 4 {
			return err
		}
		if werr := bo.Wait(ctx); werr != nil {
			return werr
		}
	}
}

// uploadVolumes starts one uploader per volume and waits for all of them.
func (t *tenant) uploadVolumes(ctx context.Context, snap int64) error {
	g, _ := newTaskGroup(ctx)
	for _, v := range t.volumes {
		up := &volumeUploader{
			tenant:   t,
			snap:     snap,
			volume:   v.name,
			chunks:   v.chunks/2 + randInt(v.chunks),
			throttle: t.throttle,
		}
		g.Go(up.upload)
	}
	return g.Wait()
}

// volumeUploader streams the changed chunks of one volume to the store.
type volumeUploader struct {
	tenant   *tenant
	snap     int64
	volume   string
	chunks   int
	throttle *ioThrottle
	sent     int
}

func (u *volumeUploader) upload(ctx context.Context) error {
	block := make([]byte, 2048)
	for seq := 0; seq < u.chunks; seq++ {
		if err := u.throttle.Wait(ctx); err != nil {
			return err
		}
		block[0], block[1] = byte(seq), byte(u.snap)
		if err := u.putWithRetry(ctx, seq, block); err != nil {
			return fmt.Errorf("%s/%s chunk %d: %w", u.tenant.name, u.volume, seq, err)
		}
		u.sent++
		atomic.AddInt64(&u.tenant.agent.chunksSent, 1)
	}
	return nil
}

func (u *volumeUploader) putWithRetry(ctx context.Context, seq int, block []byte) error {
	bo := backoff{base: 300 * time.Millisecond, max: 4 * time.Second}
	for attempt := 0; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := u.tenant.store.PutChunk(pctx, u.tenant.name, u.volume, seq, block)
		cancel()
		if err == nil {
			return nil
		}
		atomic.AddInt64(&u.tenant.agent.putRetries, 1)
		if !retryable(err) || attempt == 5 || ctx.Err() != nil {
			return err
		}
		if werr := bo.Wait(ctx); werr != nil {
			return werr
		}
	}
}

type sampleResult struct {
	volume string
	seq    int
	err    error
}

// verify reads back a few random chunks of the new snapshot. Every checker
// sends exactly one result and the parent gathers all of them.
func (t *tenant) verify(ctx context.Context, snap int64) error {
	ctx, cancel := context.WithTimeout(ctx, 6*time.Second)
	defer cancel()
	n := 2 + randInt(4)
	results := make(chan sampleResult, n)
	for i := 0; i < n; i++ {
		v := t.volumes[randInt(len(t.volumes))]
		go t.checkSample(ctx, v.name, randInt(v.chunks/2+1), results)
	}
	var failed error
	for i := 0; i < n; i++ {
		r := <-results
		if r.err != nil && failed == nil {
			failed = fmt.Errorf("verify %s chunk %d: %w", r.volume, r.seq, r.err)
		}
	}
	return failed
}

func (t *tenant) checkSample(ctx context.Context, volume string, seq int, out chan<- sampleResult) {
	b, err := t.store.GetChunk(ctx, t.name, volume, seq)
	if err == nil && len(b) != 2048 {
		err = errors.New("short chunk")
	}
	out <- sampleResult{volume: volume, seq: seq, err: err}
}

// leaseKeeper renews the tenant's repository lease while a backup runs and
// releases it when told to stop. Its renewal deadline is kept in a field
// and re-made after each renewal.
type leaseKeeper struct {
	store  *storeClient
	tenant string
	holder string
	ttl    time.Duration
	due    *deadline
	renews int
	lost   error
}

func newLeaseKeeper(store *storeClient, tenant, holder string, ttl time.Duration) *leaseKeeper {
	return &leaseKeeper{store: store, tenant: tenant, holder: holder, ttl: ttl, due: newDeadline(ttl / 3)}
}

func (k *leaseKeeper) run(stop <-chan struct{}, done chan<- error) {
	for {
		select {
		case <-stop:
			k.due.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err := k.store.lease(ctx, k.tenant, k.holder, "release")
			cancel()
			if k.lost != nil {
				err = k.lost
			}
			done <- err
			return
		case <-k.due.Done():
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			_, err := k.store.lease(ctx, k.tenant, k.holder, "renew")
			cancel()
			if err != nil {
				if se, ok := err.(*statusError); ok && se.code == 409 {
					k.lost = err
				}
				// try again sooner; the lease is still valid for a while
				k.due = newDeadline(k.ttl / 8)
				continue
			}
			k.renews++
			k.due = newDeadline(k.ttl / 3)
		}
	}
}
