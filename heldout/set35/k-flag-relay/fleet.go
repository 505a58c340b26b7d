package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sdkFleet plays the services that embed the flag SDK: pods start at a
// rate that grows through the run, deploys roll out a batch of them every
// half minute, and each pod lives for a while and then goes away.
type sdkFleet struct {
	relayAddr string
	relay     *relay

	live, started, reconnects, updates atomic.Int64
}

func (f *sdkFleet) run(ctx context.Context) {
	for i := 0; i < 6; i++ {
		f.launch(ctx, "api")
	}
	start := time.Now()
	nextDeploy := start.Add(between(20*time.Second, 30*time.Second))
	apps := []string{"api", "web", "checkout", "search", "worker"}
	for {
		gap := 2500*time.Millisecond - time.Since(start)/80
		if gap < 700*time.Millisecond {
			gap = 700 * time.Millisecond
		}
		if !sleepCtx(ctx, between(gap/2, gap*3/2)) {
			return
		}
		f.launch(ctx, apps[randIntn(len(apps))])
		if time.Now().After(nextDeploy) {
			app := apps[randIntn(len(apps))]
			n := 5 + randIntn(6)
			for i := 0; i < n; i++ {
				f.launch(ctx, app)
			}
			nextDeploy = time.Now().Add(30 * time.Second)
		}
	}
}

func (f *sdkFleet) launch(ctx context.Context, app string) {
	c := &sdkClient{
		fleet: f,
		app:   app,
		key:   fmt.Sprintf("sdk-%s-%04d", app, f.started.Add(1)),
		life:  between(40*time.Second, 180*time.Second),
	}
	f.live.Add(1)
	go func() {
		defer f.live.Add(-1)
		c.run(ctx)
	}()
}

// pickEnv chooses an environment the way deployments are spread: most
// pods run in production.
func (f *sdkFleet) pickEnv() string {
	names := f.relay.envNames()
	if len(names) == 0 {
		return "prod-us"
	}
	if chance(45) {
		return []string{"prod-us", "prod-eu", "prod-us", "canary", "staging"}[randIntn(5)]
	}
	return names[randIntn(len(names))]
}

type sdkClient struct {
	fleet *sdkFleet
	app   string
	key   string
	life  time.Duration

	wmu     sync.Mutex
	version int
}

// run keeps the pod connected to the relay for its lifetime, reconnecting
// with back-off when the stream drops.
func (c *sdkClient) run(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, c.life)
	defer cancel()
	bo := backoff{base: 500 * time.Millisecond, max: 8 * time.Second}
	for ctx.Err() == nil {
		err := c.stream(ctx, c.fleet.pickEnv())
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			bo.reset()
		}
		c.fleet.reconnects.Add(1)
		sleepCtx(ctx, bo.next())
	}
}

var errBye = errors.New("relay said bye")

// stream holds one connection: a reader goroutine applies flag updates and
// answers pings, while this goroutine reports evaluation counts every few
// seconds until the session ends or the connection drops.
func (c *sdkClient) stream(ctx context.Context, env string) error {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	conn, err := d.DialContext(dctx, "tcp", c.fleet.relayAddr)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := c.send(conn, "HELLO %s %s", env, c.key); err != nil {
		return err
	}
	readErr := make(chan error, 1)
	go func() { readErr <- c.readLoop(conn) }()

	report := time.NewTicker(between(2*time.Second, 6*time.Second))
	defer report.Stop()
	for {
		select {
		case err := <-readErr:
			return err
		case <-ctx.Done():
			conn.Close()
			<-readErr
			return ctx.Err()
		case <-report.C:
			if err := c.send(conn, "EVAL %d", 5+randIntn(60)); err != nil {
				conn.Close()
				return <-readErr
			}
		}
	}
}

func (c *sdkClient) send(conn net.Conn, format string, args ...interface{}) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
	_, err := fmt.Fprintf(conn, format+"\n", args...)
	return err
}

func (c *sdkClient) readLoop(conn net.Conn) error {
	br := bufio.NewReader(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(4 * heartbeatEvery))
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "FLAGS":
			if len(f) != 3 {
				return fmt.Errorf("bad FLAGS line %q", line)
			}
			n, _ := strconv.Atoi(f[2])
			if _, err := io.CopyN(io.Discard, br, int64(n)+1); err != nil {
				return err
			}
			c.version, _ = strconv.Atoi(f[1])
			c.fleet.updates.Add(1)
		case "PING":
			if err := c.send(conn, "PONG %s", f[1]); err != nil {
				return err
			}
		case "BYE":
			return errBye
		}
	}
}
