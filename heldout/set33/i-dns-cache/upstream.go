package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// zone describes how one simulated authoritative zone behaves: how slow its
// servers answer, how often they drop a query, and how often the zone's
// records are re-published with new addresses.
type zone struct {
	name       string
	minLatency time.Duration
	maxLatency time.Duration
	dropPct    int
	nxPct      int
	reshuffle  time.Duration // zero: addresses never change

	mu     sync.Mutex
	serial int
}

func (z *zone) currentSerial() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.serial
}

func (z *zone) bump() {
	z.mu.Lock()
	z.serial++
	z.mu.Unlock()
}

// authServer is a toy authoritative DNS server speaking a line protocol over
// UDP: "ID NAME" in, "ID NAME A-ADDR TTL SERIAL" or "ID NAME NXDOMAIN" out.
// Answers are delayed per zone; some queries are silently dropped.
type authServer struct {
	conn  *net.UDPConn
	zones map[string]*zone

	mu      sync.Mutex
	queries int
	dropped int
}

func newAuthServer(zones []*zone) (*authServer, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	s := &authServer{conn: conn, zones: make(map[string]*zone)}
	for _, z := range zones {
		s.zones[z.name] = z
	}
	return s, nil
}

func (s *authServer) Addr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// Serve reads queries until ctx ends. Replies are scheduled with
// time.AfterFunc so a slow zone does not hold up the read loop.
func (s *authServer) Serve(ctx context.Context) {
	go func() {
		<-ctx.Done()
		s.conn.Close()
	}()
	buf := make([]byte, 512)
	for {
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("authserver: read: %v", err)
			}
			return
		}
		fields := strings.Fields(string(buf[:n]))
		if len(fields) != 2 {
			continue
		}
		s.answerLater(fields[0], strings.ToLower(fields[1]), from)
	}
}

func (s *authServer) answerLater(id, name string, to *net.UDPAddr) {
	z := s.zoneFor(name)
	s.mu.Lock()
	s.queries++
	drop := z == nil || randIntn(100) < z.dropPct
	if drop {
		s.dropped++
	}
	s.mu.Unlock()
	if drop {
		return
	}
	delay := z.minLatency + time.Duration(randInt63n(int64(z.maxLatency-z.minLatency)+1))
	time.AfterFunc(delay, func() {
		s.conn.WriteToUDP([]byte(s.render(id, name, z)), to)
	})
}

func (s *authServer) zoneFor(name string) *zone {
	i := strings.IndexByte(name, '.')
	if i < 0 {
		return nil
	}
	return s.zones[name[i+1:]]
}

func (s *authServer) render(id, name string, z *zone) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	sum := h.Sum32()
	if int(sum%100) < z.nxPct {
		return id + " " + name + " NXDOMAIN"
	}
	serial := z.currentSerial()
	addr := sum + uint32(serial)*7919
	ip := fmt.Sprintf("10.%d.%d.%d", (addr>>16)&0xff, (addr>>8)&0xff, addr&0xff|1)
	ttl := 60 + int(sum>>8)%241 // 60..300 s
	return id + " " + name + " " + ip + " " + strconv.Itoa(ttl) + " " + strconv.Itoa(serial)
}

func (s *authServer) stats() (queries, dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries, s.dropped
}

// republish re-signs zones with changing addresses on their own schedule,
// which is what the watch clients wait for.
func republish(ctx context.Context, zones []*zone) {
	var wg sync.WaitGroup
	for _, z := range zones {
		if z.reshuffle == 0 {
			continue
		}
		wg.Add(1)
		go func(z *zone) {
			defer wg.Done()
			t := time.NewTicker(z.reshuffle)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					z.bump()
				}
			}
		}(z)
	}
	wg.Wait()
}
