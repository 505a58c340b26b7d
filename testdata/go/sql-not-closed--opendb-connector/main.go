// sql-not-closed--opendb-connector: migrateShard runs per shard in its own
// goroutine and opens a pool with sql.OpenDB(connector) that it never
// closes: database/sql.(*DB).connectionOpener grows by one per shard.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

type Migrator struct{ wg sync.WaitGroup }

func (m *Migrator) migrateShard(shard int) {
	defer m.wg.Done()
	db := sql.OpenDB(fakedb.Connector{DSN: fmt.Sprintf("shard=%d", shard)})
	if err := db.PingContext(context.Background()); err != nil {
		fmt.Println("shard", shard, err)
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	m := &Migrator{}
	shard := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			shard++
			m.wg.Add(1)
			go m.migrateShard(shard)
		}
		m.wg.Wait()
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-not-closed--opendb-connector")
}
