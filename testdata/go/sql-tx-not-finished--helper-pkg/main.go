// sql-tx-not-finished--helper-pkg: the transaction is begun in another
// package of the module (internal/txutil.WithTx), which returns fn's error
// without rolling back; the signup handler's fn rejects taken user names,
// so each rejection leaves a database/sql.(*Tx).awaitDone goroutine in
// chan receive (context.Background never ends it).
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"example.com/leaks/internal/bg"
	_ "example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
	"example.com/leaks/internal/txutil"
)

var errTaken = errors.New("user name taken")

type Accounts struct {
	db    *sql.DB
	taken map[string]bool
}

func (a *Accounts) Signup(name, email string) error {
	return txutil.WithTx(context.Background(), a.db, func(tx *sql.Tx) error {
		if a.taken[name] {
			return errTaken
		}
		if _, err := tx.Exec("INSERT INTO users (name, email) VALUES (?, ?)", name, email); err != nil {
			return err
		}
		a.taken[name] = true
		return nil
	})
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	db, err := sql.Open("fakedb2", "accounts")
	if err != nil {
		panic(err)
	}
	a := &Accounts{db: db, taken: map[string]bool{}}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			name := fmt.Sprintf("user%d", k*10+i)
			a.Signup(name, name+"@example.com")
			if err := a.Signup(name, "again@example.com"); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-tx-not-finished--helper-pkg")
}
