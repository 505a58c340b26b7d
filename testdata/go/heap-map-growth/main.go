// heap-map-growth: a global index map that entries are added to on every
// login and never removed from (heap only; no goroutine growth).
package main

import (
	"fmt"
	"time"

	"example.com/leaks/internal/snap"
)

type SessionInfo struct {
	User      string
	Token     [32]byte
	LastSeen  time.Time
	UserAgent string
	Scopes    []string
}

// sessionIndex only grows: logout never deletes.
var sessionIndex = map[string]*SessionInfo{}

func recordLogin(user string, n int) {
	info := &SessionInfo{
		User:      user,
		LastSeen:  time.Unix(int64(1700000000+n), 0),
		UserAgent: fmt.Sprintf("client/%d.%d (build %08d)", n%7, n%13, n),
		Scopes:    []string{"read", "write"},
	}
	info.Token[0] = byte(n)
	sessionIndex[fmt.Sprintf("%s/%d", user, n)] = info
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20000; i++ {
			n++
			recordLogin(fmt.Sprintf("user%d", n%500), n)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, true)
		fmt.Printf("phase %d: %d sessions indexed\n", k, len(sessionIndex))
	}
	snap.Finish("heap-map-growth")
}
