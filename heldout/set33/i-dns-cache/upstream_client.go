package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// answer is one resolved record as the cache keeps it. An empty Addr is a
// negative (NXDOMAIN) answer.
type answer struct {
	Name    string
	Addr    string
	TTL     time.Duration
	Serial  int
	Fetched time.Time
}

func (a answer) negative() bool { return a.Addr == "" }

func (a answer) expires() time.Time { return a.Fetched.Add(a.TTL) }

var errMalformed = errors.New("upstream: malformed reply")

// upstreamClient queries the authoritative server over UDP. Each attempt
// uses its own socket and a read deadline; failed attempts are retried with
// exponential back-off while the caller's context allows.
type upstreamClient struct {
	server         *net.UDPAddr
	attemptTimeout time.Duration
	maxAttempts    int
	negativeTTL    time.Duration

	nextID   uint32
	timeouts int64
}

func (u *upstreamClient) Query(ctx context.Context, name string) (answer, error) {
	backoff := 150 * time.Millisecond
	var lastErr error
	for attempt := 1; attempt <= u.maxAttempts; attempt++ {
		ans, err := u.exchange(ctx, name)
		if err == nil {
			return ans, nil
		}
		lastErr = err
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			atomic.AddInt64(&u.timeouts, 1)
		}
		if attempt == u.maxAttempts {
			break
		}
		if !pause(ctx, jitter(backoff, 0.3)) {
			return answer{}, ctx.Err()
		}
		backoff *= 2
	}
	return answer{}, fmt.Errorf("upstream %s: %w", name, lastErr)
}

func (u *upstreamClient) exchange(ctx context.Context, name string) (answer, error) {
	conn, err := net.DialUDP("udp", nil, u.server)
	if err != nil {
		return answer{}, err
	}
	defer conn.Close()

	deadline := time.Now().Add(u.attemptTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return answer{}, err
	}
	id := strconv.FormatUint(uint64(atomic.AddUint32(&u.nextID, 1)), 10)
	if _, err := conn.Write([]byte(id + " " + name)); err != nil {
		return answer{}, err
	}
	buf := make([]byte, 512)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return answer{}, err
		}
		f := strings.Fields(string(buf[:n]))
		if len(f) < 3 || f[0] != id {
			continue // a late reply to some earlier query on a reused port
		}
		if f[2] == "NXDOMAIN" {
			return answer{Name: name, TTL: u.negativeTTL, Fetched: time.Now()}, nil
		}
		if len(f) != 5 {
			return answer{}, errMalformed
		}
		ttl, err1 := strconv.Atoi(f[3])
		serial, err2 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil {
			return answer{}, errMalformed
		}
		return answer{
			Name:    name,
			Addr:    f[2],
			TTL:     time.Duration(ttl) * time.Second,
			Serial:  serial,
			Fetched: time.Now(),
		}, nil
	}
}

// pause waits for d or until ctx ends; it reports whether the full delay
// elapsed.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

func jitter(d time.Duration, frac float64) time.Duration {
	span := float64(d) * frac
	return d + time.Duration((randFloat64()*2-1)*span)
}
