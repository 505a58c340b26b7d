package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log"
	"sync"
	"time"
)

var errPartitionMoving = errors.New("partition moving")

// shardRouter maps search-index partitions to the index nodes that own
// them. The rebalancer moves one partition at a time; while it is moving,
// writes to it are refused and the caller fails its batch.
type shardRouter struct {
	mu     sync.RWMutex
	owners []string
	moving map[int]bool
	nodes  []string
	moves  int
}

func newShardRouter(partitions int, nodes []string) *shardRouter {
	r := &shardRouter{owners: make([]string, partitions), moving: make(map[int]bool), nodes: nodes}
	for p := range r.owners {
		r.owners[p] = nodes[p%len(nodes)]
	}
	return r
}

func (r *shardRouter) partitions() int { return len(r.owners) }

// partitionFor places a tenant's shard on a partition.
func (r *shardRouter) partitionFor(tenant string, shard int) int {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	return (int(h.Sum32()%1024) + shard) % len(r.owners)
}

func (r *shardRouter) locate(p int) (string, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.moving[p] {
		return "", fmt.Errorf("partition %d: %w", p, errPartitionMoving)
	}
	return r.owners[p], nil
}

// rebalance moves a partition to another node every few seconds.
func (r *shardRouter) rebalance(ctx context.Context) {
	for {
		if sleepCtx(ctx, randDur(6*time.Second, 12*time.Second)) != nil {
			return
		}
		p := randIntn(len(r.owners))
		r.mu.Lock()
		r.moving[p] = true
		from := r.owners[p]
		r.mu.Unlock()

		if sleepCtx(ctx, randDur(time.Second, 2500*time.Millisecond)) != nil {
			return
		}
		to := r.nodes[randIntn(len(r.nodes))]
		r.mu.Lock()
		r.owners[p] = to
		delete(r.moving, p)
		r.moves++
		r.mu.Unlock()
		log.Printf("router: partition %d moved %s -> %s", p, from, to)
	}
}
