// sql-rows-not-closed--early-return: (*Repo).FirstOverdue queries with the
// service's long-lived context and returns from inside the rows.Next loop
// on the first match without rows.Close(): each call leaves a
// database/sql.(*Rows).awaitDone goroutine in select (and a connection
// checked out of the in-process fakedb pool).
package main

import (
	"context"
	"database/sql"
	"fmt"

	"example.com/leaks/internal/bg"
	_ "example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

type Repo struct {
	db *sql.DB
}

func (r *Repo) FirstOverdue(ctx context.Context, tenant string, days int64) (int64, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT age FROM invoices WHERE tenant = ? ORDER BY age DESC", tenant)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var age int64
		if err := rows.Scan(&age); err != nil {
			return 0, err
		}
		if age > days {
			return age, nil
		}
	}
	return 0, rows.Err()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	db, err := sql.Open("fakedb2", "billing")
	if err != nil {
		panic(err)
	}
	r := &Repo{db: db}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			// every row is 7 days old: a 5-day threshold matches at the first row
			days := int64(30)
			if i%2 == 0 {
				days = 5
			}
			age, err := r.FirstOverdue(ctx, fmt.Sprintf("t%d", i), days)
			if err != nil {
				fmt.Println(err)
				continue
			}
			if age > 0 {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-rows-not-closed--early-return")
}
