// Package database opens Tugi's PostgreSQL connection pool, runs transactions and the
// schema migrations, and maps PostgreSQL errors to the few cases features care about.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/formtoken"
)

// Queryer is what a store needs to run SQL. Both *sqlx.DB and *sqlx.Tx satisfy it, so a
// service can pass one transaction to several stores and commit the change and its audit
// event together.
type Queryer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Open connects to the database at dsn with the default Limits and checks that it answers.
func Open(ctx context.Context, dsn string) (*sqlx.DB, error) {
	return OpenLimited(ctx, dsn, Limits{})
}

// OpenLimited connects to the database at dsn and checks that it answers. Every wait on
// the server is bounded (Limits): opening a connection by ConnectTimeout, a statement by
// the session's statement_timeout (limits.Statement, DefaultStatementTimeout when zero),
// a transaction left idle by IdleInTransactionTimeout, and each round trip by the
// connection's own deadline, which holds even when the server hangs.
//
// Unless dsn says otherwise, it asks lib/pq for binary_parameters: a query with
// parameters then takes one round trip to the server instead of two (lib/pq otherwise
// prepares it and waits for the description before binding), which halves the latency
// of most of Tugi's statements. Its one effect on what is sent: a []byte argument goes
// as binary, which suits bytea and text columns, so JSON is passed as a string.
func OpenLimited(ctx context.Context, dsn string, limits Limits) (*sqlx.DB, error) {
	if limits.Statement <= 0 {
		limits.Statement = DefaultStatementTimeout
	}
	dsn, err := withBinaryParameters(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database: open: %w", err)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = ConnectTimeout
	}
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	cfg.Runtime["statement_timeout"] = strconv.FormatInt(limits.Statement.Milliseconds(), 10)
	cfg.Runtime["idle_in_transaction_session_timeout"] = strconv.FormatInt(IdleInTransactionTimeout.Milliseconds(), 10)
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open: %w", err)
	}
	connector.Dialer(newDialer(limits))
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	db.SetMaxOpenConns(25)
	db.SetMaxIdleConns(25)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: connect: %w", err)
	}
	return db, nil
}

// withBinaryParameters returns dsn, a postgres:// URL or a key=value connection string,
// with binary_parameters=yes unless it sets binary_parameters itself.
func withBinaryParameters(dsn string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse database URL: %w", err)
		}
		q := u.Query()
		if !q.Has("binary_parameters") {
			q.Set("binary_parameters", "yes")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	if strings.Contains(dsn, "binary_parameters") {
		return dsn, nil
	}
	return strings.TrimSpace(dsn + " binary_parameters=yes"), nil
}

// ErrCommitUncertain is returned by WithTx when the outcome of the commit is unknown: the
// connection was lost while the COMMIT was under way, or the flush of a commit made with
// FlushAfterCommit failed. The change may be saved or not; whoever made it must look
// before making it again.
var ErrCommitUncertain = errors.New("commit outcome unknown")

// WithTx runs fn in one transaction: it commits when fn returns nil and rolls back
// otherwise (and when fn panics). It returns nil once the commit is on disk, also when a
// statement of fn chose to flush it after the commit (FlushAfterCommit). When the commit's
// outcome is unknown, its error wraps both ErrCommitUncertain and the cause.
//
// When ctx carries a form token (formtoken.With), the transaction stores it first, and a
// form the same person sent already returns the *formtoken.AlreadySentError of Claim.
func WithTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	flush := &flushState{}
	openTxs.Store(tx, flush)
	defer openTxs.Delete(tx)
	defer flush.done()
	// The form the request sends (if it carries a token) is stored first, before fn takes
	// any lock: the same form sent twice at once waits here for the first to end.
	claimed, err := formtoken.Claim(ctx, tx)
	if err != nil {
		return err
	}
	committed := false
	if claimed {
		defer func() { formtoken.Ended(ctx, committed) }()
	}
	if err := fn(tx); err != nil {
		return err
	}
	committed = true // from here on, not to be claimed again even if the outcome is unknown
	if err := tx.Commit(); err != nil {
		if commitUncertain(err) {
			return fmt.Errorf("database: commit: %w: %w", ErrCommitUncertain, err)
		}
		return fmt.Errorf("database: commit: %w", err)
	}
	if flush.after {
		// The change is committed: wait for its flush even if the caller has gone.
		if err := waitForFlush(context.WithoutCancel(ctx), db); err != nil {
			return fmt.Errorf("database: commit: flush: %w: %w", ErrCommitUncertain, err)
		}
	}
	return nil
}

// commitUncertain reports whether a failed commit may nevertheless have been saved. It
// was not when the server answered with an error that ended only the transaction (a
// deferred constraint, a serialization failure: the server rolled back), nor when
// database/sql never sent the COMMIT (sql.ErrTxDone: the context ended first and the
// transaction was rolled back). Any other failure (the connection lost on the way, the
// server's session ended by a FATAL error) leaves the outcome unknown.
func commitUncertain(err error) bool {
	if errors.Is(err, sql.ErrTxDone) {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Severity == pq.Efatal || pqErr.Severity == pq.Epanic
	}
	return true
}

// Errors a feature may want to tell apart; see Classify.
var (
	ErrUniqueViolation     = errors.New("unique violation")
	ErrForeignKeyViolation = errors.New("foreign key violation")
	ErrCheckViolation      = errors.New("check violation")
)

// Classify maps PostgreSQL's unique, foreign-key and check violations to the errors above,
// naming the constraint, and returns any other error unchanged. It is the one place that
// reads PostgreSQL error codes.
func Classify(err error) error {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return err
	}
	var kind error
	switch pqErr.Code {
	case "23505":
		kind = ErrUniqueViolation
	case "23503":
		kind = ErrForeignKeyViolation
	case "23514":
		kind = ErrCheckViolation
	default:
		return err
	}
	return &ConstraintError{Kind: kind, Constraint: pqErr.Constraint, err: err}
}

// ConstraintError is a violated constraint, as returned by Classify.
type ConstraintError struct {
	Kind       error  // ErrUniqueViolation, ErrForeignKeyViolation or ErrCheckViolation
	Constraint string // the constraint's or index's name
	err        error
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("%v on %s: %v", e.Kind, e.Constraint, e.err)
}

// Is lets errors.Is(err, ErrUniqueViolation) and the like match.
func (e *ConstraintError) Is(target error) bool { return target == e.Kind }

func (e *ConstraintError) Unwrap() error { return e.err }

// IsConstraint reports whether err is a violation of the named constraint.
func IsConstraint(err error, name string) bool {
	var ce *ConstraintError
	return errors.As(Classify(err), &ce) && ce.Constraint == name
}
