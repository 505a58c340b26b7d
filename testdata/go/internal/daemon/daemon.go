// Package daemon runs in-process plugins that are meant to live as long
// as the process.
package daemon

import "sync"

type Plugin interface {
	Name() string
	Init() error
}

var (
	mu      sync.Mutex
	running = map[string]int{}
)

// Serve initialises p and then parks forever.
func Serve(p Plugin) {
	if err := p.Init(); err != nil {
		return
	}
	mu.Lock()
	running[p.Name()]++
	mu.Unlock()
	select {}
}
