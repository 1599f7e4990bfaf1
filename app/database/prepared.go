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
	db      *sqlx.DB
	mu      sync.Mutex
	stmts   map[string]*sqlx.Stmt
	pending map[string]bool // being prepared for a transaction (see Tx)
}

// MaxPrepared is how many distinct query texts a Prepared keeps prepared.
const MaxPrepared = 128

// errFull says the cache is full: the query runs on the pool instead.
var errFull = errors.New("database: prepared statement cache full")

// NewPrepared returns a Prepared on db.
func NewPrepared(db *sqlx.DB) *Prepared {
	return &Prepared{db: db, stmts: map[string]*sqlx.Stmt{}, pending: map[string]bool{}}
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

// Tx returns a Queryer that runs statements in tx, each as the statement Prepared keeps
// for its text: on the transaction's connection it is prepared once and then reused, so
// the writes of a busy transaction are not parsed and planned again at every run
// (ticket creation spent a fifth of the machine there). Statements past MaxPrepared, and
// those that cannot be prepared, run in tx as they are.
func (p *Prepared) Tx(tx *sqlx.Tx) Queryer { return preparedTx{p: p, tx: tx} }

type preparedTx struct {
	p  *Prepared
	tx *sqlx.Tx
}

// stmt is query's statement in the transaction, or nil to run query as it is. It is
// closed with the transaction: closing it earlier would wait for rows still being read.
//
// A text met for the first time runs as it is, and is prepared meanwhile on a connection
// of its own: preparing it here would take a second connection while the transaction
// holds one, and with every connection in a transaction doing the same, none would come.
func (t preparedTx) stmt(ctx context.Context, query string) *sqlx.Stmt {
	p := t.p
	p.mu.Lock()
	s := p.stmts[query]
	prepare := s == nil && !p.pending[query] && len(p.stmts)+len(p.pending) < MaxPrepared
	if prepare {
		p.pending[query] = true
	}
	p.mu.Unlock()
	if prepare {
		go func() {
			p.stmt(context.WithoutCancel(ctx), query) // an error leaves the text unprepared: it runs as it is
			p.mu.Lock()
			delete(p.pending, query)
			p.mu.Unlock()
		}()
	}
	if s == nil {
		return nil
	}
	return t.tx.StmtxContext(ctx, s)
}

func (t preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t preparedTx) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryxContext(ctx, args...)
	}
	return t.tx.QueryxContext(ctx, query, args...)
}

func (t preparedTx) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowxContext(ctx, args...)
	}
	return t.tx.QueryRowxContext(ctx, query, args...)
}

func (t preparedTx) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	if s := t.stmt(ctx, query); s != nil {
		return s.GetContext(ctx, dest, args...)
	}
	return t.tx.GetContext(ctx, dest, query, args...)
}

func (t preparedTx) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	if s := t.stmt(ctx, query); s != nil {
		return s.SelectContext(ctx, dest, args...)
	}
	return t.tx.SelectContext(ctx, dest, query, args...)
}

func (t preparedTx) DriverName() string         { return t.tx.DriverName() }
func (t preparedTx) Rebind(query string) string { return t.tx.Rebind(query) }
func (t preparedTx) BindNamed(query string, arg any) (string, []any, error) {
	return t.tx.BindNamed(query, arg)
}
