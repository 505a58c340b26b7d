// premature-return--recovered-panic: decode starts a checksum goroutine,
// then parses the header; a malformed header panics, the deferred recover
// turns it into an error, and decode returns without receiving the sum.
package main

import (
	"fmt"
	"hash/crc32"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type frame struct {
	kind    byte
	payload []byte
}

func header(b []byte) byte {
	if len(b) < 4 || b[0] != 'F' {
		panic(fmt.Sprintf("bad header %q", b))
	}
	return b[1]
}

func decode(b []byte) (f frame, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decode: %v", p)
		}
	}()
	sum := make(chan uint32)
	go func() {
		sum <- crc32.ChecksumIEEE(b)
	}()
	kind := header(b)
	if <-sum == 0 {
		return frame{}, fmt.Errorf("empty")
	}
	return frame{kind: kind, payload: b[4:]}, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 15; i++ {
			b := []byte(fmt.Sprintf("FX..payload-%d-%d", k, i))
			if i%3 != 0 {
				b[0] = 'G'
			}
			_, _ = decode(b)
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--recovered-panic")
}
