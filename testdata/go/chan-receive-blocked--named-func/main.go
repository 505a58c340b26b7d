// chan-receive-blocked--named-func: (*Uploader).Put starts `go awaitAck(id,
// acks, u.confirm)`, a named function whose `ack := <-acks` waits for the
// storage node's acknowledgement; the node returns early on a quota error
// without sending, so that receive never completes.
package main

import (
	"errors"
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Ack struct {
	ID    int
	Bytes int
}

var errQuota = errors.New("quota exceeded")

type node struct {
	used, quota int
}

// store writes the blob and acknowledges it on acks, except when the
// node is over quota: then it returns without acknowledging.
func (n *node) store(id int, blob []byte, acks chan<- Ack) error {
	if n.used+len(blob) > n.quota {
		return errQuota
	}
	n.used += len(blob)
	acks <- Ack{ID: id, Bytes: len(blob)}
	return nil
}

func awaitAck(id int, acks <-chan Ack, confirm func(Ack)) {
	ack := <-acks
	if ack.ID != id {
		panic(fmt.Sprintf("ack for %d, want %d", ack.ID, id))
	}
	confirm(ack)
}

type Uploader struct {
	node      *node
	confirmed int
}

func (u *Uploader) confirm(a Ack) { u.confirmed += a.Bytes }

func (u *Uploader) Put(id int, blob []byte) error {
	acks := make(chan Ack, 1)
	go awaitAck(id, acks, u.confirm)
	return u.node.store(id, blob, acks)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	u := &Uploader{node: &node{quota: 1 << 10}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 12; i++ {
			id++
			size := 64
			if i%6 == 5 {
				size = 4 << 10 // never fits: no ack
			}
			u.node.used = 0
			if err := u.Put(id, make([]byte, size)); err != nil {
				pool.Do(func() {})
			}
		}
		for i := 0; i < 8; i++ {
			id++
			u.node.used = u.node.quota // full: no ack
			u.Put(id, make([]byte, 64))
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("chan-receive-blocked--named-func")
}
