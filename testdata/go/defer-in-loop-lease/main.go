// defer-in-loop-lease: a scheduler loop leases a buffer per tick and defers
// the release inside the loop; leases accumulate until the loop ends.
package main

import (
	"example.com/leaks/internal/snap"
)

type Lease struct {
	buf      []byte
	released bool
}

func acquire() *Lease { return &Lease{buf: make([]byte, 2048)} }

func (l *Lease) Release() { l.released = true }

type Scheduler struct {
	ticks chan int
	done  chan int
}

func (s *Scheduler) loop() {
	for t := range s.ticks {
		l := acquire()
		defer l.Release()
		l.buf[0] = byte(t)
		s.done <- t
	}
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	s := &Scheduler{ticks: make(chan int), done: make(chan int)}
	go s.loop()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 1000; i++ {
			s.ticks <- i
			<-s.done
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("defer-in-loop-lease")
}
