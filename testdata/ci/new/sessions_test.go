package sessions

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
)

func BenchmarkOpenPublishClose(b *testing.B) {
	s := NewStore()
	for i := 0; i < b.N; i++ {
		sess := s.Open()
		sess.Publish("hello")
		s.Close(sess)
	}
}

// TestLeakProfiles writes goroutine and heap profiles after each of three
// rounds of traffic into $LEAKDIFF_PROFILES, for leakdiff analyze.
func TestLeakProfiles(t *testing.T) {
	dir := os.Getenv("LEAKDIFF_PROFILES")
	if dir == "" {
		t.Skip("LEAKDIFF_PROFILES not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := NewStore()
	for round := 1; round <= 3; round++ {
		for i := 0; i < 200; i++ {
			sess := s.Open()
			sess.Publish("hello")
			s.Close(sess)
		}
		runtime.GC()
		for _, kind := range []string{"goroutine", "heap"} {
			name := filepath.Join(dir, fmt.Sprintf("%s-%d.pb.gz", kind, round))
			f, err := os.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := pprof.Lookup(kind).WriteTo(f, 0); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
