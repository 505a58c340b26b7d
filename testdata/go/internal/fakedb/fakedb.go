// Package fakedb is a minimal in-process database/sql driver ("fakedb2")
// and connector so that the sql variants need no database server.
// Transactions are accepted and end with Commit or Rollback (no-ops).
package fakedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
)

type Driver struct{}

func (Driver) Open(dsn string) (driver.Conn, error) { return &conn{}, nil }

type conn struct{}

func (c *conn) Prepare(query string) (driver.Stmt, error) { return &stmt{}, nil }
func (c *conn) Close() error                              { return nil }
func (c *conn) Begin() (driver.Tx, error)                 { return tx{}, nil }

type tx struct{}

func (tx) Commit() error   { return nil }
func (tx) Rollback() error { return nil }

type stmt struct{}

func (s *stmt) Close() error  { return nil }
func (s *stmt) NumInput() int { return -1 }
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) { return &rows{}, nil }

type rows struct{ done bool }

func (r *rows) Columns() []string { return []string{"n"} }
func (r *rows) Close() error      { return nil }
func (r *rows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(7)
	return nil
}

// Connector opens fakedb connections for sql.OpenDB.
type Connector struct{ DSN string }

func (c Connector) Connect(ctx context.Context) (driver.Conn, error) { return &conn{}, nil }
func (c Connector) Driver() driver.Driver                            { return Driver{} }

func init() { sql.Register("fakedb2", Driver{}) }
