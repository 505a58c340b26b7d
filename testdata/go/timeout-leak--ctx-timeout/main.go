// timeout-leak--ctx-timeout: Render bounds the work with
// context.WithTimeout and selects on ctx.Done(); after the deadline the
// worker closure blocks forever on its unbuffered send.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Page struct {
	Path string
	HTML string
}

type Renderer struct {
	templates map[string]string
}

func (r *Renderer) render(path string, slow bool) Page {
	if slow {
		time.Sleep(15 * time.Millisecond)
	}
	return Page{Path: path, HTML: r.templates["base"] + path}
}

var errDeadline = errors.New("render deadline exceeded")

func (r *Renderer) Render(ctx context.Context, path string, slow bool) (Page, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Millisecond)
	defer cancel()
	done := make(chan Page)
	go func() {
		done <- r.render(path, slow)
	}()
	select {
	case p := <-done:
		return p, nil
	case <-ctx.Done():
		return Page{}, fmt.Errorf("%s: %w", path, errDeadline)
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	r := &Renderer{templates: map[string]string{"base": "<html>"}}
	ctx := context.Background()
	n := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			n++
			_, _ = r.Render(ctx, fmt.Sprintf("/p/%d", n), i%2 == 1)
			pool.Do(func() {})
		}
		time.Sleep(30 * time.Millisecond)
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("timeout-leak--ctx-timeout")
}
