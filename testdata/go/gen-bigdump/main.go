// gen-bigdump prints a synthetic but realistic goroutine dump in the
// debug=2 format (what /debug/pprof/goroutine?debug=2 or a SIGQUIT
// prints) to stdout, of any size, for benchmarks:
//
//	gen-bigdump -goroutines 100000 > big.txt
//
// The dump looks like one of a large service: a few dozen kinds of
// goroutine ("templates"), each a stack of 5 to 40 frames through methods,
// closures (.func1, .func2.1) and generic functions ([...]), blocked in one
// of eight ways (chan receive, chan send, select, IO wait,
// sync.Mutex.Lock, sync.WaitGroup.Wait, sleep, sync.Cond.Wait), with
// "created by F in goroutine N" lines naming real parent goroutines, and
// some goroutines waiting for minutes. A few templates are leaks and
// dominate the count. The same -seed gives the same dump; -style 1.19
// prints the Go 1.19 flavour (no "in goroutine N", "semacquire"). Paths are
// absolute, as a build without -trimpath prints them (GOROOT, the module
// cache, the checkout); -trimpath prints import paths instead. With the
// default -depth deep, 100,000 goroutines make about 370 MB (3.7 KB each);
// -depth shallow makes stacks mostly near 5 frames (about 1.5 KB each).
// A call site's file line has one +0x offset on every stack, as in a real
// dump (the return PC); -offsets random prints a new one on every line, as
// this generator did before.
// Goroutines are printed in creation order, the kinds interleaved as in a
// real dump; -order kind prints each kind's goroutines together.
//
// Its output is not committed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"sort"
	"strings"
)

var (
	numGoroutines = flag.Int("goroutines", 10000, "number of goroutines in the dump")
	seed          = flag.Int64("seed", 1, "random seed")
	style         = flag.String("style", "1.27", "Go version whose format to mimic: 1.27 or 1.19")
	numTemplates  = flag.Int("templates", 48, "number of distinct goroutine kinds")
	trimpath      = flag.Bool("trimpath", false, "print paths as a -trimpath build does (import paths) instead of absolute GOROOT and module cache paths")
	depthDist     = flag.String("depth", "deep", "stack depth distribution: deep (5 to 40 frames, uniform) or shallow (5 to 40, mostly near 5)")
	order         = flag.String("order", "created", "goroutine order: created (kinds interleaved, as the runtime prints them) or kind (each kind together)")
	offsets       = flag.String("offsets", "site", "+0x offsets of file lines: site (one per call site, as a real dump has: the return PC) or random (a new one on every line)")
)

type frame struct {
	fn      string
	file    string
	line    int
	nargs   int
	inlined bool
}

type template struct {
	kind     string
	frames   []frame // innermost first, without the created-by frame
	creator  frame
	parent   int // template index of the parent goroutine, -1 for main
	weight   int
	minutes  int // typical wait in minutes, 0 for none
	lockedTo bool
}

var (
	r       *rand.Rand
	old     bool
	addrHi  uint64
	modules = []string{
		"example.com/shop/internal/orders",
		"example.com/shop/internal/payments",
		"example.com/shop/internal/inventory",
		"example.com/shop/internal/cache",
		"example.com/shop/internal/queue",
		"example.com/shop/internal/rpc",
		"example.com/shop/internal/db",
		"example.com/shop/internal/auth",
		"example.com/shop/pkg/retry",
		"example.com/shop/pkg/stream",
		"github.com/acme/kit/transport/grpcx",
		"github.com/acme/kit/pubsub",
	}
	types   = []string{"Service", "Handler", "Client", "Worker", "Pool", "Store", "Broker", "Session", "conn", "batcher"}
	generic = []string{"LRU", "Queue", "Map", "Set", "Pipeline"}
	verbs   = []string{"Get", "Put", "Handle", "Process", "Fetch", "Publish", "Subscribe", "Run", "Serve", "Flush",
		"Dispatch", "Reconcile", "Sync", "Watch", "Poll", "Apply", "Commit", "Load", "Store", "Notify"}
	nouns = []string{"Order", "Payment", "Item", "Batch", "Event", "Request", "Stream", "Snapshot", "Lease", "Txn"}
)

func pick(xs []string) string { return xs[r.Intn(len(xs))] }

func shortPkg(mod string) string { return mod[strings.LastIndex(mod, "/")+1:] }

// userFrame makes one application frame: a method, a plain function, a
// closure or a generic function or method.
func userFrame() frame {
	mod := pick(modules)
	file := mod + "/" + strings.ToLower(pick(nouns)) + ".go"
	name := pick(verbs) + pick(nouns)
	var fn string
	switch c := r.Intn(10); {
	case c < 4:
		fn = fmt.Sprintf("%s.(*%s).%s", mod, pick(types), name)
	case c < 5:
		fn = fmt.Sprintf("%s.%s.%s", mod, pick(types), name)
	case c < 7:
		fn = fmt.Sprintf("%s.(*%s).%s.func%d", mod, pick(types), name, 1+r.Intn(3))
		if r.Intn(3) == 0 {
			fn += fmt.Sprintf(".%d", 1+r.Intn(2))
		}
	case c < 8:
		fn = fmt.Sprintf("%s.(*%s[...]).%s", mod, pick(generic), pick(verbs))
	case c < 9:
		fn = fmt.Sprintf("%s.%s[...]", mod, pick(verbs)+pick(nouns))
	default:
		fn = fmt.Sprintf("%s.%s", mod, strings.ToLower(name[:1])+name[1:])
	}
	return frame{fn: fn, file: file, line: 20 + r.Intn(600), nargs: r.Intn(5), inlined: r.Intn(8) == 0}
}

// blockingFrames returns the library frames at the top of a stack blocked
// in the given way (innermost first), as Go's traceback prints them.
func blockingFrames(kind string) []frame {
	switch kind {
	case "IO wait":
		fs := []frame{
			{fn: "internal/poll.runtime_pollWait", file: "runtime/netpoll.go", line: 351, nargs: 2},
			{fn: "internal/poll.(*pollDesc).wait", file: "internal/poll/fd_poll_runtime.go", line: 84, nargs: 3},
			{fn: "internal/poll.(*pollDesc).waitRead", file: "internal/poll/fd_poll_runtime.go", line: 89, inlined: true},
			{fn: "internal/poll.(*FD).Read", file: "internal/poll/fd_unix.go", line: 165, nargs: 2},
			{fn: "net.(*netFD).Read", file: "net/fd_posix.go", line: 68, nargs: 2},
			{fn: "net.(*conn).Read", file: "net/net.go", line: 196, nargs: 2},
			{fn: "bufio.(*Reader).Read", file: "bufio/bufio.go", line: 245, nargs: 2},
			{fn: "io.ReadAtLeast", file: "io/io.go", line: 335, nargs: 3},
			{fn: "io.ReadFull", file: "io/io.go", line: 354, inlined: true},
		}
		if old {
			fs[0].line, fs[3].line, fs[4].line, fs[5].line = 305, 167, 55, 183
		}
		return fs
	case "sync.Mutex.Lock", "semacquire-mutex":
		if old {
			return []frame{
				{fn: "sync.runtime_SemacquireMutex", file: "runtime/sema.go", line: 77, nargs: 3},
				{fn: "sync.(*Mutex).lockSlow", file: "sync/mutex.go", line: 171, nargs: 1},
				{fn: "sync.(*Mutex).Lock", file: "sync/mutex.go", line: 90, inlined: true},
			}
		}
		return []frame{
			{fn: "internal/sync.runtime_SemacquireMutex", file: "runtime/sema.go", line: 95, nargs: 3},
			{fn: "internal/sync.(*Mutex).lockSlow", file: "internal/sync/mutex.go", line: 149, nargs: 1},
			{fn: "internal/sync.(*Mutex).Lock", file: "internal/sync/mutex.go", line: 70, inlined: true},
			{fn: "sync.(*Mutex).Lock", file: "sync/mutex.go", line: 46, inlined: true},
		}
	case "sync.WaitGroup.Wait", "semacquire-wg":
		if old {
			return []frame{
				{fn: "sync.runtime_Semacquire", file: "runtime/sema.go", line: 62, nargs: 1},
				{fn: "sync.(*WaitGroup).Wait", file: "sync/waitgroup.go", line: 139, nargs: 1},
			}
		}
		return []frame{
			{fn: "sync.runtime_SemacquireWaitGroup", file: "runtime/sema.go", line: 114, nargs: 2},
			{fn: "sync.(*WaitGroup).Wait", file: "sync/waitgroup.go", line: 206, nargs: 1},
		}
	case "sync.Cond.Wait":
		line := 617
		if old {
			line = 517
		}
		return []frame{
			{fn: "sync.runtime_notifyListWait", file: "runtime/sema.go", line: line, nargs: 2},
			{fn: "sync.(*Cond).Wait", file: "sync/cond.go", line: 71, nargs: 1},
		}
	case "sleep":
		line := 368
		if old {
			line = 195
		}
		return []frame{{fn: "time.Sleep", file: "runtime/time.go", line: line, nargs: 1}}
	}
	return nil // channel operations and select: the user frame is on top
}

var kinds = []string{"chan receive", "chan send", "select", "IO wait", "sync.Mutex.Lock", "sync.WaitGroup.Wait", "sleep", "sync.Cond.Wait"}

func headerState(kind string) string {
	if old {
		switch kind {
		case "sync.Mutex.Lock", "sync.WaitGroup.Wait":
			return "semacquire"
		}
	}
	return kind
}

func makeTemplates(n int) []template {
	ts := make([]template, 0, n)
	for i := 0; i < n; i++ {
		t := template{kind: kinds[i%len(kinds)], parent: -1, weight: 1 + r.Intn(20)}
		depth := 5 + r.Intn(36) // 5..40 frames in all
		if *depthDist == "shallow" {
			depth = 5 + r.Intn(36)*r.Intn(36)/35 // mostly near 5
		}
		t.frames = append(t.frames, blockingFrames(t.kind)...)
		for len(t.frames) < depth-1 {
			t.frames = append(t.frames, userFrame())
		}
		// The outermost frame is what the goroutine was started with.
		t.frames = append(t.frames, userFrame())
		t.frames[len(t.frames)-1].inlined = false
		t.creator = userFrame()
		t.creator.inlined = false
		if i > 0 && r.Intn(3) != 0 {
			t.parent = r.Intn(i) // spawned by a goroutine of an earlier kind
		}
		if r.Intn(3) == 0 {
			t.minutes = 1 + r.Intn(240)
		}
		ts = append(ts, t)
	}
	// A few leaks dominate: a timed-out sender, a forgotten subscriber
	// and a pile-up behind a lock, each with long waits.
	for j, k := range []int{1, 2, 4} {
		if k < len(ts) {
			ts[k].weight = 400 * (3 - j)
			ts[k].minutes = 30 + r.Intn(600)
		}
	}
	if len(ts) > 5 {
		ts[5].lockedTo = true
	}
	return ts
}

func (w *writer) addr() string {
	v := addrHi + uint64(r.Intn(1<<24))*8
	if r.Intn(4) == 0 {
		return fmt.Sprintf("0x%x?", v)
	}
	return fmt.Sprintf("0x%x", v)
}

func (w *writer) args(f frame) string {
	if f.inlined {
		return "(...)"
	}
	parts := make([]string, f.nargs)
	for i := range parts {
		switch r.Intn(4) {
		case 0:
			parts[i] = fmt.Sprintf("{%s, %s}", w.addr(), fmt.Sprintf("0x%x", r.Intn(64)))
		case 1:
			parts[i] = fmt.Sprintf("0x%x", r.Intn(1000))
		default:
			parts[i] = w.addr()
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

type writer struct{ *bufio.Writer }

// path turns an import-path file name into what the traceback of a build
// without -trimpath prints: GOROOT for the standard library, the module
// cache for dependencies, the checkout for the main module.
func path(file string) string {
	if *trimpath {
		return file
	}
	first := file
	if i := strings.IndexByte(file, '/'); i >= 0 {
		first = file[:i]
	}
	switch {
	case !strings.Contains(first, "."):
		return "/usr/local/go/src/" + file
	case strings.HasPrefix(file, "example.com/shop/"):
		return "/home/runner/work/shop/shop/" + strings.TrimPrefix(file, "example.com/shop/")
	case strings.HasPrefix(file, "github.com/acme/kit/"):
		return "/home/runner/go/pkg/mod/github.com/acme/kit@v1.14.2/" + strings.TrimPrefix(file, "github.com/acme/kit/")
	}
	return file
}

func (w *writer) frame(f frame) {
	fmt.Fprintf(w, "%s%s\n\t%s:%d", f.fn, w.args(f), path(f.file), f.line)
	if !f.inlined {
		fmt.Fprintf(w, " +0x%x", offset(f))
	}
	w.WriteString("\n")
}

func main() {
	flag.Parse()
	if *offsets != "site" && *offsets != "random" {
		fmt.Fprintf(os.Stderr, "gen-bigdump: -offsets %q: want site or random\n", *offsets)
		os.Exit(2)
	}
	r = rand.New(rand.NewSource(*seed))
	old = strings.HasPrefix(*style, "1.19")
	addrHi = 0x16d9a0000000
	if old {
		addrHi = 0xc000000000
	}
	ts := makeTemplates(*numTemplates)
	total := 0
	for _, t := range ts {
		total += t.weight
	}
	// Assign a count to every template, then goroutine ids in creation
	// order so that parents exist before their children.
	counts := make([]int, len(ts))
	left := *numGoroutines - 2
	for i := range ts {
		counts[i] = left * ts[i].weight / total
	}
	assigned := 0
	for _, c := range counts {
		assigned += c
	}
	for i := 0; assigned < left; i = (i + 1) % len(ts) {
		counts[i]++
		assigned++
	}
	// Creation order: the kinds interleave, as goroutines of a service
	// are created over time (the runtime prints them in that order);
	// -order kind prints each kind's goroutines together instead.
	created := make([]int, 0, left)
	for i := range ts {
		for j := 0; j < counts[i]; j++ {
			created = append(created, i)
		}
	}
	if *order != "kind" {
		r.Shuffle(len(created), func(a, b int) { created[a], created[b] = created[b], created[a] })
	}
	ids := make([][]int, len(ts))
	next := 2
	for _, i := range created {
		next += 1 + r.Intn(3)*r.Intn(2)
		ids[i] = append(ids[i], next)
	}

	w := &writer{bufio.NewWriterSize(os.Stdout, 1<<16)}
	defer w.Flush()

	// The goroutine serving the profile request is the running one.
	handler := next + 7
	fmt.Fprintf(w, "goroutine %d [running]:\n", handler)
	for _, f := range []frame{
		{fn: "runtime/pprof.writeGoroutineStacks", file: "runtime/pprof/pprof.go", line: 816, nargs: 1},
		{fn: "runtime/pprof.writeGoroutine", file: "runtime/pprof/pprof.go", line: 779, nargs: 2},
		{fn: "runtime/pprof.(*Profile).WriteTo", file: "runtime/pprof/pprof.go", line: 405, nargs: 3},
		{fn: "net/http/pprof.handler.ServeHTTP", file: "net/http/pprof/pprof.go", line: 272, nargs: 3},
		{fn: "net/http/pprof.Index", file: "net/http/pprof/pprof.go", line: 389, nargs: 2},
		{fn: "net/http.HandlerFunc.ServeHTTP", file: "net/http/server.go", line: 2322, nargs: 3},
		{fn: "net/http.(*ServeMux).ServeHTTP", file: "net/http/server.go", line: 2861, nargs: 3},
		{fn: "net/http.serverHandler.ServeHTTP", file: "net/http/server.go", line: 3340, nargs: 3},
		{fn: "net/http.(*conn).serve", file: "net/http/server.go", line: 2109, nargs: 2},
	} {
		w.frame(f)
	}
	w.createdBy(frame{fn: "net/http.(*Server).Serve", file: "net/http/server.go", line: 3454}, 1)
	w.WriteString("\n")

	fmt.Fprintf(w, "goroutine 1 [chan receive, %d minutes]:\n", 1000+r.Intn(5000))
	w.frame(frame{fn: "main.main", file: "example.com/shop/cmd/shopd/main.go", line: 88})
	w.WriteString("\n")

	printed := make([]int, len(ts))
	for _, i := range created {
		t := ts[i]
		j := printed[i]
		printed[i]++
		id := ids[i][j]
		{
			state := headerState(t.kind)
			if t.minutes > 0 && j%5 != 4 {
				state += fmt.Sprintf(", %d minutes", 1+r.Intn(t.minutes))
			}
			if t.lockedTo {
				state += ", locked to thread"
			}
			fmt.Fprintf(w, "goroutine %d [%s]:\n", id, state)
			for _, f := range t.frames {
				w.frame(f)
			}
			// A parent of the parent kind created before this one.
			parent := 1
			if t.parent >= 0 {
				if older := sort.SearchInts(ids[t.parent], id); older > 0 {
					parent = ids[t.parent][r.Intn(older)]
				}
			}
			w.createdBy(t.creator, parent)
			w.WriteString("\n")
		}
	}
}

func (w *writer) createdBy(f frame, parent int) {
	if old {
		fmt.Fprintf(w, "created by %s\n", f.fn)
	} else {
		fmt.Fprintf(w, "created by %s in goroutine %d\n", f.fn, parent)
	}
	fmt.Fprintf(w, "\t%s:%d +0x%x\n", path(f.file), f.line, offset(f))
}

// offset is the +0x offset of frame f's file line: the return PC's offset
// in its function, the same on every stack through that call site (with
// -offsets random, a new one on every line, as earlier versions printed).
// The random stream advances the same either way, so the two dumps differ
// only in their offsets.
func offset(f frame) int {
	o := 0x10 + r.Intn(0x400)
	if *offsets == "random" {
		return o
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", f.fn, f.file, f.line)
	return 0x10 + int(h.Sum32()%0x400)
}
