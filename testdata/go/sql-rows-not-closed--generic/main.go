// sql-rows-not-closed--generic: a generic helper queryFirst[T] returns the
// first scanned row (`for rows.Next() { return scan(rows) }`) and never
// closes the Rows; the report job passes its long-lived job context, so
// each call leaves a database/sql.(*Rows).awaitDone goroutine in select.
package main

import (
	"context"
	"database/sql"
	"fmt"

	"example.com/leaks/internal/bg"
	_ "example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

func queryFirst[T any](ctx context.Context, db *sql.DB, scan func(*sql.Rows) (T, error), query string, args ...interface{}) (T, error) {
	var zero T
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return zero, err
	}
	for rows.Next() {
		return scan(rows)
	}
	return zero, sql.ErrNoRows
}

type Total struct {
	Region string
	Count  int64
}

type Reporter struct {
	db  *sql.DB
	ctx context.Context
}

func (r *Reporter) regionTotal(region string) (Total, error) {
	return queryFirst(r.ctx, r.db, func(rows *sql.Rows) (Total, error) {
		t := Total{Region: region}
		return t, rows.Scan(&t.Count)
	}, "SELECT count(*) FROM orders WHERE region = ?", region)
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := sql.Open("fakedb2", "reports")
	if err != nil {
		panic(err)
	}
	r := &Reporter{db: db, ctx: ctx}
	for k := 1; k <= 3; k++ {
		var sum int64
		for i := 0; i < 10; i++ {
			t, err := r.regionTotal(fmt.Sprintf("eu-%d", i))
			if err != nil {
				fmt.Println(err)
				continue
			}
			sum += t.Count
		}
		pool.Do(func() { _ = sum })
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-rows-not-closed--generic")
}
