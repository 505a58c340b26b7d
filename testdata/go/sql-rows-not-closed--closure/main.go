// sql-rows-not-closed--closure: a lookup closure in (*Inventory).Reserve
// uses QueryContext as if it were QueryRow (`if !rows.Next() { ... }`,
// Scan, return) and never closes the Rows; the request context is the
// server's base context, never cancelled, so every call leaves a
// database/sql.(*Rows).awaitDone goroutine in select.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

var errNoStock = errors.New("no stock row")

type Inventory struct {
	db       *sql.DB
	reserved map[string]int64
}

func (inv *Inventory) Reserve(ctx context.Context, skus []string) (int64, error) {
	stock := func(sku string) (int64, error) {
		rows, err := inv.db.QueryContext(ctx, "SELECT qty FROM stock WHERE sku = ?", sku)
		if err != nil {
			return 0, err
		}
		if !rows.Next() {
			return 0, errNoStock
		}
		var n int64
		err = rows.Scan(&n)
		return n, err
	}
	var total int64
	for _, sku := range skus {
		n, err := stock(sku)
		if err != nil {
			return 0, err
		}
		inv.reserved[sku]++
		total += n
	}
	return total, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	base, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	db := sql.OpenDB(fakedb.Connector{DSN: "inventory"})
	inv := &Inventory{db: db, reserved: map[string]int64{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 5; i++ {
			skus := []string{fmt.Sprintf("A-%d", i), fmt.Sprintf("B-%d", i)}
			if _, err := inv.Reserve(base, skus); err != nil {
				fmt.Println(err)
				continue
			}
			pool.Do(func() {})
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-rows-not-closed--closure")
}
