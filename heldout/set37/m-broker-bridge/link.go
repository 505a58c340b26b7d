package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// message is one broker message on its way downstream; ack is called once
// the ingest service has taken it.
type message struct {
	topic   string
	offset  uint64
	payload string
	link    *link
}

// link is one upstream connection for one subscription. It runs three
// goroutines: the reader that decodes broker lines, the ack flusher that
// batches acknowledgements, and the keepalive that pings the broker so the
// broker's idle timer does not fire on quiet topics.
type link struct {
	id    string
	topic string
	group string
	conn  net.Conn

	wmu sync.Mutex
	w   *bufio.Writer

	amu     sync.Mutex
	pending []uint64

	deliver chan<- message
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the reader returns
	once    sync.Once

	lastPong atomic.Int64
	acked    atomic.Int64
	ackErrs  *atomic.Int64
	err      error
}

type linkConfig struct {
	addr          string
	topic, group  string
	ackInterval   time.Duration
	pingInterval  time.Duration
	readIdle      time.Duration
	ackErrCounter *atomic.Int64
}

func dialLink(id string, cfg linkConfig, deliver chan<- message) (*link, error) {
	conn, err := net.DialTimeout("tcp", cfg.addr, 3*time.Second)
	if err != nil {
		return nil, err
	}
	l := &link{
		id:      id,
		topic:   cfg.topic,
		group:   cfg.group,
		conn:    conn,
		w:       bufio.NewWriter(conn),
		deliver: deliver,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		ackErrs: cfg.ackErrCounter,
	}
	r := bufio.NewReader(conn)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := l.writeLine("SUB " + cfg.topic + " " + cfg.group); err != nil {
		conn.Close()
		return nil, err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	if !strings.HasPrefix(line, "OK") {
		conn.Close()
		return nil, fmt.Errorf("handshake: %q", strings.TrimSpace(line))
	}
	conn.SetDeadline(time.Time{})
	l.lastPong.Store(time.Now().UnixNano())

	go l.readLoop(r, cfg.readIdle)
	go l.ackFlusher(cfg.ackInterval)
	go l.keepalive(cfg.pingInterval)
	return l, nil
}

func (l *link) writeLine(s string) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.conn.SetWriteDeadline(time.Now().Add(3 * time.Second))
	l.w.WriteString(s)
	l.w.WriteByte('\n')
	return l.w.Flush()
}

// readLoop decodes broker lines until the connection fails. It closes the
// connection itself so that the supervisor can redial straight away.
func (l *link) readLoop(r *bufio.Reader, idle time.Duration) {
	defer close(l.done)
	defer l.conn.Close()
	for {
		l.conn.SetReadDeadline(time.Now().Add(idle))
		line, err := r.ReadString('\n')
		if err != nil {
			l.err = err
			return
		}
		f := strings.SplitN(strings.TrimSpace(line), " ", 4)
		switch f[0] {
		case "MSG":
			if len(f) < 4 {
				continue
			}
			off, err := strconv.ParseUint(f[2], 10, 64)
			if err != nil {
				continue
			}
			select {
			case l.deliver <- message{topic: f[1], offset: off, payload: f[3], link: l}:
			case <-l.stop:
				return
			}
		case "PONG":
			l.lastPong.Store(time.Now().UnixNano())
		}
	}
}

// ack records that a message was taken downstream; the flusher sends the
// offsets in batches.
func (l *link) ack(off uint64) {
	l.amu.Lock()
	l.pending = append(l.pending, off)
	l.amu.Unlock()
}

func (l *link) flushAcks() error {
	l.amu.Lock()
	batch := l.pending
	l.pending = nil
	l.amu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	parts := make([]string, len(batch))
	for i, off := range batch {
		parts[i] = strconv.FormatUint(off, 10)
	}
	if err := l.writeLine("ACK " + l.topic + " " + strings.Join(parts, ",")); err != nil {
		return err
	}
	l.acked.Add(int64(len(batch)))
	return nil
}

// ackFlusher sends the pending acknowledgements every interval. A failed
// flush is not fatal: the broker redelivers unacknowledged messages, so the
// batch is dropped and the flusher carries on.
func (l *link) ackFlusher(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			l.flushAcks()
			return
		case <-t.C:
			if err := l.flushAcks(); err != nil {
				l.ackErrs.Add(1)
			}
		}
	}
}

// keepalive pings the broker; it gives up when the link is gone.
func (l *link) keepalive(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-l.stop:
			return
		case <-l.done:
			return
		case <-t.C:
			n++
			if err := l.writeLine("PING " + strconv.Itoa(n)); err != nil {
				return
			}
			if since := time.Since(time.Unix(0, l.lastPong.Load())); since > 4*interval {
				log.Printf("link %s: no pong for %v", l.id, since.Round(time.Second))
			}
		}
	}
}

// Close ends the link in an orderly way: final acks, then the connection.
func (l *link) Close() {
	l.once.Do(func() {
		close(l.stop)
		l.conn.Close()
	})
	<-l.done
}
