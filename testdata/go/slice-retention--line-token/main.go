// slice-retention--line-token: loadBatch allocates a 1 MiB record batch;
// tokenize keeps each batch's first token as a slice of it in a package
// list, pinning every batch (heap only, default sampling rate).
package main

import (
	"bytes"
	"fmt"

	"example.com/leaks/internal/snap"
)

var firstTokens [][]byte

func loadBatch(seq int) []byte {
	b := make([]byte, 1<<20)
	copy(b, fmt.Sprintf("batch-%06d rest of the records", seq))
	return b
}

func tokenize(seq int) {
	batch := loadBatch(seq)
	end := bytes.IndexByte(batch, ' ')
	firstTokens = append(firstTokens, batch[0:end])
}

func main() {
	snap.Start()
	seq := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 6; i++ {
			seq++
			tokenize(seq)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		fmt.Printf("phase %d: %d tokens kept\n", k, len(firstTokens))
	}
	snap.Finish("slice-retention--line-token")
}
