// Package testdb hands each test its own PostgreSQL database, cloned from a template that
// holds the migrated schema.
//
// A package whose tests use the database calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// and each test calls New (or NewDSN). The server is the one TEST_DATABASE_URL names (a
// server and a maintenance database where the harness may CREATE DATABASE, for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), or else a throwaway
// cluster that Main starts and removes.
//
// The template is named after the migrations (tugi_tpl_<hash>), so a changed migration
// gets a new one, and it is built under another name and renamed when complete, so test
// binaries running in parallel against one server never clone a half-built template.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/database"
	"tugi/app/pgcluster"
)

// templateLockKey, with the hash of a template's name, serialises the building of that
// template across test binaries sharing a server
// ("tugt" in ASCII; the migration lock is "tugi").
const templateLockKey = 0x74756774

// harness is what Main sets up for New. It is the package's only state: a test binary has
// one TestMain, and New has no other way to reach it.
type harness struct {
	maintDSN string   // the server's maintenance database
	maint    *sqlx.DB // a pool on it, for CREATE and DROP DATABASE
	template string
}

var current *harness

// Main sets up the database server and the template, runs the tests and exits with their
// status. A failure to set up ends the test binary with a message saying why.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	maintDSN := os.Getenv("TEST_DATABASE_URL")
	if maintDSN == "" {
		dir, err := os.MkdirTemp("/var/tmp", "tugi-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		// Open to others, so that when tests run as root the server's user (postgres) can
		// reach the cluster here; the data directory itself is 0700.
		if err := os.Chmod(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
			return 1
		}
		startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		cluster, err := pgcluster.Start(startCtx, pgcluster.Options{
			Dir:    dir,
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testdb: no TEST_DATABASE_URL, and the throwaway PostgreSQL did not start: %v\n", err)
			return 1
		}
		defer func() {
			if err := cluster.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "testdb:", err)
			}
		}()
		maintDSN = cluster.DSN("postgres")
		if !benchmarking() {
			if err := speedUp(ctx, maintDSN); err != nil {
				fmt.Fprintln(os.Stderr, "testdb:", err)
				return 1
			}
		}
	}

	// Cloning a benchmark's filled template (gigabytes, NewFilledDSN) took 35 s on a busy
	// machine, past the default statement timeout of 30 s.
	maint, err := database.OpenLimited(ctx, maintDSN, database.Limits{Statement: 15 * time.Minute})
	if err != nil {
		fmt.Fprintf(os.Stderr, "testdb: maintenance database: %v\n", err)
		return 1
	}
	defer maint.Close()
	tpl, err := ensureTemplate(ctx, maint, maintDSN)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		return 1
	}
	current = &harness{maintDSN: maintDSN, maint: maint, template: tpl}
	defer func() { current = nil }()
	return m.Run()
}

// benchmarking reports whether the test binary runs benchmarks (-test.bench): they
// measure the throwaway cluster as PostgreSQL runs in production, committing durably.
func benchmarking() bool {
	if !flag.Parsed() {
		flag.Parse()
	}
	f := flag.Lookup("test.bench")
	return f != nil && f.Value.String() != ""
}

// speedUp trades the throwaway cluster's crash safety for speed: its data dies with the
// test binary anyway. Never used on a server TEST_DATABASE_URL names, nor for benchmarks.
func speedUp(ctx context.Context, dsn string) error {
	db, err := database.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, setting := range []string{"fsync = off", "synchronous_commit = off", "full_page_writes = off"} {
		if _, err := db.ExecContext(ctx, "ALTER SYSTEM SET "+setting); err != nil {
			return fmt.Errorf("set %s: %w", setting, err)
		}
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload configuration: %w", err)
	}
	return nil
}

// New returns a pool on a fresh database cloned from the migrated template. The pool is
// closed and the database dropped when the test ends.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	dsn := NewDSN(t)
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { db.Close() }) // runs before NewDSN's drop
	return db
}

// Analyze updates the planner's statistics of db, for a benchmark that has just put its
// first rows into a database cloned from the template, whose tables PostgreSQL knows to
// be empty. A session keeps the plans of its foreign-key checks from their first run, so
// until statistics change, a connection that first inserted into empty tables goes on
// checking each reference with a sequential scan, slower with every row added. In a
// database in use, autovacuum's ANALYZE has long made them plan again.
func Analyze(tb testing.TB, db *sqlx.DB) {
	tb.Helper()
	if _, err := db.Exec(`ANALYZE`); err != nil {
		tb.Fatalf("testdb: analyze: %v", err)
	}
}

// NewDSN creates a fresh database cloned from the migrated template and returns its
// connection string, for code under test that opens its own pool. The database is dropped
// when the test ends, even if connections to it are still open.
func NewDSN(t testing.TB) string {
	t.Helper()
	h := current
	if h == nil {
		t.Fatal("testdb: no database server: call testdb.Main(m) from the package's TestMain")
	}
	return h.newDSN(t, h.template)
}

// NewEmptyDSN creates a fresh database with nothing in it, not even the schema (as a
// restore needs it), and returns its connection string. It is dropped when the test ends.
func NewEmptyDSN(t testing.TB) string {
	t.Helper()
	h := current
	if h == nil {
		t.Fatal("testdb: no database server: call testdb.Main(m) from the package's TestMain")
	}
	return h.newDSN(t, "template0")
}

func (h *harness) newDSN(t testing.TB, template string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := h.maint.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)+` TEMPLATE `+pq.QuoteIdentifier(template)); err != nil {
		t.Fatalf("testdb: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := h.maint.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	dsn, err := database.WithDBName(h.maintDSN, name)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return dsn
}

// templateName names the template after the migrations, so that a new or changed
// migration gets a template of its own.
func templateName() (string, error) {
	ms, err := database.Migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s %s\n", m.Name, m.Sum)
	}
	return "tugi_tpl_" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// ensureTemplate returns the name of the migrated template, building it if the server has
// none for these migrations yet.
func ensureTemplate(ctx context.Context, maint *sqlx.DB, maintDSN string) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	return name, ensure(ctx, maint, maintDSN, name, "template0", func(ctx context.Context, dsn string) error {
		db, err := database.Open(ctx, dsn)
		if err != nil {
			return err
		}
		defer db.Close() // CREATE DATABASE ... TEMPLATE refuses a template anyone is connected to
		return database.Migrate(ctx, db, slog.New(slog.DiscardHandler))
	})
}

// ensure builds the template database name, unless the server has it: a copy of the
// database from, changed by build (given its connection string, and done with it when it
// returns), and published under name only when complete.
func ensure(ctx context.Context, maint *sqlx.DB, maintDSN, name, from string, build func(ctx context.Context, dsn string) error) error {
	exists := func(q interface {
		GetContext(context.Context, any, string, ...any) error
	}) (bool, error) {
		var ok bool
		err := q.GetContext(ctx, &ok, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name)
		if err != nil {
			return false, fmt.Errorf("look for template %s: %w", name, err)
		}
		return ok, nil
	}
	if ok, err := exists(maint); err != nil || ok {
		return err
	}

	// One builder of each template at a time across the test binaries sharing this server;
	// the others wait here and then find it built. The lock is the template's own, so
	// filling a benchmark's template of a million tickets keeps nobody from building
	// another; and it is taken by polling, as waiting for such a fill in one statement
	// would outlast the statement timeout.
	conn, err := maint.Connx(ctx)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	defer conn.Close()
	for {
		var locked bool
		if err := conn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock($1, hashtext($2))`, templateLockKey, name); err != nil {
			return fmt.Errorf("template: lock: %w", err)
		}
		if locked {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("template: wait for %s: %w", name, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext($2))`, templateLockKey, name) //nolint:errcheck // closing the connection releases it too
	if ok, err := exists(conn); err != nil || ok {
		return err
	}

	building := name + "_building"
	qb, qn := pq.QuoteIdentifier(building), pq.QuoteIdentifier(name)
	// A leftover of a builder that died half-way (a template must be unmarked to be dropped).
	var leftoverIsTemplate bool
	err = conn.GetContext(ctx, &leftoverIsTemplate, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1 AND datistemplate)`, building)
	if err != nil {
		return fmt.Errorf("template: look for leftover %s: %w", building, err)
	}
	if leftoverIsTemplate {
		if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+qb+` WITH IS_TEMPLATE false`); err != nil {
			return fmt.Errorf("template: unmark leftover %s: %w", building, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+qb+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("template: drop leftover %s: %w", building, err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+qb+` TEMPLATE `+pq.QuoteIdentifier(from)+` ENCODING 'UTF8'`); err != nil {
		return fmt.Errorf("template: create %s: %w", building, err)
	}
	dsn, err := database.WithDBName(maintDSN, building)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if err := build(ctx, dsn); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	// Nobody may connect to the finished template (that would make every clone fail), and
	// the rename publishes it only when complete.
	for _, stmt := range []string{
		`ALTER DATABASE ` + qb + ` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
		`ALTER DATABASE ` + qb + ` RENAME TO ` + qn,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("template: %s: %w", stmt, err)
		}
	}
	return nil
}
