package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"
	"time"
)

// handlerFunc serves one RPC method.
type handlerFunc func(ctx context.Context, body []byte) ([]byte, error)

// rpcServer serves multiplexed RPC connections: every request runs in its
// own goroutine and can be cancelled by the client with a cancel frame.
type rpcServer struct {
	handlers    map[string]handlerFunc
	idleTimeout time.Duration
}

func (s *rpcServer) serve(ctx context.Context, ln net.Listener) {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("rpc server: accept: %v", err)
			}
			return
		}
		sc := &serverConn{
			srv:      s,
			conn:     conn,
			out:      make(chan frame, 128),
			closed:   make(chan struct{}),
			inflight: make(map[uint64]context.CancelFunc),
		}
		go sc.writeLoop()
		go sc.readLoop(ctx)
	}
}

type serverConn struct {
	srv    *rpcServer
	conn   net.Conn
	out    chan frame
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	inflight map[uint64]context.CancelFunc
}

func (sc *serverConn) close() {
	sc.once.Do(func() {
		close(sc.closed)
		sc.conn.Close()
	})
}

func (sc *serverConn) readLoop(ctx context.Context) {
	defer sc.close()
	br := bufio.NewReaderSize(sc.conn, 32<<10)
	for {
		sc.conn.SetReadDeadline(time.Now().Add(sc.srv.idleTimeout))
		f, err := readFrame(br)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("rpc server: read: %v", err)
			}
			sc.mu.Lock()
			for _, cancel := range sc.inflight {
				cancel()
			}
			sc.mu.Unlock()
			return
		}
		switch f.kind {
		case kindRequest:
			rctx, cancel := context.WithCancel(ctx)
			sc.mu.Lock()
			sc.inflight[f.id] = cancel
			sc.mu.Unlock()
			go sc.handle(rctx, f)
		case kindCancel:
			sc.mu.Lock()
			if cancel, ok := sc.inflight[f.id]; ok {
				cancel()
				delete(sc.inflight, f.id)
			}
			sc.mu.Unlock()
		}
	}
}

func (sc *serverConn) handle(ctx context.Context, req frame) {
	defer func() {
		sc.mu.Lock()
		if cancel, ok := sc.inflight[req.id]; ok {
			cancel()
			delete(sc.inflight, req.id)
		}
		sc.mu.Unlock()
	}()
	reply := frame{kind: kindReply, id: req.id}
	h, ok := sc.srv.handlers[req.method]
	if !ok {
		reply.kind, reply.body = kindError, []byte("unknown method "+req.method)
	} else {
		body, err := h(ctx, req.body)
		if ctx.Err() != nil {
			return // the client cancelled; nobody wants the answer
		}
		if err != nil {
			reply.kind, reply.body = kindError, []byte(err.Error())
		} else {
			reply.body = body
		}
	}
	select {
	case sc.out <- reply:
	case <-sc.closed:
	}
}

func (sc *serverConn) writeLoop() {
	bw := bufio.NewWriterSize(sc.conn, 32<<10)
	for {
		select {
		case f := <-sc.out:
			sc.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := writeFrame(bw, f); err != nil {
				log.Printf("rpc server: write: %v", err)
				sc.close()
				return
			}
		case <-sc.closed:
			return
		}
	}
}

// kvStore is the service behind the RPC server: a sharded key/value store
// whose range scans read the manifest, which compaction rewrites under an
// exclusive lock (2-4 s every 15-25 s).
type kvStore struct {
	manifest sync.RWMutex
	shards   []*kvShard
}

type kvShard struct {
	mu   sync.Mutex
	data map[string]int64
}

func newKVStore(n int) *kvStore {
	s := &kvStore{}
	for i := 0; i < n; i++ {
		s.shards = append(s.shards, &kvShard{data: make(map[string]int64)})
	}
	return s
}

func (s *kvStore) shardFor(key string) *kvShard {
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return s.shards[int(h)%len(s.shards)]
}

type kvRequest struct {
	Key   string `json:"key,omitempty"`
	Value int64  `json:"value,omitempty"`
	Shard int    `json:"shard,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

type kvResponse struct {
	Value int64    `json:"value,omitempty"`
	Found bool     `json:"found,omitempty"`
	Keys  []string `json:"keys,omitempty"`
	Rev   int64    `json:"rev,omitempty"`
}

func (s *kvStore) handlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"sys.ping": func(ctx context.Context, body []byte) ([]byte, error) { return body, nil },
		"kv.get":   s.get,
		"kv.put":   s.put,
		"kv.scan":  s.scan,
	}
}

func (s *kvStore) get(ctx context.Context, body []byte) ([]byte, error) {
	var req kvRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	if !pause(ctx, jitter(time.Millisecond, 4*time.Millisecond)) {
		return nil, ctx.Err()
	}
	sh := s.shardFor(req.Key)
	sh.mu.Lock()
	v, ok := sh.data[req.Key]
	sh.mu.Unlock()
	return json.Marshal(kvResponse{Value: v, Found: ok})
}

func (s *kvStore) put(ctx context.Context, body []byte) ([]byte, error) {
	var req kvRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	if !pause(ctx, jitter(2*time.Millisecond, 8*time.Millisecond)) {
		return nil, ctx.Err()
	}
	sh := s.shardFor(req.Key)
	sh.mu.Lock()
	sh.data[req.Key] = req.Value
	n := int64(len(sh.data))
	sh.mu.Unlock()
	return json.Marshal(kvResponse{Rev: n})
}

func (s *kvStore) scan(ctx context.Context, body []byte) ([]byte, error) {
	var req kvRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	if req.Shard < 0 || req.Shard >= len(s.shards) {
		return nil, fmt.Errorf("no shard %d", req.Shard)
	}
	s.manifest.RLock()
	defer s.manifest.RUnlock()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	d := jitter(20*time.Millisecond, 120*time.Millisecond)
	if randIntn(100) < 2 {
		d = jitter(time.Second, 3*time.Second) // cold SSTables
	}
	if !pause(ctx, d) {
		return nil, ctx.Err()
	}
	sh := s.shards[req.Shard]
	sh.mu.Lock()
	keys := make([]string, 0, req.Limit)
	for k := range sh.data {
		if len(keys) == req.Limit {
			break
		}
		keys = append(keys, k)
	}
	sh.mu.Unlock()
	return json.Marshal(kvResponse{Keys: keys, Rev: int64(len(keys))})
}

// compactor rewrites the manifest now and then, blocking scans meanwhile.
func (s *kvStore) compactor(ctx context.Context) {
	for pause(ctx, jitter(15*time.Second, 25*time.Second)) {
		hold := jitter(2*time.Second, 4*time.Second)
		s.manifest.Lock()
		log.Printf("kv: manifest compaction, holding %s", hold.Round(time.Millisecond))
		time.Sleep(hold)
		s.manifest.Unlock()
	}
}
