// premature-return--helper-pkg: the goroutine is started by a helper in
// another package of the module (internal/async.Run, a future whose
// channel is unbuffered); the user's code returns on an error before it
// receives from the future.
package main

import (
	"errors"
	"strings"

	"example.com/leaks/internal/async"
	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/snap"
)

type Page struct {
	Path string
	Body string
}

func render(path string) string { return "<h1>" + path + "</h1>" }

var errForbidden = errors.New("forbidden")

func servePage(path string) (Page, error) {
	body := async.Run(func() string { return render(path) })
	if strings.HasPrefix(path, "/admin") {
		return Page{}, errForbidden
	}
	return Page{Path: path, Body: <-body}, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			path := "/docs"
			if i%2 == 0 {
				path = "/admin/users"
			}
			if _, err := servePage(path); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("premature-return--helper-pkg")
}
