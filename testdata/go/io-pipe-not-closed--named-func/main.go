// io-pipe-not-closed--named-func: (*Gateway).sniff streams a report through
// io.Pipe with `go encodeReport(pw, rep)` to sniff its content type from
// the first 512 bytes, then returns without closing the PipeReader: the
// named encoder blocks in (*PipeWriter).Write on the rest of the document.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Line struct {
	SKU   string  `json:"sku"`
	Qty   int     `json:"qty"`
	Price float64 `json:"price"`
}

type Report struct {
	ID    int    `json:"id"`
	Owner string `json:"owner"`
	Lines []Line `json:"lines"`
}

func encodeReport(pw *io.PipeWriter, rep Report) {
	err := json.NewEncoder(pw).Encode(rep)
	pw.CloseWithError(err)
}

type Gateway struct {
	types map[string]int
}

func (g *Gateway) sniff(rep Report) (string, error) {
	pr, pw := io.Pipe()
	go encodeReport(pw, rep)
	head := make([]byte, 512)
	n, err := io.ReadFull(pr, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return "", err
	}
	// BUG: pr.Close() missing; the encoder still has the rest to write
	return http.DetectContentType(head[:n]), nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	g := &Gateway{types: map[string]int{}}
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			rep := Report{ID: id, Owner: fmt.Sprintf("team-%d", i)}
			for j := 0; j < 40; j++ {
				rep.Lines = append(rep.Lines, Line{SKU: strings.Repeat("x", 8) + fmt.Sprint(j), Qty: j, Price: 9.5})
			}
			ct, err := g.sniff(rep)
			if err != nil {
				fmt.Println(err)
				continue
			}
			g.types[ct]++
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("io-pipe-not-closed--named-func")
}
