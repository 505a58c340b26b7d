// c-session-store: an in-memory session service in front of a slower
// persistent tier.
//
// Every live session has a watcher goroutine that enforces the idle TTL;
// when a session goes idle it is offloaded to the disk tier (still valid
// for "remember me") and the watcher exits. Logout and the per-user
// session cap revoke sessions outright. Around the store run the usual
// daemons: an audit log batcher, a CSRF nonce cache with a janitor, a
// per-client rate limiter with cleanup, the disk janitor and compactor,
// and a stats reporter. A handful of load generators play browsers that
// log in, click around, go quiet and come back later.
//
// Bug: diskStore.Load starts a goroutine per read and waits for it with a
// timeout. When the caller gives up (reads are slow while the disk tier
// is compacting), the read goroutine later blocks forever handing its
// result to a channel nobody receives from. Resumes of offloaded sessions
// happen several times a second, so the leak comes in bursts during each
// compaction window plus a trickle from the latency tail in between.
package main

import (
	"log"
	"os"
	"time"

	"example.com/heldout/internal/snapkit"
)

func main() {
	snapkit.Start()

	logger := log.New(os.Stderr, "sessiond ", log.LstdFlags|log.Lmicroseconds)

	disk := newDiskStore(diskConfig{
		RememberFor:   10 * time.Minute,
		JanitorEvery:  5 * time.Second,
		CompactEvery:  18 * time.Second,
		CompactJitter: 8 * time.Second,
	})
	go disk.janitor()
	go disk.compactor()

	audit := newAuditLog(1024, 2*time.Second)
	go audit.run()

	store := NewStore(Config{
		IdleTTL:       6 * time.Second,
		MaxPerUser:    3,
		LoadTimeout:   120 * time.Millisecond,
		OffloadOnIdle: true,
	}, disk, audit)

	nonces := newNonceCache(30 * time.Second)
	go nonces.janitor(5 * time.Second)

	limiter := newRateLimiter(20, 40)
	go limiter.cleanup(10*time.Second, 30*time.Second)

	go reportStats(logger, 20*time.Second, store, disk, audit, limiter)

	fleet := newBrowserFleet(store, nonces, limiter)
	fleet.restore(disk, 400)
	for i := 0; i < 6; i++ {
		go fleet.run(i)
	}
	go fleet.forget(15 * time.Second)

	select {}
}

func reportStats(l *log.Logger, every time.Duration, st *Store, d *diskStore, a *auditLog, rl *rateLimiter) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		s := st.Stats()
		l.Printf("sessions live=%d created=%d offloaded=%d resumed=%d resume_timeouts=%d revoked=%d disk=%d compacting=%v audit_written=%d clients=%d",
			s.Live, s.Created, s.Offloaded, s.Resumed, s.ResumeTimeouts, s.Revoked,
			d.Len(), d.Compacting(), a.Written(), rl.Len())
	}
}
