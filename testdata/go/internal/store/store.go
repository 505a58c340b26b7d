// Package store wraps database access for the variant programs. Open
// returns a new pool on every call; callers are meant to Close it.
package store

import (
	"database/sql"

	_ "example.com/leaks/internal/fakedb"
)

type Store struct{ DB *sql.DB }

// Open opens a pool for dsn.
func Open(dsn string) (*Store, error) {
	db, err := sql.Open("fakedb2", dsn)
	if err != nil {
		return nil, err
	}
	return &Store{DB: db}, nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.DB.Close() }

// Count runs a count query.
func (s *Store) Count(table string) (int64, error) {
	var n int64
	err := s.DB.QueryRow("SELECT count(*) FROM " + table).Scan(&n)
	return n, err
}
