package main

import (
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"
)

// shardData is the authoritative stock for one shard; both replicas of the
// shard serve from it.
type shardData struct {
	id      int
	mu      sync.Mutex
	stock   map[string]int
	version map[string]int64
	restock map[string]chan struct{} // closed when the SKU is restocked
}

func newShardData(id int, skus []string) *shardData {
	d := &shardData{id: id, stock: make(map[string]int), version: make(map[string]int64), restock: make(map[string]chan struct{})}
	for _, s := range skus {
		d.stock[s] = rand.Intn(40)
	}
	return d
}

// restockChan returns the channel that is closed at the next restock of sku.
func (d *shardData) restockChan(sku string) chan struct{} {
	ch := d.restock[sku]
	if ch == nil {
		ch = make(chan struct{})
		d.restock[sku] = ch
	}
	return ch
}

// restocker replenishes a few SKUs every couple of seconds and wakes the
// customers waiting for them.
func (d *shardData) restocker(skus []string) {
	for {
		time.Sleep(time.Duration(1500+rand.Intn(3000)) * time.Millisecond)
		n := 2 + rand.Intn(6)
		d.mu.Lock()
		for i := 0; i < n; i++ {
			sku := skus[rand.Intn(len(skus))]
			d.stock[sku] += 10 + rand.Intn(50)
			d.version[sku]++
			if ch := d.restock[sku]; ch != nil {
				close(ch)
				delete(d.restock, sku)
			}
		}
		d.mu.Unlock()
	}
}

// ---- RPC service -------------------------------------------------------------

type GetArgs struct{ SKU string }

type GetReply struct {
	SKU     string
	Qty     int
	Version int64
	Replica string
}

type GetManyArgs struct{ SKUs []string }

type GetManyReply struct {
	Items   []GetReply
	Replica string
}

type ReserveArgs struct {
	Order   string
	SKU     string
	Qty     int
	Version int64 // optimistic concurrency: 0 means "don't care"
}

type ReserveReply struct {
	Remaining int
	Version   int64
}

type WaitArgs struct {
	SKU       string
	MaxWaitMS int
}

type WaitReply struct {
	Restocked bool
	Qty       int
}

var (
	errConflict   = errors.New("version conflict")
	errOutOfStock = errors.New("out of stock")
)

// Inventory is the RPC service exported by each replica.
type Inventory struct {
	data    *shardData
	name    string
	slowPct int
	calls   int64
}

func (s *Inventory) think(base, jitter time.Duration) {
	d := base + time.Duration(rand.Int63n(int64(jitter)+1))
	if rand.Intn(100) < s.slowPct {
		d += time.Duration(30+rand.Intn(150)) * time.Millisecond // GC pause, noisy neighbour...
	}
	time.Sleep(d)
}

func (s *Inventory) Get(args GetArgs, reply *GetReply) error {
	atomic.AddInt64(&s.calls, 1)
	s.think(time.Millisecond, 6*time.Millisecond)
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	qty, ok := s.data.stock[args.SKU]
	if !ok {
		return fmt.Errorf("unknown sku %q", args.SKU)
	}
	*reply = GetReply{SKU: args.SKU, Qty: qty, Version: s.data.version[args.SKU], Replica: s.name}
	return nil
}

func (s *Inventory) GetMany(args GetManyArgs, reply *GetManyReply) error {
	atomic.AddInt64(&s.calls, 1)
	s.think(2*time.Millisecond, 8*time.Millisecond)
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	reply.Replica = s.name
	for _, sku := range args.SKUs {
		reply.Items = append(reply.Items, GetReply{SKU: sku, Qty: s.data.stock[sku], Version: s.data.version[sku], Replica: s.name})
	}
	return nil
}

func (s *Inventory) Reserve(args ReserveArgs, reply *ReserveReply) error {
	atomic.AddInt64(&s.calls, 1)
	s.think(15*time.Millisecond, 35*time.Millisecond)
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	v := s.data.version[args.SKU]
	if (args.Version != 0 && args.Version != v) || rand.Intn(25) == 0 {
		return errConflict
	}
	if s.data.stock[args.SKU] < args.Qty {
		return errOutOfStock
	}
	s.data.stock[args.SKU] -= args.Qty
	s.data.version[args.SKU] = v + 1
	*reply = ReserveReply{Remaining: s.data.stock[args.SKU], Version: v + 1}
	return nil
}

// WaitRestock blocks until the SKU is restocked or MaxWaitMS elapses.
func (s *Inventory) WaitRestock(args WaitArgs, reply *WaitReply) error {
	atomic.AddInt64(&s.calls, 1)
	s.data.mu.Lock()
	ch := s.data.restockChan(args.SKU)
	s.data.mu.Unlock()
	t := time.NewTimer(time.Duration(args.MaxWaitMS) * time.Millisecond)
	defer t.Stop()
	select {
	case <-ch:
		s.data.mu.Lock()
		reply.Restocked, reply.Qty = true, s.data.stock[args.SKU]
		s.data.mu.Unlock()
	case <-t.C:
	}
	return nil
}

func (s *Inventory) Ping(seq int, reply *int) error {
	*reply = seq
	return nil
}

// serveReplica starts a net/rpc server for one replica on loopback.
func serveReplica(data *shardData, name string, slowPct int) (string, *Inventory, error) {
	inv := &Inventory{data: data, name: name, slowPct: slowPct}
	srv := rpc.NewServer()
	if err := srv.RegisterName("Inventory", inv); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				log.Printf("%s: accept: %v", name, err)
				return
			}
			go srv.ServeConn(conn)
		}
	}()
	return ln.Addr().String(), inv, nil
}
