// sql-tx-not-finished--error-return: (*Ledger).Transfer begins a
// transaction with db.Begin() and returns on an insufficient-balance
// error without tx.Rollback(): each rejected transfer leaves a
// database/sql.(*Tx).awaitDone goroutine in chan receive, holding a
// connection of the in-process fakedb pool.
package main

import (
	"database/sql"
	"fmt"

	"example.com/leaks/internal/bg"
	_ "example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

type Ledger struct {
	db *sql.DB
}

func (l *Ledger) Transfer(from, to string, amount int64) error {
	tx, err := l.db.Begin()
	if err != nil {
		return err
	}
	var balance int64
	if err := tx.QueryRow("SELECT balance FROM accounts WHERE id = ?", from).Scan(&balance); err != nil {
		return err
	}
	if balance < amount {
		return fmt.Errorf("transfer %s -> %s: balance %d < %d", from, to, balance, amount)
	}
	if _, err := tx.Exec("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from); err != nil {
		return err
	}
	if _, err := tx.Exec("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to); err != nil {
		return err
	}
	return tx.Commit()
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	db, err := sql.Open("fakedb2", "ledger")
	if err != nil {
		panic(err)
	}
	l := &Ledger{db: db}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 20; i++ {
			amount := int64(5) // every balance reads 7
			if i%2 == 1 {
				amount = 50
			}
			if err := l.Transfer(fmt.Sprintf("acct-%d", i), "acct-0", amount); err != nil {
				pool.Do(func() {})
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-tx-not-finished--error-return")
}
