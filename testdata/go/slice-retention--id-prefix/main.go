// slice-retention--id-prefix: every upload is read whole into a 512 KiB
// buffer, and the index keeps its first 16 bytes as the upload's id: a
// subslice that pins the whole buffer (heap only, default sampling rate).
package main

import (
	"bytes"
	"fmt"
	"io"

	"example.com/leaks/internal/snap"
)

type index struct {
	ids [][]byte
}

func readUpload(n int) []byte {
	src := bytes.NewReader(bytes.Repeat([]byte{byte('a' + n%26)}, 512<<10))
	buf, err := io.ReadAll(src)
	if err != nil {
		panic(err)
	}
	return buf
}

func (ix *index) add(n int) {
	body := readUpload(n)
	id := body[:16]
	ix.ids = append(ix.ids, id)
}

func main() {
	snap.Start()
	ix := &index{}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			n++
			ix.add(n)
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
		fmt.Printf("phase %d: %d ids kept\n", k, len(ix.ids))
	}
	snap.Finish("slice-retention--id-prefix")
}
