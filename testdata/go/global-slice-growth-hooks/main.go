// global-slice-growth-hooks: every connection registers a shutdown hook in
// a package-level slice; hooks are never removed.
package main

import (
	"example.com/leaks/internal/snap"
)

type Hook struct {
	name  string
	state [240]byte
}

var shutdownHooks []*Hook

func onShutdown(h *Hook) {
	shutdownHooks = append(shutdownHooks, h)
}

func accept(n int) {
	onShutdown(&Hook{name: "conn"})
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 3000; i++ {
			n++
			accept(n)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("global-slice-growth-hooks")
}
