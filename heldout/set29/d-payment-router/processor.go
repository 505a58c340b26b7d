package main

import (
	"bufio"
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

// processorSpec describes one fake acquirer.
type processorSpec struct {
	name        string
	baseLatency time.Duration
	jitter      time.Duration
	softConns   int     // above this, new connections get a BUSY greeting
	declineRate float64 // business declines
	errRate     float64 // transient processor errors
}

// processor is an in-process stand-in for an acquirer's authorisation host.
//
// Wire protocol (one line each way):
//
//	server greeting:  HELLO <name> v2   |   BUSY
//	AUTH <ref> <amount> <bin>   ->  OK <ref> <code> | DECLINE <ref> <reason> | ERR <ref> <msg>
//	SETTLE <batch> <count> <total> -> SETTLED <batch> | ERR <batch> <msg>
//	PING <n>                    ->  PONG <n>
type processor struct {
	spec   processorSpec
	addr   string
	ln     net.Listener
	active int32

	mu       sync.Mutex
	brownout bool
	slowdown time.Duration

	authSeq uint64
}

func startProcessor(spec processorSpec) (*processor, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &processor{spec: spec, addr: ln.Addr().String(), ln: ln}
	go p.acceptLoop()
	return p, nil
}

func (p *processor) acceptLoop() {
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			log.Printf("processor %s: accept: %v", p.spec.name, err)
			return
		}
		go p.serve(conn)
	}
}

func (p *processor) shedding() bool {
	n := int(atomic.LoadInt32(&p.active))
	p.mu.Lock()
	brown := p.brownout
	p.mu.Unlock()
	if n >= p.spec.softConns {
		return rand.Float64() < 0.6
	}
	if brown {
		return rand.Float64() < 0.35
	}
	return rand.Float64() < 0.01
}

func (p *processor) serve(conn net.Conn) {
	defer conn.Close()
	if p.shedding() {
		conn.Write([]byte("BUSY\n"))
		return
	}
	atomic.AddInt32(&p.active, 1)
	defer atomic.AddInt32(&p.active, -1)

	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "HELLO %s v2\n", p.spec.name)
	if err := w.Flush(); err != nil {
		return
	}
	sc := bufio.NewScanner(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		if !sc.Scan() {
			return
		}
		reply := p.handle(sc.Text())
		w.WriteString(reply)
		w.WriteByte('\n')
		if err := w.Flush(); err != nil {
			return
		}
	}
}

func (p *processor) latency() time.Duration {
	p.mu.Lock()
	extra := p.slowdown
	p.mu.Unlock()
	d := p.spec.baseLatency + time.Duration(rand.Int63n(int64(p.spec.jitter)+1)) + extra
	if rand.Intn(200) == 0 { // the occasional very slow authorisation
		d += 400 * time.Millisecond
	}
	return d
}

func (p *processor) handle(line string) string {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return "ERR - malformed"
	}
	switch fields[0] {
	case "PING":
		return "PONG " + fields[1]
	case "AUTH":
		ref := fields[1]
		time.Sleep(p.latency())
		r := rand.Float64()
		switch {
		case r < p.spec.errRate:
			return "ERR " + ref + " issuer-unavailable"
		case r < p.spec.errRate+p.spec.declineRate:
			reasons := []string{"insufficient-funds", "do-not-honor", "expired-card", "suspected-fraud"}
			return "DECLINE " + ref + " " + reasons[rand.Intn(len(reasons))]
		}
		seq := atomic.AddUint64(&p.authSeq, 1)
		return "OK " + ref + " A" + strconv.FormatUint(100000+seq%900000, 10)
	case "SETTLE":
		batch := fields[1]
		time.Sleep(20*time.Millisecond + 3*p.latency())
		if rand.Float64() < 0.05 {
			return "ERR " + batch + " cutoff-window"
		}
		return "SETTLED " + batch
	}
	return "ERR " + fields[1] + " unknown-verb"
}

// brownouts makes the processor periodically degrade: slower responses and
// shedding of new connections.
func (p *processor) brownouts(every time.Duration) {
	for {
		time.Sleep(every/2 + time.Duration(rand.Int63n(int64(every))))
		dur := 3*time.Second + time.Duration(rand.Intn(6000))*time.Millisecond
		p.mu.Lock()
		p.brownout = true
		p.slowdown = time.Duration(10+rand.Intn(40)) * time.Millisecond
		p.mu.Unlock()
		time.Sleep(dur)
		p.mu.Lock()
		p.brownout = false
		p.slowdown = 0
		p.mu.Unlock()
	}
}
