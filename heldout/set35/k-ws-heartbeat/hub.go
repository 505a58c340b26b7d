package main

import (
	"bufio"
	"encoding/binary"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// hub keeps the connected sessions and fans topic messages out to them.
type hub struct {
	pingEvery time.Duration
	pongWait  time.Duration
	writeWait time.Duration

	nextID uint64

	mu       sync.RWMutex
	sessions map[uint64]*session
	byTopic  map[string]map[uint64]*session

	opened, closed, kicked, timedOut, delivered int64
}

func newHub() *hub {
	return &hub{
		pingEvery: 2 * time.Second,
		pongWait:  6 * time.Second,
		writeWait: 3 * time.Second,
		sessions:  make(map[uint64]*session),
		byTopic:   make(map[string]map[uint64]*session),
	}
}

func (h *hub) handleWS(w http.ResponseWriter, r *http.Request) {
	if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
		http.Error(w, "websocket upgrade required", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if key == "" {
		http.Error(w, "missing Sec-WebSocket-Key", http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "hijack unsupported", http.StatusInternalServerError)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n")
	if err := brw.Flush(); err != nil {
		conn.Close()
		return
	}
	topics := []string{"presence"}
	for _, t := range strings.Split(r.URL.Query().Get("topics"), ",") {
		if t != "" {
			topics = append(topics, t)
		}
	}
	s := newSession(h, conn, brw.Reader, topics)
	h.serve(s)
}

// serve runs a session on the upgraded connection until it ends.
func (h *hub) serve(s *session) {
	h.register(s)
	defer h.unregister(s)

	go s.writePump()
	go s.heartbeat()
	err := s.readPump()
	reason := "peer closed"
	if err != nil {
		reason = "read: " + err.Error()
	}
	s.close(reason)
}

func (h *hub) register(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions[s.id] = s
	for _, t := range s.topics {
		m := h.byTopic[t]
		if m == nil {
			m = make(map[uint64]*session)
			h.byTopic[t] = m
		}
		m[s.id] = s
	}
	h.opened++
}

func (h *hub) unregister(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.sessions, s.id)
	for _, t := range s.topics {
		delete(h.byTopic[t], s.id)
	}
	h.closed++
}

// broadcast queues payload for every subscriber of topic without blocking;
// sessions whose queue is full are dropped as slow consumers.
func (h *hub) broadcast(topic string, payload []byte) int {
	var slow []*session
	n := 0
	h.mu.RLock()
	for _, s := range h.byTopic[topic] {
		if s.trySend(frame{op: opText, payload: payload}) {
			n++
		} else {
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		atomic.AddInt64(&h.kicked, 1)
		s.close("slow consumer")
	}
	atomic.AddInt64(&h.delivered, int64(n))
	return n
}

func (h *hub) online() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.sessions)
}

type hubStats struct {
	Online    int   `json:"online"`
	Opened    int64 `json:"opened"`
	Closed    int64 `json:"closed"`
	Kicked    int64 `json:"kicked"`
	TimedOut  int64 `json:"timed_out"`
	Delivered int64 `json:"delivered"`
}

func (h *hub) stats() hubStats {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return hubStats{
		Online: len(h.sessions), Opened: h.opened, Closed: h.closed,
		Kicked: atomic.LoadInt64(&h.kicked), TimedOut: atomic.LoadInt64(&h.timedOut),
		Delivered: atomic.LoadInt64(&h.delivered),
	}
}

// session is one upgraded websocket connection.
type session struct {
	id     uint64
	hub    *hub
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	topics []string

	send      chan frame
	done      chan struct{}
	closeOnce sync.Once
	pinger    *time.Ticker
	lastPong  int64 // unix nanos

	reason string
}

func newSession(h *hub, conn net.Conn, br *bufio.Reader, topics []string) *session {
	s := &session{
		id:     atomic.AddUint64(&h.nextID, 1),
		hub:    h,
		conn:   conn,
		br:     br,
		bw:     bufio.NewWriterSize(conn, 4096),
		topics: topics,
		send:   make(chan frame, 64),
		done:   make(chan struct{}),
		pinger: time.NewTicker(h.pingEvery),
	}
	atomic.StoreInt64(&s.lastPong, time.Now().UnixNano())
	return s
}

// trySend queues f if there is room.
func (s *session) trySend(f frame) bool {
	select {
	case s.send <- f:
		return true
	case <-s.done:
		return true // closing anyway; not a slow consumer
	default:
		return false
	}
}

// enqueue queues f, waiting for room unless the session closes.
func (s *session) enqueue(f frame) bool {
	select {
	case s.send <- f:
		return true
	case <-s.done:
		return false
	}
}

// close tears the session down once: it stops the pinger, wakes the pumps
// and closes the socket.
func (s *session) close(reason string) {
	s.closeOnce.Do(func() {
		s.reason = reason
		s.pinger.Stop()
		close(s.done)
		s.conn.Close()
	})
}

// heartbeat pings the peer on every tick and drops it when pongs stop.
func (s *session) heartbeat() {
	for range s.pinger.C {
		if time.Since(time.Unix(0, atomic.LoadInt64(&s.lastPong))) > s.hub.pongWait {
			atomic.AddInt64(&s.hub.timedOut, 1)
			s.close("pong timeout")
			return
		}
		var stamp [8]byte
		binary.BigEndian.PutUint64(stamp[:], uint64(time.Now().UnixNano()))
		if !s.enqueue(frame{op: opPing, payload: stamp[:]}) {
			return
		}
	}
}

func (s *session) writePump() {
	for {
		select {
		case <-s.done:
			return
		case f := <-s.send:
			s.conn.SetWriteDeadline(time.Now().Add(s.hub.writeWait))
			err := writeFrame(s.bw, f, false)
			// Coalesce whatever else is queued into the same flush.
			for n := len(s.send); err == nil && n > 0; n-- {
				err = writeFrame(s.bw, <-s.send, false)
			}
			if err == nil {
				err = s.bw.Flush()
			}
			if err != nil {
				s.close("write: " + err.Error())
				return
			}
		}
	}
}

// readPump handles frames from the peer until it goes away. A nil error
// means the peer closed cleanly.
func (s *session) readPump() error {
	for {
		f, err := readFrame(s.br)
		if err != nil {
			return err
		}
		switch f.op {
		case opPong:
			atomic.StoreInt64(&s.lastPong, time.Now().UnixNano())
		case opPing:
			s.enqueue(frame{op: opPong, payload: f.payload})
		case opClose:
			s.enqueue(frame{op: opClose, payload: f.payload})
			// give the writer a moment to echo the close frame
			select {
			case <-s.done:
			case <-time.After(100 * time.Millisecond):
			}
			return nil
		case opText:
			s.handleMessage(f.payload)
		}
	}
}

func (s *session) handleMessage(msg []byte) {
	switch {
	case strings.HasPrefix(string(msg), "echo "):
		s.enqueue(frame{op: opText, payload: msg[5:]})
	case strings.HasPrefix(string(msg), "say "):
		s.hub.broadcast("chat", msg[4:])
	case string(msg) == "who":
		s.enqueue(frame{op: opText, payload: []byte("online " + itoa(s.hub.online()))})
	default:
		// acks and typing notifications are just counted
	}
}

func logStats(h *hub, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			log.Printf("hub %+v", h.stats())
		}
	}
}
