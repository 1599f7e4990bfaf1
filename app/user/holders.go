package user

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"tugi/app/access"
	"tugi/app/database"
)

// Holder is an active person holding a role, as a notice to them needs them.
type Holder struct {
	ID       int64  `db:"id"`
	Email    string `db:"email"`
	Name     string `db:"name"`
	Language string `db:"language"`
}

// WithRoles returns the active people holding any of roles, by e-mail address: whom a
// feature tells of something their role answers for (a failed backup: the admins and the
// CISO). q may be the transaction of the change the notice is about.
func WithRoles(ctx context.Context, q database.Queryer, roles ...access.Role) ([]Holder, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	var hs []Holder
	if err := q.SelectContext(ctx, &hs, holdersOfRoles, pq.Array(names)); err != nil {
		return nil, fmt.Errorf("user: people with roles %v: %w", names, err)
	}
	return hs, nil
}
