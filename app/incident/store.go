package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"tugi/app/database"
)

// ErrNotFound is returned for an incident that does not exist or that the viewer may not
// see: the two are never told apart.
var ErrNotFound = errors.New("incident: not found")

// Store reads and writes incidents and their rows. Every read takes the Scope of the
// person it is for (scope.go). Make one per transaction.
type Store struct{ q database.Queryer }

// NewStore returns a store that runs its SQL through q.
func NewStore(q database.Queryer) *Store { return &Store{q: q} }

// Get returns incident id if scope may see it, with the scope's Access to it, and
// ErrNotFound otherwise.
func (st *Store) Get(ctx context.Context, scope Scope, id int64) (*Incident, error) {
	return st.get(ctx, getIncident, scope, id)
}

// Lock locks incident id until the transaction ends and returns it, if scope may see
// it; ErrNotFound otherwise. Every change of an incident starts here.
func (st *Store) Lock(ctx context.Context, scope Scope, id int64) (*Incident, error) {
	return st.get(ctx, lockIncident, scope, id)
}

func (st *Store) get(ctx context.Context, query string, scope Scope, id int64) (*Incident, error) {
	if scope.None() {
		return nil, ErrNotFound
	}
	var inc Incident
	err := st.q.GetContext(ctx, &inc, query, scope.args(id)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("incident store: get %d: %w", id, err)
	}
	return &inc, nil
}
