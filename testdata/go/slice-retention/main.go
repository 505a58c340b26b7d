// slice-retention: parseFrame reads a whole 1 MiB frame and keeps only a
// 64-byte header subslice; the kept subslice pins the entire backing
// array (heap only). Uses Go's default heap sampling rate.
package main

import (
	"fmt"

	"example.com/leaks/internal/snap"
)

type FrameHeader struct {
	Seq int
	raw []byte // subslice of the full frame buffer
}

type Archive struct {
	headers []FrameHeader
}

// readFrame allocates the frame buffer.
func readFrame(seq int) []byte {
	buf := make([]byte, 1<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(seq + i)
	}
	return buf
}

func (a *Archive) parseFrame(seq int) {
	frame := readFrame(seq)
	a.headers = append(a.headers, FrameHeader{Seq: seq, raw: frame[:64]}) // BUG: should copy the 64 bytes
}

func main() {
	snap.Start()
	a := &Archive{}
	seq := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 6; i++ {
			seq++
			a.parseFrame(seq)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		fmt.Printf("phase %d: %d headers kept\n", k, len(a.headers))
	}
	snap.Finish("slice-retention")
}
