package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tugi/app/database"
)

// Throttle limits failed sign-ins per account and per client address within a sliding
// window. Accounts are counted by the e-mail address as typed, so an address that has no
// account is throttled exactly like one that has, and the answer tells nothing.
type Throttle struct {
	PerAccount int
	PerClient  int
	Window     time.Duration
}

// DefaultThrottle allows 5 failures per account and 30 per client address in 15 minutes.
var DefaultThrottle = Throttle{PerAccount: 5, PerClient: 30, Window: 15 * time.Minute}

// Blocked reports whether sign-in for email from clientIP is refused for now.
func (t Throttle) Blocked(ctx context.Context, q database.Queryer, email, clientIP string) (bool, error) {
	var blocked bool
	err := q.GetContext(ctx, &blocked, `
		SELECT (SELECT count(*) FROM signin_failures WHERE email = $1 AND at > now() - make_interval(secs => $3)) >= $4
		    OR (SELECT count(*) FROM signin_failures WHERE client_ip = $2 AND at > now() - make_interval(secs => $3)) >= $5`,
		normEmail(email), clientIP, t.Window.Seconds(), t.PerAccount, t.PerClient)
	if err != nil {
		return false, fmt.Errorf("throttle: check: %w", err)
	}
	return blocked, nil
}

// Fail counts a failed sign-in, and forgets failures older than a day.
func (t Throttle) Fail(ctx context.Context, q database.Queryer, email, clientIP string) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO signin_failures (email, client_ip) VALUES ($1, $2)`, normEmail(email), clientIP); err != nil {
		return fmt.Errorf("throttle: count failure: %w", err)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM signin_failures WHERE at < now() - interval '1 day'`); err != nil {
		return fmt.Errorf("throttle: forget old failures: %w", err)
	}
	return nil
}

// Succeed forgets the account's failures after a successful sign-in; the client
// address's count stays, so one good account does not unlock guessing at others.
func (t Throttle) Succeed(ctx context.Context, q database.Queryer, email string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM signin_failures WHERE email = $1`, normEmail(email)); err != nil {
		return fmt.Errorf("throttle: reset: %w", err)
	}
	return nil
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
