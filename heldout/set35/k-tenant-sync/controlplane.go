package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// controlPlane is the authority for tenant configuration (simulated in
// process, spoken to over a line protocol on loopback):
//
//	LEASE <tenant> <ttl-ms>         -> OK <lease> | ERR held
//	RENEW <lease> <ttl-ms>          -> OK | ERR unknown lease | ERR expired
//	RELEASE <lease>                 -> OK
//	PULL <tenant> <shard> <from>    -> OK <version> <changes> | ERR unavailable
//	BUMP <tenant> <n>               -> OK <version>
type controlPlane struct {
	stats *stats

	mu       sync.Mutex
	leases   map[string]*cpLease
	holder   map[string]string // tenant -> lease id
	versions map[string]int
	nextID   int64

	degradedUntil atomic.Int64 // unix nanos
}

type cpLease struct {
	id      string
	tenant  string
	expires time.Time
}

func newControlPlane(st *stats) *controlPlane {
	return &controlPlane{
		stats:    st,
		leases:   make(map[string]*cpLease),
		holder:   make(map[string]string),
		versions: make(map[string]int),
	}
}

func (cp *controlPlane) serve(ctx context.Context, ln net.Listener) {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("control plane: accept: %v", err)
			}
			return
		}
		go cp.handle(conn)
	}
}

func (cp *controlPlane) handle(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	bw := bufio.NewWriter(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		reply := cp.dispatch(strings.Fields(line))
		if _, err := bw.WriteString(reply + "\n"); err != nil {
			return
		}
		if err := bw.Flush(); err != nil {
			return
		}
	}
}

func (cp *controlPlane) dispatch(f []string) string {
	if len(f) == 0 {
		return "ERR empty"
	}
	switch f[0] {
	case "LEASE":
		if len(f) != 3 {
			return "ERR usage"
		}
		return cp.acquire(f[1], msArg(f[2]))
	case "RENEW":
		if len(f) != 3 {
			return "ERR usage"
		}
		return cp.renew(f[1], msArg(f[2]))
	case "RELEASE":
		if len(f) != 2 {
			return "ERR usage"
		}
		cp.release(f[1])
		return "OK"
	case "PULL":
		if len(f) != 4 {
			return "ERR usage"
		}
		return cp.pull(f[1], f[2])
	case "BUMP":
		if len(f) != 3 {
			return "ERR usage"
		}
		n, _ := strconv.Atoi(f[2])
		cp.mu.Lock()
		cp.versions[f[1]] += n
		v := cp.versions[f[1]]
		cp.mu.Unlock()
		return fmt.Sprintf("OK %d", v)
	}
	return "ERR unknown command"
}

func msArg(s string) time.Duration {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		n = 5000
	}
	return time.Duration(n) * time.Millisecond
}

func (cp *controlPlane) acquire(tenant string, ttl time.Duration) string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	now := time.Now()
	if id, ok := cp.holder[tenant]; ok {
		if l := cp.leases[id]; l != nil && now.Before(l.expires) {
			return "ERR held"
		}
		delete(cp.leases, id)
	}
	cp.nextID++
	l := &cpLease{id: fmt.Sprintf("L%06d", cp.nextID), tenant: tenant, expires: now.Add(ttl)}
	cp.leases[l.id] = l
	cp.holder[tenant] = l.id
	return "OK " + l.id
}

func (cp *controlPlane) renew(id string, ttl time.Duration) string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	l := cp.leases[id]
	if l == nil {
		cp.stats.cpRenewRejected.Add(1)
		return "ERR unknown lease"
	}
	now := time.Now()
	if now.After(l.expires) {
		delete(cp.leases, id)
		cp.stats.cpRenewRejected.Add(1)
		return "ERR expired"
	}
	l.expires = now.Add(ttl)
	return "OK"
}

func (cp *controlPlane) release(id string) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if l := cp.leases[id]; l != nil {
		if cp.holder[l.tenant] == id {
			delete(cp.holder, l.tenant)
		}
		delete(cp.leases, id)
	}
}

// pull simulates reading a config shard from the backing database.
func (cp *controlPlane) pull(tenant, shard string) string {
	lat := time.Duration(30+rand.Intn(220)) * time.Millisecond
	if rand.Intn(40) == 0 {
		lat = time.Duration(1200+rand.Intn(1400)) * time.Millisecond
	}
	if time.Now().UnixNano() < cp.degradedUntil.Load() {
		lat = time.Duration(400+rand.Intn(2200)) * time.Millisecond
	}
	time.Sleep(lat)
	if rand.Intn(40) == 0 {
		return "ERR unavailable"
	}
	cp.mu.Lock()
	v := cp.versions[tenant]
	cp.mu.Unlock()
	return fmt.Sprintf("OK %d %d", v, 1+rand.Intn(12))
}

func (cp *controlPlane) reapLeases(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cp.mu.Lock()
			for id, l := range cp.leases {
				if now.After(l.expires) {
					delete(cp.leases, id)
					if cp.holder[l.tenant] == id {
						delete(cp.holder, l.tenant)
					}
				}
			}
			cp.mu.Unlock()
		}
	}
}

// chaos degrades the backing database for a few seconds now and then, as
// a failover would.
func (cp *controlPlane) chaos(ctx context.Context) {
	for {
		wait := time.Duration(18+rand.Intn(14)) * time.Second
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		d := time.Duration(2500+rand.Intn(2500)) * time.Millisecond
		cp.degradedUntil.Store(time.Now().Add(d).UnixNano())
		log.Printf("control plane: degraded for %v", d.Round(time.Millisecond))
	}
}
