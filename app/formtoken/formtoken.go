// Package formtoken makes a form that creates something take effect once, however often
// it is sent. Each rendered form carries a fresh random token (New); the handler of the
// submission puts it in the request's context (With), and database.WithTx stores it as the
// first statement of the change's transaction (Claim), with the person and where their
// browser goes next. The same form sent again by the same person — a double click, the
// back button, a retry after a commit whose outcome was unknown — finds the token and gets
// an *AlreadySentError naming that place, and nothing is changed twice. A token stored by
// someone else does nothing for the sender, and a form without a token works as before.
package formtoken

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Field is the name of the forms' hidden field that carries the token.
const Field = "form_token"

// Keep is how long a token is remembered: a form sent again after that makes its change
// again.
const Keep = 7 * 24 * time.Hour

// PruneEvery is the interval of the job that removes tokens older than Keep.
const PruneEvery = time.Hour

// New returns a fresh token for one rendered form: 26 characters of base32, 130 random
// bits.
func New() string { return rand.Text() }

// valid reports whether token looks like one New made; any other value is ignored, as if
// the form carried none.
func valid(token string) bool {
	if len(token) != len(New()) {
		return false
	}
	for _, r := range token {
		if (r < 'A' || r > 'Z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
}

// claim is the token of the request's submission, in its context.
type claim struct {
	token    string
	userID   int64
	location string
	held     bool // stored by the transaction under way
	done     bool // stored by a committed transaction: the request's change is made
}

type ctxKey struct{}

// With returns ctx carrying the form token userID sent, and location, where the change
// will be seen if already known ("" when the change decides it: see Locate). Without a
// well-formed token (an old page, a form that has none) ctx is returned unchanged.
func With(ctx context.Context, token string, userID int64, location string) context.Context {
	if !valid(token) || userID == 0 {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, &claim{token: token, userID: userID, location: location})
}

// AlreadySentError is the answer to a form sent again: its change was made, and Location
// is where the first submission went ("" if it did not say).
type AlreadySentError struct{ Location string }

func (e *AlreadySentError) Error() string { return "form already sent" }

// Claim stores the token of ctx (if it carries one) in the transaction q, and reports
// whether it did; database.WithTx calls it first in every transaction, and Ended when a
// transaction that claimed ends. It returns an *AlreadySentError when the same person's
// submission of the token is stored already (waiting for one under way to end). A token
// someone else stored is ignored: the change goes ahead, unremembered. A transaction begun
// while another of the request holds the token (nested), or after one committed it, does
// not claim it.
func Claim(ctx context.Context, q sqlx.ExtContext) (bool, error) {
	c, _ := ctx.Value(ctxKey{}).(*claim)
	if c == nil || c.held || c.done {
		return false, nil
	}
	res, err := q.ExecContext(ctx, claimToken, c.token, c.userID, c.location)
	if err != nil {
		return false, fmt.Errorf("formtoken: claim: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("formtoken: claim: %w", err)
	} else if n == 1 {
		c.held = true
		return true, nil
	}
	var owner struct {
		UserID   int64  `db:"user_id"`
		Location string `db:"location"`
	}
	err = sqlx.GetContext(ctx, q, &owner, tokenOwner, c.token)
	if errors.Is(err, sql.ErrNoRows) {
		// Stored and pruned in between: too old to count as the same submission.
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("formtoken: claim: %w", err)
	}
	if owner.UserID != c.userID {
		return false, nil
	}
	return false, &AlreadySentError{Location: owner.Location}
}

// Ended tells the token of ctx that the transaction which claimed it has ended: committed
// or not. After a commit, the request's later transactions do not claim the token again;
// after a rollback, the next one claims it.
func Ended(ctx context.Context, committed bool) {
	c, _ := ctx.Value(ctxKey{}).(*claim)
	if c == nil {
		return
	}
	c.held = false
	c.done = committed
}

// Locate records, in the transaction q that claimed the token of ctx, where the change
// will be seen, for a change that learns it only as it is made (a new ticket's page). It
// does nothing when ctx carries no token, or one this request did not store.
func Locate(ctx context.Context, q sqlx.ExtContext, location string) error {
	c, _ := ctx.Value(ctxKey{}).(*claim)
	if c == nil || !c.held {
		return nil
	}
	if _, err := q.ExecContext(ctx, locateToken, c.token, c.userID, location); err != nil {
		return fmt.Errorf("formtoken: locate: %w", err)
	}
	return nil
}

// Prune removes the tokens older than Keep. It is the job forms.prune_tokens.
func Prune(ctx context.Context, db *sqlx.DB, now time.Time) error {
	if _, err := db.ExecContext(ctx, pruneTokens, now.Add(-Keep)); err != nil {
		return fmt.Errorf("formtoken: prune: %w", err)
	}
	return nil
}
