// interface-boxing-field: a generic "attributes" bag on a long-lived span
// recorder stores large values as interface{}; attributes accumulate.
package main

import (
	"example.com/leaks/internal/snap"
)

type Attr struct {
	Key   string
	Value [48]int64
}

type Recorder struct {
	attrs map[string]interface{}
	n     int
}

func (r *Recorder) SetAttr(key string, a Attr) {
	r.n++
	r.attrs[key] = a
}

func main() {
	snap.MemProfileRate(4096)
	snap.Start()
	r := &Recorder{attrs: map[string]interface{}{}}
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 1500; i++ {
			n++
			r.SetAttr(string(rune('a'+n%26))+string(rune(n)), Attr{Key: "k"})
		}
		snap.Settle()
		snap.Goroutines(k)
		snap.Heap(k, false)
	}
	snap.Finish("interface-boxing-field")
}
