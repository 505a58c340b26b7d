// heap-map-growth--field-memo: a resolver memoizes every lookup in a map
// field; entries are keyed by request id, so none is ever read again or
// deleted (heap only).
package main

import (
	"fmt"
	"strings"

	"example.com/leaks/internal/snap"
)

type answer struct {
	name  string
	addrs []string
	ttl   int
}

type resolver struct {
	memo map[string]*answer
}

func (r *resolver) resolve(reqID int, host string) *answer {
	a := &answer{name: host, ttl: 30}
	for i := 0; i < 3; i++ {
		a.addrs = append(a.addrs, fmt.Sprintf("10.%d.%d.%d", reqID%250, i, len(host)))
	}
	r.memo[fmt.Sprintf("%d/%s", reqID, strings.ToLower(host))] = a
	return a
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	r := &resolver{memo: make(map[string]*answer)}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 15000; i++ {
			id++
			r.resolve(id, fmt.Sprintf("svc-%d.internal", id%40))
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, true)
		fmt.Printf("phase %d: %d answers memoized\n", k, len(r.memo))
	}
	snap.Finish("heap-map-growth--field-memo")
}
