// gen-bigheap prints a synthetic but realistic heap profile (the gzipped
// pprof protobuf /debug/pprof/heap or pprof.WriteHeapProfile writes) to
// stdout, of any size, for benchmarks:
//
//	gen-bigheap -samples 200000 -snapshot 0 > heap0.pb.gz
//
// The profile looks like one of a large service: thousands of functions in
// a dozen packages, a few thousand allocation sites reached through
// hundreds of call paths, stacks of 7 to 40 frames (some locations with
// inlined frames) ending in the runtime allocator (mallocgc under newobject,
// makeslice, growslice, mapassign …), four sample types
// alloc_objects/count, alloc_space/bytes, inuse_objects/count,
// inuse_space/bytes, period type space/bytes with the default 512 KiB
// sampling rate, a `bytes` numeric label on each sample and a mapping for
// the binary, as runtime/pprof lays them out. A few call sites leak: their
// in-use values grow with -snapshot (0, 1, 2 …), the rest varies by a few
// percent. The same -seed and -snapshot give the same profile; the call
// graph depends on -seed only, so snapshots of one seed compare.
//
// runtime/pprof's own encoder is internal, so the protobuf is encoded here
// by hand (see proto/profile.proto beside the Rust sources). Its output is
// not committed.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"strings"
)

var (
	numSamples = flag.Int("samples", 100000, "number of samples (distinct stacks)")
	seed       = flag.Int64("seed", 1, "random seed of the call graph")
	snapshot   = flag.Int("snapshot", 0, "snapshot number: leaking sites grow with it")
	raw        = flag.Bool("raw", false, "write the protobuf without gzip")
)

// ---------------------------------------------------------------------------
// Protobuf encoding (only what profile.proto needs)
// ---------------------------------------------------------------------------

type enc struct{ b []byte }

func (e *enc) varint(x uint64) {
	for x >= 0x80 {
		e.b = append(e.b, byte(x)|0x80)
		x >>= 7
	}
	e.b = append(e.b, byte(x))
}

func (e *enc) tag(field, wire int) { e.varint(uint64(field)<<3 | uint64(wire)) }

func (e *enc) int(field int, x int64) {
	if x == 0 {
		return
	}
	e.tag(field, 0)
	e.varint(uint64(x))
}

func (e *enc) uint(field int, x uint64) {
	if x == 0 {
		return
	}
	e.tag(field, 0)
	e.varint(x)
}

func (e *enc) bool(field int, x bool) {
	if x {
		e.tag(field, 0)
		e.varint(1)
	}
}

func (e *enc) bytes(field int, x []byte) {
	e.tag(field, 2)
	e.varint(uint64(len(x)))
	e.b = append(e.b, x...)
}

// msg encodes a nested message with f and appends it as field `field`.
func (e *enc) msg(field int, f func(*enc)) {
	var sub enc
	f(&sub)
	e.bytes(field, sub.b)
}

func (e *enc) packedUints(field int, xs []uint64) {
	var sub enc
	for _, x := range xs {
		sub.varint(x)
	}
	e.bytes(field, sub.b)
}

func (e *enc) packedInts(field int, xs []int64) {
	var sub enc
	for _, x := range xs {
		sub.varint(uint64(x))
	}
	e.bytes(field, sub.b)
}

// ---------------------------------------------------------------------------
// The call graph
// ---------------------------------------------------------------------------

type function struct {
	id        uint64
	name      int64 // string index
	file      int64
	startLine int64
}

type line struct {
	fn   int // index into functions
	line int64
}

type location struct {
	id    uint64
	addr  uint64
	lines []line // innermost (inlined) first
}

var (
	r       *rand.Rand
	strs    []string
	strIdx  = map[string]int64{}
	funcs   []function
	locs    []location
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
	types = []string{"Service", "Handler", "Client", "Worker", "Pool", "Store", "Broker", "Session", "conn", "batcher"}
	verbs = []string{"Get", "Put", "Handle", "Process", "Fetch", "Publish", "Subscribe", "Run", "Serve", "Flush",
		"Dispatch", "Reconcile", "Sync", "Watch", "Poll", "Apply", "Commit", "Load", "Store", "Notify", "decode", "encode"}
	nouns = []string{"Order", "Payment", "Item", "Batch", "Event", "Request", "Stream", "Snapshot", "Lease", "Txn", "Buffer", "Row"}
)

func str(s string) int64 {
	if i, ok := strIdx[s]; ok {
		return i
	}
	i := int64(len(strs))
	strs = append(strs, s)
	strIdx[s] = i
	return i
}

func pick(xs []string) string { return xs[r.Intn(len(xs))] }

func filePath(mod, base string) string {
	first := mod
	if i := strings.IndexByte(mod, '/'); i >= 0 {
		first = mod[:i]
	}
	switch {
	case !strings.Contains(first, "."):
		return "/usr/local/go/src/" + mod + "/" + base
	case strings.HasPrefix(mod, "github.com/acme/kit"):
		return "/home/runner/go/pkg/mod/github.com/acme/kit@v1.14.2" + strings.TrimPrefix(mod, "github.com/acme/kit") + "/" + base
	}
	return "/home/runner/work/shop/shop" + strings.TrimPrefix(mod, "example.com/shop") + "/" + base
}

func addFunc(name, file string) int {
	funcs = append(funcs, function{
		id:        uint64(len(funcs) + 1),
		name:      str(name),
		file:      str(file),
		startLine: int64(10 + r.Intn(900)),
	})
	return len(funcs) - 1
}

func addLoc(lines ...line) int {
	locs = append(locs, location{
		id:    uint64(len(locs) + 1),
		addr:  0x400000 + uint64(len(locs))*0x40 + uint64(r.Intn(0x40)),
		lines: lines,
	})
	return len(locs) - 1
}

// userLoc makes a location in a new or existing application function.
func userLoc() int {
	var fn int
	if len(funcs) > 40 && r.Intn(3) == 0 {
		fn = 20 + r.Intn(len(funcs)-20) // another line of a known function
	} else {
		mod := pick(modules)
		var name string
		switch c := r.Intn(6); {
		case c < 3:
			name = fmt.Sprintf("%s.(*%s).%s%s", mod, pick(types), pick(verbs), pick(nouns))
		case c < 4:
			name = fmt.Sprintf("%s.(*%s).%s%s.func%d", mod, pick(types), pick(verbs), pick(nouns), 1+r.Intn(3))
		case c < 5:
			name = fmt.Sprintf("%s.%s%s[...]", mod, pick(verbs), pick(nouns))
		default:
			name = fmt.Sprintf("%s.%s%s", mod, strings.ToLower(pick(verbs)), pick(nouns))
		}
		fn = addFunc(name, filePath(mod, strings.ToLower(pick(nouns))+".go"))
	}
	l := line{fn: fn, line: funcs[fn].startLine + int64(1+r.Intn(120))}
	if r.Intn(6) == 0 {
		// An inlined call inside this location.
		in := addFunc(fmt.Sprintf("%s.%s%s", pick(modules), strings.ToLower(pick(verbs)), pick(nouns)), filePath(pick(modules), "inline.go"))
		return addLoc(line{fn: in, line: funcs[in].startLine + 3}, l)
	}
	return addLoc(l)
}

// allocator tops: the runtime frames above the first user frame.
var allocTops [][]int

func makeAllocTops() {
	rt := func(name, file string, ln int64) int {
		f := addFunc(name, "/usr/local/go/src/runtime/"+file)
		return addLoc(line{fn: f, line: ln})
	}
	malloc := rt("runtime.mallocgc", "malloc.go", 1221)
	allocTops = [][]int{
		{malloc, rt("runtime.newobject", "malloc.go", 1710)},
		{malloc, rt("runtime.makeslice", "slice.go", 116)},
		{malloc, rt("runtime.growslice", "slice.go", 283)},
		{malloc, rt("runtime.newobject", "malloc.go", 1711), rt("runtime.mapassign_faststr", "map_faststr.go", 263)},
		{malloc, rt("runtime.rawstring", "string.go", 309), rt("runtime.rawstringtmp", "string.go", 174), rt("runtime.concatstrings", "string.go", 54)},
		{malloc, rt("runtime.makemap", "map.go", 338)},
		{malloc, rt("runtime.makechan", "chan.go", 114)},
	}
}

type site struct {
	top   []int // allocator frames
	path  []int // user frames, innermost first
	size  int64 // typical object size
	leaky bool
}

func main() {
	flag.Parse()
	r = rand.New(rand.NewSource(*seed))
	str("")
	makeAllocTops()
	for len(funcs) < 40 {
		userLoc()
	}

	// Allocation sites (the allocator frames and the inner user frames)
	// and entry paths (the outer frames: handlers, workers, main). A stack
	// is an inner part below an outer part, so stacks share sites and
	// call paths the way real allocation stacks do, and every sample is
	// a distinct stack.
	nInner := *numSamples/60 + 10
	nOuter := *numSamples/240 + 10
	inners := make([]site, nInner)
	for i := range inners {
		p := site{top: allocTops[r.Intn(len(allocTops))], size: int64(8 << r.Intn(12))}
		for n := 3 + r.Intn(18); len(p.path) < n; {
			p.path = append(p.path, userLoc())
		}
		inners[i] = p
	}
	outers := make([][]int, nOuter)
	for i := range outers {
		for n := 2 + r.Intn(18); len(outers[i]) < n; {
			outers[i] = append(outers[i], userLoc())
		}
	}
	for _, i := range []int{0, 1, 2} {
		inners[i].leaky = true
	}

	// Every random draw that shapes the call graph happens before this
	// point; values below vary with -snapshot only through their own source.
	vr := rand.New(rand.NewSource(*seed*1000 + int64(*snapshot)))
	const rate = 512 * 1024
	type sample struct {
		locs   []uint64
		values []int64
		size   int64
	}
	samples := make([]sample, 0, *numSamples)
	for i := 0; i < *numSamples; i++ {
		p := inners[i%nInner]
		outer := outers[(i/nInner+i*7)%nOuter]
		stack := make([]uint64, 0, len(p.top)+len(p.path)+len(outer))
		for _, l := range p.top {
			stack = append(stack, locs[l].id)
		}
		for _, l := range p.path {
			stack = append(stack, locs[l].id)
		}
		for _, l := range outer {
			stack = append(stack, locs[l].id)
		}
		objs := int64(1 + r.Intn(200))
		bytes := objs * p.size
		inObjs := objs * int64(10+r.Intn(90)) / 100
		if p.leaky {
			inObjs = objs * int64(1+*snapshot)
		} else {
			inObjs = inObjs * int64(95+vr.Intn(11)) / 100
		}
		// Values are scaled to estimates of the real counts, as pprof does.
		scale := func(n int64) int64 {
			if p.size >= rate {
				return n
			}
			return n * rate / p.size / 64
		}
		samples = append(samples, sample{
			locs:   stack,
			values: []int64{scale(objs), scale(bytes), scale(inObjs), scale(inObjs * p.size)},
			size:   p.size,
		})
	}

	var e enc
	vt := func(t, u string) func(*enc) {
		ti, ui := str(t), str(u)
		return func(e *enc) { e.int(1, ti); e.int(2, ui) }
	}
	e.msg(1, vt("alloc_objects", "count"))
	e.msg(1, vt("alloc_space", "bytes"))
	e.msg(1, vt("inuse_objects", "count"))
	e.msg(1, vt("inuse_space", "bytes"))
	bytesKey := str("bytes")
	periodType := vt("space", "bytes")
	for _, s := range samples {
		e.msg(2, func(e *enc) {
			e.packedUints(1, s.locs)
			e.packedInts(2, s.values)
			e.msg(3, func(e *enc) { e.int(1, bytesKey); e.int(3, s.size) })
		})
	}
	binary := str("/home/runner/work/shop/shop/bin/shopd")
	buildID := str("b1d5c0ffee0123456789abcdef0123456789abcd")
	e.msg(3, func(e *enc) {
		e.uint(1, 1)
		e.uint(2, 0x400000)
		e.uint(3, 0x400000+uint64(len(locs)+1)*0x40)
		e.int(5, binary)
		e.int(6, buildID)
		e.bool(7, true)
		e.bool(8, true)
		e.bool(9, true)
		e.bool(10, true)
	})
	for _, l := range locs {
		e.msg(4, func(e *enc) {
			e.uint(1, l.id)
			e.uint(2, 1)
			e.uint(3, l.addr)
			for _, ln := range l.lines {
				e.msg(4, func(e *enc) { e.uint(1, funcs[ln.fn].id); e.int(2, ln.line) })
			}
		})
	}
	for _, f := range funcs {
		e.msg(5, func(e *enc) {
			e.uint(1, f.id)
			e.int(2, f.name)
			e.int(3, f.name)
			e.int(4, f.file)
			e.int(5, f.startLine)
		})
	}
	// Every string is interned by now (field order does not matter in
	// protobuf, so the table may follow the messages that use it).
	for _, s := range strs {
		e.bytes(6, []byte(s))
	}
	e.int(9, 1767225600_000000000+int64(*snapshot)*60_000_000_000)
	e.msg(11, periodType)
	e.int(12, rate)

	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	if *raw {
		w.Write(e.b)
		return
	}
	gz, _ := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	gz.Write(e.b)
	gz.Close()
}
