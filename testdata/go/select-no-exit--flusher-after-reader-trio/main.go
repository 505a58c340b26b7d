// select-no-exit--flusher-after-reader-trio: a log-shipping follower
// streams WAL records from the shards of its primary over local TCP.
// dialShard starts three goroutines per *shardConn: readLoop (reads
// records off the socket and notes the last position), pinger (select on
// done and a keep-alive ticker) and flushAcks (select on stop and a ticker,
// writes the acknowledged position in batches). A failover on the primary
// drops every stream; readLoop tears its connection down and closes done,
// so the pinger ends with it, and the follower redials the shard from the
// last position. But stop is closed only by Close, and the follower never
// closes a lost connection, so each dropped connection's flushAcks keeps
// ticking (+8, then +10 per snapshot). The three goroutines work for the
// same *shardConn: the dump shows the reader and the pinger gone and the
// flusher still there.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/leaks/internal/snap"
)

type shardConn struct {
	shard int
	nc    net.Conn

	wmu sync.Mutex
	bw  *bufio.Writer

	mu       sync.Mutex
	received uint64 // last LSN read from the primary
	acked    uint64 // last LSN acknowledged to it

	done      chan struct{} // closed when the connection is torn down
	stop      chan struct{} // closed by Close
	downOnce  sync.Once
	closeOnce sync.Once
	err       error
	lost      chan<- *shardConn
}

func dialShard(addr string, shard int, from uint64, lost chan<- *shardConn) (*shardConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(nc, "START %d %d\n", shard, from); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReader(nc)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OK") {
		nc.Close()
		return nil, fmt.Errorf("shard %d: handshake %q: %v", shard, line, err)
	}
	c := &shardConn{
		shard:    shard,
		nc:       nc,
		bw:       bufio.NewWriter(nc),
		received: from,
		acked:    from,
		done:     make(chan struct{}),
		stop:     make(chan struct{}),
		lost:     lost,
	}
	go c.readLoop(br)
	go c.pinger(10 * time.Second)
	go c.flushAcks(5 * time.Second)
	return c, nil
}

func (c *shardConn) readLoop(br *bufio.Reader) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.down(err)
			return
		}
		if lsn, ok := parseRecord(line); ok {
			c.mu.Lock()
			if lsn > c.received {
				c.received = lsn
			}
			c.mu.Unlock()
		}
	}
}

func parseRecord(line string) (uint64, bool) {
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "REC" {
		return 0, false
	}
	lsn, err := strconv.ParseUint(f[1], 10, 64)
	return lsn, err == nil
}

func (c *shardConn) pinger(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.send("PING"); err != nil {
				c.nc.Close() // readLoop fails and tears down
				return
			}
		}
	}
}

// flushAcks acknowledges the received position every tick, so that the
// primary can recycle its log.
func (c *shardConn) flushAcks(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		c.mu.Lock()
		lsn, pending := c.received, c.received > c.acked
		c.mu.Unlock()
		if !pending {
			continue
		}
		if err := c.send("ACK " + strconv.FormatUint(lsn, 10)); err != nil {
			continue // the reader notices a dead connection
		}
		c.mu.Lock()
		c.acked = lsn
		c.mu.Unlock()
	}
}

func (c *shardConn) send(line string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.bw.WriteString(line)
	c.bw.WriteByte('\n')
	return c.bw.Flush()
}

func (c *shardConn) position() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

// down tears the connection down after a read error: the socket is
// closed, the pinger stops and the follower is told to redial. BUG: the
// ack flusher waits on stop, which only Close closes.
func (c *shardConn) down(err error) {
	c.downOnce.Do(func() {
		c.err = err
		close(c.done)
		c.nc.Close()
		c.lost <- c
	})
}

func (c *shardConn) Close() error {
	c.closeOnce.Do(func() { close(c.stop) })
	c.down(errors.New("closed"))
	return nil
}

type follower struct {
	addr  string
	lost  chan *shardConn
	mu    sync.Mutex
	conns map[int]*shardConn
}

func newFollower(addr string) *follower {
	return &follower{addr: addr, lost: make(chan *shardConn, 256), conns: make(map[int]*shardConn)}
}

func (f *follower) attach(shard int, from uint64) error {
	c, err := dialShard(f.addr, shard, from, f.lost)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.conns[shard] = c
	f.mu.Unlock()
	return nil
}

// redial waits for n lost connections and dials their shards again from
// the last position read. BUG: the lost connection is replaced, never
// closed.
func (f *follower) redial(n int) error {
	for i := 0; i < n; i++ {
		var old *shardConn
		select {
		case old = <-f.lost:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("%d of %d lost connections reported", i, n)
		}
		f.mu.Lock()
		current := f.conns[old.shard] == old
		f.mu.Unlock()
		if !current {
			continue
		}
		if err := f.attach(old.shard, old.position()); err != nil {
			return err
		}
	}
	return nil
}

// primary serves replication streams and drops all of them on failover.
type primary struct {
	ln      net.Listener
	mu      sync.Mutex
	lsn     uint64
	streams []net.Conn
}

func (p *primary) serve() {
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.stream(nc)
	}
}

func (p *primary) stream(nc net.Conn) {
	br := bufio.NewReader(nc)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "START ") {
		nc.Close()
		return
	}
	p.mu.Lock()
	p.streams = append(p.streams, nc)
	p.lsn += 2
	lsn := p.lsn
	p.mu.Unlock()
	fmt.Fprintf(nc, "OK\nREC %d\nREC %d\n", lsn-1, lsn)
	for {
		if _, err := br.ReadString('\n'); err != nil { // acks and pings
			return
		}
	}
}

func (p *primary) failover() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, nc := range p.streams {
		nc.Close()
	}
	n := len(p.streams)
	p.streams = nil
	return n
}

func main() {
	snap.Start()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	p := &primary{ln: ln}
	go p.serve()
	f := newFollower(ln.Addr().String())
	shards := 0
	for k := 1; k <= 3; k++ {
		// A failover drops every stream and the follower redials them;
		// eight shards at first, two more come online per phase.
		if err := f.redial(p.failover()); err != nil {
			panic(err)
		}
		add := 2
		if k == 1 {
			add = 8
		}
		for i := 0; i < add; i++ {
			shards++
			if err := f.attach(shards, 0); err != nil {
				panic(err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("select-no-exit--flusher-after-reader-trio")
}
