// control-plain-cycle: parent/child trees and rings without finalizers are
// built per request and dropped; the garbage collector frees the cycles.
// Heap flat.
package main

import (
	"runtime"

	"example.com/leaks/internal/snap"
)

type Dir struct {
	parent   *Dir
	children []*Dir
	meta     [256]byte
}

type ring struct {
	next *ring
	buf  [512]byte
}

func buildTree(depth int, parent *Dir) *Dir {
	d := &Dir{parent: parent}
	if depth > 0 {
		for i := 0; i < 3; i++ {
			d.children = append(d.children, buildTree(depth-1, d))
		}
	}
	return d
}

func buildRing(n int) *ring {
	first := &ring{}
	cur := first
	for i := 1; i < n; i++ {
		cur.next = &ring{}
		cur = cur.next
	}
	cur.next = first
	return first
}

func handle() int {
	t := buildTree(3, nil)
	r := buildRing(8)
	return len(t.children) + len(r.buf)
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	for k := 1; k <= 3; k++ {
		for i := 0; i < 300; i++ {
			_ = handle()
		}
		runtime.GC()
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("control-plain-cycle")
}
