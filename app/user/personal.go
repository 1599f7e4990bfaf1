package user

import (
	"context"
	"fmt"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/user owns: their identity becomes the
// pseudonym, the password and personal code go, and the account is shut.

// erasePerson replaces the person's name and address with the pseudonym and clears what
// identifies them or lets them sign in.
const erasePerson = `
UPDATE users
SET email = $2, name = $3, password_hash = '', personal_code = NULL, active = false, available = false
WHERE id = $1`

// ErasePerson applies e to the person's account through q, the erasure's transaction.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) error {
	res, err := q.ExecContext(ctx, erasePerson, e.UserID, e.AliasEmail, e.Alias)
	if err != nil {
		return fmt.Errorf("user: erase %d: %w", e.UserID, err)
	}
	n, _ := res.RowsAffected()
	c.Add("profile.pseudonymised", n)
	return nil
}
