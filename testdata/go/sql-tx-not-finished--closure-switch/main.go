// sql-tx-not-finished--closure-switch: the sync worker applies each change
// in a closure that opens db.BeginTx(ctx, nil) with the worker's
// long-lived context and switches on the operation; the default case
// returns an error for unknown operations without tx.Rollback(), so each
// leaves a database/sql.(*Tx).awaitDone goroutine in chan receive.
package main

import (
	"context"
	"database/sql"
	"fmt"

	"example.com/leaks/internal/bg"
	"example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

type Change struct {
	Op  string
	Key string
	Val string
}

type Syncer struct {
	db      *sql.DB
	skipped int
}

func (s *Syncer) Run(ctx context.Context, changes []Change) {
	apply := func(c Change) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		switch c.Op {
		case "put":
			if _, err := tx.ExecContext(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", c.Key, c.Val); err != nil {
				tx.Rollback()
				return err
			}
		case "del":
			if _, err := tx.ExecContext(ctx, "DELETE FROM kv WHERE k = ?", c.Key); err != nil {
				tx.Rollback()
				return err
			}
		default:
			return fmt.Errorf("change %s: unknown op %q", c.Key, c.Op)
		}
		return tx.Commit()
	}
	for _, c := range changes {
		if err := apply(c); err != nil {
			s.skipped++
		}
	}
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Syncer{db: sql.OpenDB(fakedb.Connector{DSN: "replica"})}
	ops := []string{"put", "del", "touch"}
	for k := 1; k <= 3; k++ {
		var batch []Change
		for i := 0; i < 30; i++ {
			batch = append(batch, Change{Op: ops[i%3], Key: fmt.Sprintf("k%d-%d", k, i), Val: "v"})
		}
		s.Run(ctx, batch)
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-tx-not-finished--closure-switch")
}
