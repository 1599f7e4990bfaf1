package auth

import (
	"context"
	"fmt"

	"tugi/app/database"
	"tugi/app/retention/scope"
)

// Retention (app/retention) ends sessions that began before the cutoff of the rule for
// sign-ins, however recently they were used: a session holds where and with what a person
// signed in (address, browser). Ended sessions go already (sessions.cleanup); the
// sign-in events of the audit log stay with the log. A legal hold on the person or their
// organisation keeps their sessions. The rule is one for all; its parameters are scope.Args.

const expiredSessions = `
FROM sessions s
WHERE s.created_at < $1::timestamptz
  AND (s.user_id = ANY ($5) OR EXISTS (SELECT FROM users u WHERE u.id = s.user_id AND u.org_id = ANY ($4))) IS NOT TRUE
  AND $2::bigint[] IS NOT NULL AND $3::timestamptz[] IS NOT NULL AND $6::bigint[] IS NOT NULL
`

const countExpiredSessions = `SELECT 0::bigint AS org_id, count(*) AS n` + expiredSessions

const deleteExpiredSessions = `
DELETE FROM sessions WHERE id IN (SELECT s.id` + expiredSessions + ` ORDER BY s.id LIMIT $7 FOR UPDATE OF s SKIP LOCKED)`

// CountExpiredSessions counts the sessions DeleteExpiredSessions would end (under
// organisation 0).
func CountExpiredSessions(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held) (scope.Counts, error) {
	counts, err := scope.CountBy(ctx, q, countExpiredSessions, c, h)
	if err != nil {
		return nil, fmt.Errorf("auth: count expired sessions: %w", err)
	}
	return counts, nil
}

// DeleteExpiredSessions ends, in q's transaction, at most limit sessions that began
// before the cutoff and no hold covers, and returns how many.
func DeleteExpiredSessions(ctx context.Context, q database.Queryer, c scope.Cutoffs, h scope.Held, limit int) (scope.Counts, error) {
	res, err := q.ExecContext(ctx, deleteExpiredSessions, scope.Args(c, h, limit)...)
	if err != nil {
		return nil, fmt.Errorf("auth: end expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	removed := scope.Counts{}
	removed.Add(0, n)
	return removed, nil
}
