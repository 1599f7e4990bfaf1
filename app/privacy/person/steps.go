package person

import (
	"context"
	"database/sql"
	"fmt"
)

// Execer runs a statement: *sqlx.Tx, *sqlx.DB and database.Queryer satisfy it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Step is one statement of a feature's erasure and the kind of change it counts.
type Step struct {
	Kind string // the key it counts under in Counts; "" for none
	SQL  string
	Args []any
}

// Run runs steps in order through q, counting the rows each changed. feature names the
// package in errors.
func Run(ctx context.Context, q Execer, feature string, c Counts, steps ...Step) error {
	for _, s := range steps {
		res, err := q.ExecContext(ctx, s.SQL, s.Args...)
		if err != nil {
			return fmt.Errorf("%s: erase (%s): %w", feature, s.Kind, err)
		}
		n, _ := res.RowsAffected()
		if s.Kind != "" {
			c.Add(s.Kind, n)
		}
	}
	return nil
}
