// sql-not-closed: countOrders opens a *sql.DB per request and never closes
// it. sql.Open starts a database/sql.(*DB).connectionOpener goroutine for
// every DB, so they grow with the request count. The "fakedb" driver is a
// minimal in-process driver so that no database server is needed.
package main

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	"example.com/leaks/internal/snap"
)

type fakeDriver struct{}

func (fakeDriver) Open(dsn string) (driver.Conn, error) { return &fakeConn{dsn: dsn}, nil }

type fakeConn struct{ dsn string }

func (c *fakeConn) Prepare(query string) (driver.Stmt, error) { return &fakeStmt{query: query}, nil }
func (c *fakeConn) Close() error                              { return nil }
func (c *fakeConn) Begin() (driver.Tx, error)                 { return nil, errors.New("fakedb: no transactions") }

type fakeStmt struct{ query string }

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec(args []driver.Value) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (s *fakeStmt) Query(args []driver.Value) (driver.Rows, error) { return &fakeRows{}, nil }

type fakeRows struct{ done bool }

func (r *fakeRows) Columns() []string { return []string{"count"} }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(42)
	return nil
}

func init() { sql.Register("fakedb", fakeDriver{}) }

// countOrders opens the tenant database per call and never closes it.
func countOrders(tenant int) (int64, error) {
	db, err := sql.Open("fakedb", fmt.Sprintf("tenant=%d", tenant))
	if err != nil {
		return 0, err
	}
	// BUG: missing defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM orders").Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

func main() {
	snap.Start()
	tenant := 0
	for k := 1; k <= 3; k++ {
		for i := 0; i < 10; i++ {
			tenant++
			if _, err := countOrders(tenant); err != nil {
				fmt.Println("query failed:", err)
			}
		}
		snap.Settle()
		snap.Goroutines(k)
	}
	snap.Finish("sql-not-closed")
}
