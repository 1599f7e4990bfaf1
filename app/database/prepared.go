package database

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Prepared runs queries on a pool as prepared statements, each prepared once per
// connection and kept: PostgreSQL then plans a statement once instead of at every run.
// After five runs it keeps a generic plan when that is no worse than the plans made for
// the values given; otherwise (a query whose best plan depends on its values, such as a
// queue choosing a partial index) it goes on planning each run, as without Prepared.
// Planning was a third of PostgreSQL's work on the ticket pages at 1,000,000 tickets.
//
// It is for the SQL of stores, constant or built from a bounded set of pieces: every
// distinct query text is kept for the life of the pool, up to MaxPrepared texts; past
// that, a new text runs unprepared, so a store that builds its SQL cannot grow the cache
// without bound. It satisfies Queryer, so a store reads through it as through the pool;
// writes belong in transactions (WithTx), which do not use it.
type Prepared struct {
	db    *sqlx.DB
	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt
}

// MaxPrepared is how many distinct query texts a Prepared keeps prepared.
const MaxPrepared = 128

// errFull says the cache is full: the query runs on the pool instead.
var errFull = errors.New("database: prepared statement cache full")

// NewPrepared returns a Prepared on db.
func NewPrepared(db *sqlx.DB) *Prepared {
	return &Prepared{db: db, stmts: map[string]*sqlx.Stmt{}}
}

func (p *Prepared) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	p.mu.Lock()
	s := p.stmts[query]
	full := len(p.stmts) >= MaxPrepared
	p.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if full {
		return nil, errFull
	}
	s, err := p.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if kept := p.stmts[query]; kept != nil { // prepared meanwhile by another request
		s.Close()
		return kept, nil
	}
	p.stmts[query] = s
	return s, nil
}

// ExecContext runs query as a prepared statement.
func (p *Prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if errors.Is(err, errFull) {
		return p.db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryContext runs query as a prepared statement.
func (p *Prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if errors.Is(err, errFull) {
		return p.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryxContext runs query as a prepared statement.
func (p *Prepared) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	s, err := p.stmt(ctx, query)
	if errors.Is(err, errFull) {
		return p.db.QueryxContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return s.QueryxContext(ctx, args...)
}

// QueryRowxContext runs query as a prepared statement. A query that cannot be prepared
// runs on the pool, which reports why in the row's error (or answers, past MaxPrepared).
func (p *Prepared) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	s, err := p.stmt(ctx, query)
	if err != nil { // errFull included
		return p.db.QueryRowxContext(ctx, query, args...)
	}
	return s.QueryRowxContext(ctx, args...)
}

// GetContext runs query as a prepared statement and scans its one row into dest.
func (p *Prepared) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	s, err := p.stmt(ctx, query)
	if errors.Is(err, errFull) {
		return p.db.GetContext(ctx, dest, query, args...)
	}
	if err != nil {
		return err
	}
	return s.GetContext(ctx, dest, args...)
}

// SelectContext runs query as a prepared statement and scans its rows into dest.
func (p *Prepared) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	s, err := p.stmt(ctx, query)
	if errors.Is(err, errFull) {
		return p.db.SelectContext(ctx, dest, query, args...)
	}
	if err != nil {
		return err
	}
	return s.SelectContext(ctx, dest, args...)
}

// DriverName is the pool's.
func (p *Prepared) DriverName() string { return p.db.DriverName() }

// Rebind is the pool's.
func (p *Prepared) Rebind(query string) string { return p.db.Rebind(query) }

// BindNamed is the pool's.
func (p *Prepared) BindNamed(query string, arg any) (string, []any, error) {
	return p.db.BindNamed(query, arg)
}
