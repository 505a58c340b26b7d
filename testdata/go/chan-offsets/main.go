// chan-offsets (not a capture program): parks one goroutine in each kind
// of channel operation, then reads its own debug=1 goroutine profile and
// prints, for this Go release, the distance from the wrapper's return
// address (chansend1, chanrecv1, chanrecv2) to the park address in
// chansend or chanrecv, the second and third hidden addresses of each
// record. src/load/debug1.rs (chan_op_by_offset) holds these distances
// for the releases measured; with -out it also writes the profile there,
// for the tests (testdata/chan-offsets/).
//
//	go run ./chan-offsets [-out FILE]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

//go:noinline
func send(ch chan int) { ch <- 1 }

//go:noinline
func recv1(ch chan int) int { return <-ch }

//go:noinline
func recv2(ch chan int) int {
	n := 0
	for v := range ch {
		n += v
	}
	return n
}

//go:noinline
func recvOK(ch chan int) bool { _, ok := <-ch; return ok }

//go:noinline
func nilSend() {
	var ch chan int
	ch <- 1
}

//go:noinline
func nilRecv1() int {
	var ch chan int
	return <-ch
}

//go:noinline
func nilRecv2() bool {
	var ch chan int
	_, ok := <-ch
	return ok
}

var record = regexp.MustCompile(`(?m)^\d+ @ ((?:0x[0-9a-f]+ ?)+)\n#\t0x[0-9a-f]+\tmain\.(\w+)\+`)

func main() {
	out := flag.String("out", "", "write the debug=1 goroutine profile here")
	flag.Parse()
	a, b, c, d := make(chan int), make(chan int), make(chan int), make(chan int)
	go send(a)
	go recv1(b)
	go recv2(c)
	go recvOK(d)
	go nilSend()
	go nilRecv1()
	go nilRecv2()
	time.Sleep(200 * time.Millisecond)
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		panic(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
	offsets := map[string]string{}
	for _, m := range record.FindAllStringSubmatch(buf.String(), -1) {
		addrs := strings.Fields(m[1])
		if len(addrs) < 3 {
			continue
		}
		x, _ := strconv.ParseUint(addrs[1], 0, 64)
		y, _ := strconv.ParseUint(addrs[2], 0, 64)
		offsets[m[2]] = fmt.Sprintf("%#x", x-y)
	}
	row := []string{runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
	for _, f := range []string{"send", "recv1", "recv2", "nilSend", "nilRecv1", "nilRecv2"} {
		row = append(row, f+"="+offsets[f])
	}
	fmt.Println(strings.Join(row, " "))
}
