// Package txutil runs functions inside database transactions.
package txutil

import (
	"context"
	"database/sql"
)

// WithTx runs fn in a transaction and commits it if fn succeeds.
func WithTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err // BUG: no tx.Rollback()
	}
	return tx.Commit()
}
