package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"net"
	"strings"
	"sync"
	"time"
)

// readerPool is the in-process load generator: simulated reader apps that
// keep a push session open for a while, ask for digests now and then, and
// reconnect after their session ends. More readers join as the run goes
// on, and every so often a burst of short-lived readers shows up.
type readerPool struct {
	addr   string
	roster *feedRoster
	stats  *stats
}

func (rp *readerPool) run(ctx context.Context) {
	n := 0
	spawn := func(sessions int) {
		n++
		r := &reader{id: n, addr: rp.addr, roster: rp.roster, stats: rp.stats, sessions: sessions}
		go r.loop(ctx)
	}
	spawn(0)
	spawn(0)

	join := time.NewTicker(5 * time.Second)
	defer join.Stop()
	burst := time.NewTicker(25 * time.Second)
	defer burst.Stop()
	regulars := 2
	for {
		select {
		case <-ctx.Done():
			return
		case <-join.C:
			if regulars < 28 {
				regulars++
				spawn(0)
			}
		case <-burst.C:
			for i := 0; i < 6; i++ {
				spawn(1)
			}
		}
	}
}

type reader struct {
	id       int
	addr     string
	roster   *feedRoster
	stats    *stats
	sessions int // 0: keeps reconnecting until the end

	wmu sync.Mutex
}

func (r *reader) loop(ctx context.Context) {
	for k := 0; r.sessions == 0 || k < r.sessions; k++ {
		life := time.Duration(20+rand.Intn(45)) * time.Second
		if r.sessions > 0 {
			life = time.Duration(8+rand.Intn(8)) * time.Second
		}
		sctx, cancel := context.WithTimeout(ctx, life)
		err := r.session(sctx)
		cancel()
		if err != nil {
			r.stats.readerErrors.Add(1)
		}
		if !sleepCtx(ctx, time.Duration(500+rand.Intn(3000))*time.Millisecond) {
			return
		}
	}
}

// session holds one connection until ctx's deadline. A child goroutine
// reads pushed lines and answers pings; the session waits for it before
// returning.
func (r *reader) session(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.addr)
	if err != nil {
		return err
	}
	defer conn.Close()

	feeds := r.roster.pick(3 + rand.Intn(4))
	if err := r.send(conn, "SUB "+strings.Join(feeds, " ")); err != nil {
		return err
	}

	readDone := make(chan error, 1)
	go func() {
		readDone <- r.readPushes(conn)
	}()

	for ctx.Err() == nil {
		wait := time.NewTimer(time.Duration(8+rand.Intn(12)) * time.Second)
		select {
		case <-ctx.Done():
		case err := <-readDone:
			wait.Stop()
			return err
		case <-wait.C:
			// A failed write shows up as a read error on the next turn.
			_ = r.send(conn, "DIGEST "+strings.Join(feeds, " "))
		}
		wait.Stop()
	}

	_ = r.send(conn, "BYE")
	conn.Close()
	<-readDone
	return nil
}

func (r *reader) readPushes(conn net.Conn) error {
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(line, "PING "):
			if err := r.send(conn, "PONG "+strings.TrimSpace(line[5:])); err != nil {
				return err
			}
		case strings.HasPrefix(line, "ITEM "):
			r.stats.delivered.Add(1)
		case strings.HasPrefix(line, "DIGEST"):
			r.stats.digests.Add(1)
		}
	}
}

func (r *reader) send(conn net.Conn, line string) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	_ = conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, err := fmt.Fprintln(conn, line)
	return err
}

// sleepCtx sleeps for d unless ctx ends first; it reports whether ctx is
// still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
