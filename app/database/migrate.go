package database

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/jmoiron/sqlx"

	"tugi/db"
)

// migrationLockKey is the advisory lock that serialises migrations across processes
// ("tugi" in ASCII, so it is recognisable in pg_locks).
const migrationLockKey = 0x74756769

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// Migration is one numbered SQL file from db/migrations.
type Migration struct {
	Version int
	Name    string
	SQL     string
	Sum     string // SHA-256 of the file, to notice an applied file that was edited
}

// Migrations reads and orders the embedded migration files.
func Migrations() ([]Migration, error) {
	return readMigrations(db.Migrations, "migrations")
}

func readMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", dir, err)
	}
	var ms []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s: name is not NNNN_words.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", e.Name(), err)
		}
		v, _ := strconv.Atoi(m[1])
		sum := sha256.Sum256(body)
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(body), Sum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := range ms {
		if ms[i].Version != i+1 {
			return nil, fmt.Errorf("migrate: %s: expected version %04d (versions run 1, 2, 3 ... without gaps)", ms[i].Name, i+1)
		}
	}
	return ms, nil
}

// Migrate brings the schema up to date. Each pending migration runs in its own
// transaction; a session-level advisory lock makes concurrent callers (several tugi
// processes starting together) wait for each other instead of racing. It refuses to run
// when an applied migration's file has changed since, or when the database has
// migrations this binary does not know (an older binary against a newer schema).
func Migrate(ctx context.Context, dbx *sqlx.DB, log *slog.Logger) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	conn, err := dbx.Connx(ctx)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey) //nolint:errcheck // closing the connection releases it too

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		sha256     text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	pending, err := pending(ctx, conn, ms)
	if err != nil {
		return err
	}
	for _, m := range pending {
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate: %s: begin: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback() //nolint:errcheck // the migration's error is the one to report
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)`, m.Version, m.Name, m.Sum); err != nil {
			tx.Rollback() //nolint:errcheck // the insert's error is the one to report
			return fmt.Errorf("migrate: %s: record: %w", m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate: %s: commit: %w", m.Name, err)
		}
		log.Info("migration applied", "migration", m.Name)
	}
	return nil
}

// Pending returns the migrations the database has not applied yet, without changing
// anything, so that a role that may not change the schema can check it (TUGI_MIGRATE=false).
// Like Migrate, it refuses a database whose applied migrations this binary does not know.
func Pending(ctx context.Context, q Queryer) ([]Migration, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := q.GetContext(ctx, &exists, `SELECT to_regclass('schema_migrations') IS NOT NULL`); err != nil {
		return nil, fmt.Errorf("migrate: look for schema_migrations: %w", err)
	}
	if !exists {
		return ms, nil
	}
	return pending(ctx, q, ms)
}

// pending compares the applied migrations with ms and returns those not applied.
func pending(ctx context.Context, q interface {
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}, ms []Migration) ([]Migration, error) {
	var applied []Migration
	if err := q.SelectContext(ctx, &applied, `SELECT version, name, sha256 AS sum FROM schema_migrations ORDER BY version`); err != nil {
		return nil, fmt.Errorf("migrate: read applied: %w", err)
	}
	if len(applied) > len(ms) {
		return nil, fmt.Errorf("migrate: the database is at version %d but this binary knows only %d: run a newer tugi", len(applied), len(ms))
	}
	for i, a := range applied {
		if a.Version != ms[i].Version || a.Sum != ms[i].Sum {
			return nil, fmt.Errorf("migrate: %s was applied but its file has changed since; migrations are forward-only: add a new one instead", ms[i].Name)
		}
	}
	return ms[len(applied):], nil
}
