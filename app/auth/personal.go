package auth

import (
	"context"
	"fmt"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/auth owns: their sessions end, their
// second factors go, and the failed sign-ins recorded under their address are forgotten.

const (
	eraseSessions      = `DELETE FROM sessions WHERE user_id = $1`
	eraseTOTP          = `DELETE FROM totp_factors WHERE user_id = $1`
	eraseRecoveryCodes = `DELETE FROM recovery_codes WHERE user_id = $1`
	erasePasskeys      = `DELETE FROM passkeys WHERE user_id = $1`
	erasePasswordLinks = `DELETE FROM password_links WHERE user_id = $1`
	eraseFailures      = `DELETE FROM signin_failures WHERE lower(email) = $1`
)

// ErasePerson applies e to the person's sign-in data through q, the erasure's transaction.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) error {
	for _, s := range []struct {
		kind, stmt string
		arg        any
	}{
		{"sessions.ended", eraseSessions, e.UserID},
		{"second_factors.removed", eraseTOTP, e.UserID},
		{"recovery_codes.removed", eraseRecoveryCodes, e.UserID},
		{"passkeys.removed", erasePasskeys, e.UserID},
		{"password_links.removed", erasePasswordLinks, e.UserID},
		{"signin_failures.removed", eraseFailures, e.Email},
	} {
		res, err := q.ExecContext(ctx, s.stmt, s.arg)
		if err != nil {
			return fmt.Errorf("auth: erase %d (%s): %w", e.UserID, s.kind, err)
		}
		n, _ := res.RowsAffected()
		c.Add(s.kind, n)
	}
	return nil
}
