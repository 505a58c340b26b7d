// Package snap is the capture helper shared by the leak programs.
//
// Every program runs its workload in phases. Between phases it calls
// Settle, which waits until the workload is quiescent (the number of
// goroutines stopped changing and everything left is parked), and then
// writes one snapshot: the goroutine profile as gzipped proto (debug=0),
// as debug=1 text and as debug=2 text, back to back, so that the three
// formats describe the same moment. Memory programs also write the heap
// profile after a runtime.GC().
package snap

import (
	"bytes"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

var (
	outDir    = flag.String("out", ".", "directory the snapshot files are written to")
	hold      = flag.Bool("hold", false, "after the last snapshot print READY and wait (for a SIGQUIT dump)")
	snapshots = flag.Bool("snapshots", true, "write snapshot files (false for crash-dump runs)")
)

// Start parses the flags and creates the output directory.
func Start() {
	flag.Parse()
	if *snapshots {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			fatal(err)
		}
	}
}

// Hold reports whether the program was started with -hold.
func Hold() bool { return *hold }

// MemProfileRate sets runtime.MemProfileRate; memory programs call it first
// thing in main, as a service that raised its heap sampling rate would.
func MemProfileRate(n int) { runtime.MemProfileRate = n }

// Settle waits until the workload is quiescent: the goroutine count has not
// changed for 40 consecutive polls 5ms apart, then gives stragglers a
// moment to park. It also runs a GC, which stamps the wait start of every
// blocked goroutine (the runtime only records "N minutes" for goroutines a
// GC has seen blocked; the stamp is the end time of the previous GC).
func Settle() {
	deadline := time.Now().Add(20 * time.Second)
	last, same := -1, 0
	for same < 40 && time.Now().Before(deadline) {
		n := runtime.NumGoroutine()
		if n == last {
			same++
		} else {
			last, same = n, 0
		}
		time.Sleep(5 * time.Millisecond)
	}
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
}

// Goroutines writes goroutine-K.pb.gz, goroutine-K.debug1.txt and
// goroutine-K.debug2.txt.
func Goroutines(k int) {
	Profile("goroutine", k, 0, 1, 2)
}

// Heap runs a GC and writes heap-K.pb.gz, plus heap-K.debug1.txt if debug1.
func Heap(k int, debug1 bool) {
	runtime.GC()
	if debug1 {
		Profile("heap", k, 0, 1)
	} else {
		Profile("heap", k, 0)
	}
}

// Profile writes the named runtime/pprof profile at the given debug levels
// as NAME-K.pb.gz (debug 0) and NAME-K.debugN.txt. Every format is first
// rendered to memory and only then written out, so that the files of one
// snapshot are taken back to back. It reports false if the profile does
// not exist in this Go version.
func Profile(name string, k int, debugs ...int) bool {
	p := pprof.Lookup(name)
	if p == nil {
		fmt.Fprintf(os.Stderr, "snap: profile %q is not available in %s\n", name, runtime.Version())
		return false
	}
	if !*snapshots {
		return true
	}
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
		if err := ioutil.WriteFile(filepath.Join(*outDir, file), bufs[i].Bytes(), 0o644); err != nil {
			fatal(err)
		}
	}
	return true
}

// WriteFile writes an extra capture file (for example an fd count).
func WriteFile(name, content string) {
	if !*snapshots {
		return
	}
	if err := ioutil.WriteFile(filepath.Join(*outDir, name), []byte(content), 0o644); err != nil {
		fatal(err)
	}
}

// CountFDs returns the number of open file descriptors of this process.
func CountFDs() int {
	ents, err := ioutil.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// Finish ends the run: with -hold it prints READY and sleeps so that the
// capture script can send SIGQUIT; otherwise it prints a summary line.
func Finish(program string) {
	if *hold {
		fmt.Println("READY")
		for {
			time.Sleep(time.Hour)
		}
	}
	fmt.Printf("%s: done, %d goroutines (%s)\n", program, runtime.NumGoroutine(), strings.TrimPrefix(runtime.Version(), "go"))
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "snap:", err)
	os.Exit(1)
}
