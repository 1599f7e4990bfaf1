package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tugi/app/database"
)

// Throttle slows password guessing without letting anyone lock an account's owner out
// (the device cookies OWASP describes). Failed sign-ins within a sliding window are
// counted in buckets:
//
//   - per account and device, for a browser with a valid device cookie for the account
//     (one that signed in to it before, see device.go): PerDevice failures lock that cookie,
//     which is then treated as unknown, since it may have been stolen;
//   - per account, for every other browser: PerAccount failures refuse browsers the
//     account was not used on, and only them;
//   - per client address, over all accounts: PerClient failures refuse new browsers from
//     that address, and lock no account.
//
// Accounts are counted by the e-mail address as typed, so an address that has no account
// is throttled exactly like one that has, and the answer tells nothing. A browser the
// account signed in on passes the account's and the address's limits: an attacker's
// guesses, from anywhere, never keep the owner from signing in where they did before.
type Throttle struct {
	PerAccount int
	PerDevice  int
	PerClient  int
	Window     time.Duration
}

// DefaultThrottle allows, in 15 minutes, 5 failures per account from new browsers, 10 per
// known browser, and 30 per client address.
var DefaultThrottle = Throttle{PerAccount: 5, PerDevice: 10, PerClient: 30, Window: 15 * time.Minute}

// Limit names what refused an attempt.
type Limit string

// The limits: none reached, the account's from new browsers, this device's, the client
// address's.
const (
	NoLimit      Limit = ""
	AccountLimit Limit = "account"
	DeviceLimit  Limit = "device"
	AddressLimit Limit = "address"
)

// Attempt is a sign-in attempt, counted as a failure until taken back.
type Attempt struct {
	ID      int64
	Device  string // the bucket it is counted in: the device's nonce, "" for a new browser
	Blocked Limit  // the limit that refuses it unchecked, NoLimit if its password is to be checked
}

// Attempt counts a sign-in attempt for email from clientIP, from the browser whose
// device cookie for the account carries the nonce device ("" for none), before its
// password is checked, and reports whether the other attempts already reach a limit.
// A device that has reached its own limit is counted as a new browser. Counting first,
// then checking, keeps concurrent guesses from all passing the check before any of them
// is counted. q must not be a transaction: the count has to see every other attempt as
// soon as it is made.
//
// The attempt stays counted as a failure unless it is taken back: with Forget when it is
// refused unchecked (blocked) or its password was right, or with Succeed after a sign-in.
func (t Throttle) Attempt(ctx context.Context, q database.Queryer, email, clientIP, device string) (Attempt, error) {
	var a Attempt
	var bucket *string
	err := q.QueryRowxContext(ctx, insertSigninAttempt,
		normEmail(email), clientIP, device, t.Window.Seconds(), t.PerDevice).Scan(&a.ID, &bucket)
	if err != nil {
		return a, fmt.Errorf("throttle: count attempt: %w", err)
	}
	if bucket != nil {
		a.Device = *bucket
	}
	var blocked string
	err = q.GetContext(ctx, &blocked, signinBlocked,
		normEmail(email), clientIP, a.Device, t.Window.Seconds(), t.PerAccount, t.PerDevice, t.PerClient, a.ID)
	if err != nil {
		return a, fmt.Errorf("throttle: check: %w", err)
	}
	a.Blocked = Limit(blocked)
	if _, err := q.ExecContext(ctx, deleteOldSigninFailures); err != nil {
		return a, fmt.Errorf("throttle: forget old failures: %w", err)
	}
	return a, nil
}

// Forget takes back the attempt a.
func (t Throttle) Forget(ctx context.Context, q database.Queryer, a Attempt) error {
	if _, err := q.ExecContext(ctx, deleteSigninFailure, a.ID); err != nil {
		return fmt.Errorf("throttle: forget attempt: %w", err)
	}
	return nil
}

// Succeed forgets the failures of a's bucket after a successful sign-in: the device's
// for a known browser, the account's from new browsers otherwise. The other buckets keep
// theirs: the owner signing in on their own browser does not give an attacker guessing
// from elsewhere new tries, and one good account does not unlock an address guessing at
// others.
func (t Throttle) Succeed(ctx context.Context, q database.Queryer, email string, a Attempt) error {
	if _, err := q.ExecContext(ctx, deleteBucketSigninFailures, normEmail(email), a.Device); err != nil {
		return fmt.Errorf("throttle: reset: %w", err)
	}
	return nil
}

// throttledMessage is what the sign-in form says of an attempt refused by limit l: what
// happened, in words that are the same whether or not the account exists.
func throttledMessage(l Limit) string {
	switch l {
	case AccountLimit:
		return "Too many failed sign-ins with this e-mail address from browsers it was not used on before. Sign in from a browser you have signed in on before, or wait a few minutes and try again."
	case DeviceLimit:
		return "Too many failed sign-ins from this browser. Wait a few minutes and try again."
	default: // AddressLimit
		return "Too many failed sign-ins from your network address. Wait a few minutes and try again."
	}
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
