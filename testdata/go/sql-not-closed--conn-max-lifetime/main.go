// sql-not-closed--conn-max-lifetime: lookupUser opens a pool per call,
// sets SetConnMaxLifetime after its first query and never closes it, so
// each call leaves two library goroutines: database/sql.(*DB).connectionOpener
// and database/sql.(*DB).connectionCleaner (+10 each).
package main

import (
	"database/sql"
	"fmt"
	"time"

	"example.com/leaks/internal/bg"
	_ "example.com/leaks/internal/fakedb"
	"example.com/leaks/internal/snap"
)

func lookupUser(id int) (int64, error) {
	db, err := sql.Open("fakedb2", fmt.Sprintf("users?id=%d", id))
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.QueryRow("SELECT n FROM users WHERE id = ?", id).Scan(&n); err != nil {
		return 0, err
	}
	db.SetConnMaxLifetime(5 * time.Minute) // starts the cleaner: a connection is open
	return n, nil
}

func main() {
	snap.Start()
	pool, daemon := bg.Start(3)
	id := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			id++
			if _, err := lookupUser(id); err != nil {
				fmt.Println(err)
			}
		}
		pool.Do(func() {})
		snap.Settle()
		snap.Goroutines(k)
	}
	daemon.Stop()
	pool.Stop()
	snap.Finish("sql-not-closed--conn-max-lifetime")
}
