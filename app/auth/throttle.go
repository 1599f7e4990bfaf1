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

// Attempt counts a sign-in attempt for email from clientIP before its password is checked,
// and reports whether the other attempts already reach a limit. Counting first, then
// checking, keeps concurrent guesses from all passing the check before any of them is
// counted. q must not be a transaction: the count has to see every other attempt as soon
// as it is made.
//
// The attempt stays counted as a failure unless it is taken back: with Forget when it is
// refused unchecked (blocked) or its password was right, or with Succeed after a sign-in.
func (t Throttle) Attempt(ctx context.Context, q database.Queryer, email, clientIP string) (id int64, blocked bool, err error) {
	err = q.GetContext(ctx, &id, insertSigninFailure, normEmail(email), clientIP)
	if err != nil {
		return 0, false, fmt.Errorf("throttle: count attempt: %w", err)
	}
	err = q.GetContext(ctx, &blocked, signinBlocked,
		normEmail(email), clientIP, t.Window.Seconds(), t.PerAccount, t.PerClient, id)
	if err != nil {
		return id, false, fmt.Errorf("throttle: check: %w", err)
	}
	if _, err := q.ExecContext(ctx, deleteOldSigninFailures); err != nil {
		return id, blocked, fmt.Errorf("throttle: forget old failures: %w", err)
	}
	return id, blocked, nil
}

// Forget takes back the attempt Attempt counted as id.
func (t Throttle) Forget(ctx context.Context, q database.Queryer, id int64) error {
	if _, err := q.ExecContext(ctx, deleteSigninFailure, id); err != nil {
		return fmt.Errorf("throttle: forget attempt: %w", err)
	}
	return nil
}

// Succeed forgets the account's failures after a successful sign-in; the client
// address's count stays, so one good account does not unlock guessing at others.
func (t Throttle) Succeed(ctx context.Context, q database.Queryer, email string) error {
	if _, err := q.ExecContext(ctx, deleteAccountSigninFailures, normEmail(email)); err != nil {
		return fmt.Errorf("throttle: reset: %w", err)
	}
	return nil
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
