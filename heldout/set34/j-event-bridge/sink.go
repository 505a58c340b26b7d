package main

import (
	"context"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// sinkBroker is the downstream log the bridge publishes into. Publishers
// get an asynchronous confirm per message (CONF seq ok|nack) once the
// record is appended and replicated. Appends are batched; the log
// occasionally stalls on a slow fsync and a few batches wait long for the
// follower replica.
type sinkBroker struct {
	ln      net.Listener
	appendq chan *record

	mu         sync.Mutex
	stallUntil time.Time
	topics     map[string]int64

	appended, stalls int64
}

type record struct {
	conn  *sinkConn
	seq   string
	topic string
	size  int
}

type sinkConn struct {
	*lineConn
	out    chan string
	closed chan struct{}
	once   sync.Once
}

func startSinkBroker(ctx context.Context) (*sinkBroker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sinkBroker{ln: ln, appendq: make(chan *record, 1024), topics: make(map[string]int64)}
	go s.acceptLoop(ctx)
	go s.appender(ctx)
	go s.diskWeather(ctx)
	return s, nil
}

func (s *sinkBroker) Addr() string { return s.ln.Addr().String() }

func (s *sinkBroker) acceptLoop(ctx context.Context) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("sink: accept: %v", err)
			}
			return
		}
		sc := &sinkConn{lineConn: newLineConn(c), out: make(chan string, 256), closed: make(chan struct{})}
		go sc.writeLoop()
		go s.readLoop(sc)
	}
}

func (c *sinkConn) close() {
	c.once.Do(func() {
		close(c.closed)
		c.Close()
	})
}

func (c *sinkConn) writeLoop() {
	for {
		select {
		case line := <-c.out:
			if err := c.writeLine(5*time.Second, line); err != nil {
				c.close()
				return
			}
		case <-c.closed:
			return
		}
	}
}

func (c *sinkConn) confirm(seq, status string) {
	select {
	case c.out <- "CONF " + seq + " " + status:
	case <-c.closed:
	}
}

// readLoop takes PUB seq topic payload lines and queues them for the
// appender.
func (s *sinkBroker) readLoop(c *sinkConn) {
	defer c.close()
	for {
		f, err := c.readFields()
		if err != nil {
			return
		}
		if len(f) != 4 || f[0] != "PUB" {
			continue
		}
		rec := &record{conn: c, seq: f[1], topic: f[2], size: len(f[3])}
		select {
		case s.appendq <- rec:
		case <-c.closed:
			return
		}
	}
}

// diskWeather makes the log's fsync stall for a few seconds every 20-30 s.
func (s *sinkBroker) diskWeather(ctx context.Context) {
	for {
		if pause(ctx, jitter(20*time.Second, 30*time.Second)) != nil {
			return
		}
		s.mu.Lock()
		s.stallUntil = time.Now().Add(jitter(2500*time.Millisecond, 4*time.Second))
		s.mu.Unlock()
		atomic.AddInt64(&s.stalls, 1)
	}
}

func (s *sinkBroker) fsyncDelay() time.Duration {
	s.mu.Lock()
	until := s.stallUntil
	s.mu.Unlock()
	if d := time.Until(until); d > 0 {
		return d
	}
	return jitter(2*time.Millisecond, 8*time.Millisecond)
}

// appender groups queued records into batches, "fsyncs" them and
// confirms each batch once the replica has it.
func (s *sinkBroker) appender(ctx context.Context) {
	batch := make([]*record, 0, 64)
	for {
		batch = batch[:0]
		select {
		case r := <-s.appendq:
			batch = append(batch, r)
		case <-ctx.Done():
			return
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case r := <-s.appendq:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		if pause(ctx, s.fsyncDelay()) != nil {
			return
		}
		s.mu.Lock()
		for _, r := range batch {
			s.topics[r.topic]++
		}
		s.mu.Unlock()
		atomic.AddInt64(&s.appended, int64(len(batch)))

		done := make([]*record, len(batch))
		copy(done, batch)
		repl := jitter(3*time.Millisecond, 20*time.Millisecond)
		if randIntn(1000) < 6 {
			repl = jitter(1200*time.Millisecond, 2600*time.Millisecond) // follower lagging
		}
		time.AfterFunc(repl, func() {
			for _, r := range done {
				status := "ok"
				if randIntn(200) == 0 {
					status = "nack:quota"
				}
				r.conn.confirm(r.seq, status)
			}
		})
	}
}
