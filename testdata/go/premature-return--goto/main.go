// premature-return--goto: (*Loader).Load starts reading a remote override
// in a goroutine, then validates the local file; an invalid one jumps with
// `goto fail` to the error path at the end, past the receive, so the
// reader blocks on its unbuffered channel.
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Config struct {
	Name     string
	Override string
}

type Loader struct {
	failures int
}

func readOverride(name string) string {
	time.Sleep(time.Millisecond)
	return strings.ToUpper(name)
}

func (l *Loader) Load(name string, local string) (cfg Config, err error) {
	override := make(chan string)
	go func() {
		v := readOverride(name)
		override <- v
	}()
	if !strings.HasPrefix(local, "{") {
		err = errors.New("local config is not JSON")
		goto fail
	}
	cfg = Config{Name: name, Override: <-override}
	return cfg, nil
fail:
	l.failures++
	return Config{}, fmt.Errorf("load %s: %w", name, err)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	l := &Loader{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			name := fmt.Sprintf("svc-%d-%d", k, i)
			l.Load(name, "{}")
			l.Load(name, "name = x")
			pool.Do(func() {})
		}
		time.Sleep(10 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--goto")
}
