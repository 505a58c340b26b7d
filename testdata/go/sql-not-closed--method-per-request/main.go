// sql-not-closed--method-per-request: (*Router).dbFor opens a *sql.DB per
// call and TenantName drops it; requests come through a closure per
// request on the worker pool.
package main

import (
	"database/sql"
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	_ "example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

type Router struct {
	mu  sync.Mutex
	dsn map[string]string
}

func (r *Router) dbFor(tenant string) (*sql.DB, error) {
	r.mu.Lock()
	dsn := r.dsn[tenant]
	r.mu.Unlock()
	return sql.Open("fakedb2", dsn)
}

func (r *Router) TenantName(tenant string) (int64, error) {
	db, err := r.dbFor(tenant)
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.QueryRow("SELECT n FROM tenants").Scan(&n)
	return n, err
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	r := &Router{dsn: map[string]string{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			t := fmt.Sprintf("t%d", i)
			pool.Do(func() { r.TenantName(t) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-not-closed--method-per-request")
}
