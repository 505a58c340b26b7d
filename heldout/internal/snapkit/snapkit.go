// Package snapkit takes the snapshots of a held-out service run: at each
// time of the schedule (since Start) it writes the goroutine profile in
// three formats (goroutine-K.pb.gz, goroutine-K.debug1.txt,
// goroutine-K.debug2.txt) and the heap profile (heap-K.pb.gz), as someone
// saving /debug/pprof/goroutine?debug=N and /debug/pprof/heap would; after
// the last one the process exits with status 0.
//
//	-out DIR          where the files go
//	HO_SCHEDULE=20s,60s,100s,140s   (default) times since Start
package snapkit

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"
)

var outDir = flag.String("out", "", "directory the snapshot files are written to")

// Start parses the flags and starts taking snapshots in the background.
// Call it first thing in main; the service then runs until the last
// snapshot is written and the process exits.
func Start() {
	flag.Parse()
	if *outDir == "" {
		fmt.Fprintln(os.Stderr, "snapkit: -out DIR is required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fatal(err)
	}
	sched := os.Getenv("HO_SCHEDULE")
	if sched == "" {
		sched = "20s,60s,100s,140s"
	}
	var times []time.Duration
	for _, s := range strings.Split(sched, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			fatal(err)
		}
		times = append(times, d)
	}
	t0 := time.Now()
	go func() {
		for k, at := range times {
			time.Sleep(time.Until(t0.Add(at)))
			write("goroutine", k+1, 0, 1, 2)
			write("heap", k+1, 0)
		}
		os.Exit(0)
	}()
}

func write(name string, k int, debugs ...int) {
	p := pprof.Lookup(name)
	bufs := make([]*bytes.Buffer, len(debugs))
	for i, d := range debugs {
		bufs[i] = new(bytes.Buffer)
		if err := p.WriteTo(bufs[i], d); err != nil {
			fatal(err)
		}
	}
	for i, d := range debugs {
		file := fmt.Sprintf("%s-%d.debug%d.txt", name, k, d)
		if d == 0 {
			file = fmt.Sprintf("%s-%d.pb.gz", name, k)
		}
		if err := os.WriteFile(filepath.Join(*outDir, file), bufs[i].Bytes(), 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "snapkit:", err)
	os.Exit(1)
}
