// mutex-never-unlocked--helper-pkg: the lock is held by a helper in
// another package (internal/registry.(*Registry).Register returns on a
// duplicate with its mutex locked); the user's resolve goroutines then
// block in (*Registry).Lookup.
package main

import (
	"fmt"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/registry"
	"example.com/leaks/internal/snap"
)

func resolve(r *registry.Registry, name string, out chan<- string) {
	out <- r.Lookup(name)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	r := registry.New()
	r.Register("db", "10.0.0.5:5432")
	if err := r.Register("db", "10.0.0.6:5432"); err != nil {
		fmt.Println("register:", err)
	}
	out := make(chan string, 100)
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			go resolve(r, "db", out)
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("mutex-never-unlocked--helper-pkg")
}
