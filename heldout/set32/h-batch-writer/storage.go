package main

import (
	"bufio"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	rngMu sync.Mutex
	rng   = rand.New(rand.NewSource(time.Now().UnixNano()))
)

func randIntn(n int) int {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Intn(n)
}

func randFloat() float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return rng.Float64()
}

func randDur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(randIntn(int(hi-lo)+1))
}

// segment is one immutable run of points written by one write request;
// compaction merges segments.
type segment struct {
	level  int
	points int
	minTS  int64
	maxTS  int64
}

type shard struct {
	id int

	mu        sync.Mutex
	segments  []segment
	points    int64
	lastTS    map[string]int64
	sinceMaj  int       // minor compactions since the last major one
	nextMajor time.Time // retention sweep: rewrite the shard at most this often
}

// storage is the in-process storage engine: a fixed set of shards, each
// an append-only list of segments guarded by one lock.
type storage struct {
	shards []*shard
}

func newStorage(n int) *storage {
	s := &storage{}
	for i := 0; i < n; i++ {
		s.shards = append(s.shards, &shard{
			id:        i,
			lastTS:    make(map[string]int64),
			nextMajor: time.Now().Add(randDur(10*time.Second, 25*time.Second)),
		})
	}
	return s
}

func (s *storage) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/write", s.handleWrite)
	return mux
}

// handleWrite appends one segment to a shard. The body is the line format
// "series timestamp value".
func (s *storage) handleWrite(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id, err := strconv.Atoi(r.URL.Query().Get("shard"))
	if err != nil || id < 0 || id >= len(s.shards) {
		http.Error(w, "bad shard", http.StatusBadRequest)
		return
	}
	seg := segment{minTS: 1<<63 - 1}
	last := make(map[string]int64)
	sc := bufio.NewScanner(r.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		ts, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		if ts < seg.minTS {
			seg.minTS = ts
		}
		if ts > seg.maxTS {
			seg.maxTS = ts
		}
		if ts > last[f[0]] {
			last[f[0]] = ts
		}
		seg.points++
	}
	if err := sc.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// WAL append + fsync
	time.Sleep(randDur(2*time.Millisecond, 20*time.Millisecond))

	sh := s.shards[id]
	sh.mu.Lock()
	sh.segments = append(sh.segments, seg)
	sh.points += int64(seg.points)
	for k, v := range last {
		if v > sh.lastTS[k] {
			sh.lastTS[k] = v
		}
	}
	sh.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *storage) totalPoints() int64 {
	var n int64
	for _, sh := range s.shards {
		sh.mu.Lock()
		n += sh.points
		sh.mu.Unlock()
	}
	return n
}

func (s *storage) totalSegments() int {
	var n int
	for _, sh := range s.shards {
		n += sh.segmentCount()
	}
	return n
}

func (sh *shard) segmentCount() int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.segments)
}

// compact merges the shard's level-0 segments into one level-1 segment
// (minor) or rewrites the whole shard into a single segment (major). The
// shard is locked for the duration, so writes to it stall meanwhile.
func (sh *shard) compact(major bool) (merged int, took time.Duration) {
	start := time.Now()
	sh.mu.Lock()
	defer sh.mu.Unlock()

	var keep []segment
	out := segment{level: 1, minTS: 1<<63 - 1}
	if major {
		out.level = 2
	}
	for _, seg := range sh.segments {
		if !major && seg.level > 0 {
			keep = append(keep, seg)
			continue
		}
		merged++
		out.points += seg.points
		if seg.minTS < out.minTS {
			out.minTS = seg.minTS
		}
		if seg.maxTS > out.maxTS {
			out.maxTS = seg.maxTS
		}
	}
	if merged == 0 {
		return 0, time.Since(start)
	}
	// merge cost: reading and rewriting the input segments
	cost := time.Duration(out.points) * 6 * time.Microsecond
	if major {
		cost = randDur(120*time.Millisecond, 260*time.Millisecond)
		if randIntn(5) < 2 {
			// index rebuild on a big shard
			cost = randDur(380*time.Millisecond, 800*time.Millisecond)
		}
		sh.sinceMaj = 0
		sh.nextMajor = time.Now().Add(randDur(12*time.Second, 22*time.Second))
	} else {
		if cost > 90*time.Millisecond {
			cost = 90 * time.Millisecond
		}
		sh.sinceMaj++
	}
	time.Sleep(cost)
	sh.segments = append(keep, out)
	return merged, time.Since(start)
}
