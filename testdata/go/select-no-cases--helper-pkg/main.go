// select-no-cases--helper-pkg: the `select {}` is in another package of
// the module (internal/daemon.Serve); the user's code starts a plugin per
// tenant request with `go daemon.Serve(p)`.
package main

import (
	"fmt"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/daemon"
	"example.com/leaks/internal/snap"
)

type auditPlugin struct{ tenant int }

func (a auditPlugin) Name() string { return fmt.Sprintf("audit-%d", a.tenant) }
func (a auditPlugin) Init() error  { return nil }

func onTenantRequest(tenant int) {
	go daemon.Serve(auditPlugin{tenant: tenant})
}

func main() {
	snap.Start()
	pool, d := bg.Start(3)
	tenant := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			tenant++
			t := tenant
			pool.Do(func() { onTenantRequest(t) })
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	d.Stop()
	pool.Stop()
	snap.Finish("select-no-cases--helper-pkg")
}
