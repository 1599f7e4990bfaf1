package database_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// emptyDB returns a database with no schema at all.
func emptyDB(t *testing.T) *sqlx.DB {
	db := testdb.New(t)
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestMigrateConcurrentStartsApplyEachMigrationOnce(t *testing.T) {
	dsn := testdb.NewDSN(t)
	setup, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if _, err := setup.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	// Four "processes", each with its own pool, start together.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := database.Open(context.Background(), dsn)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- database.Migrate(context.Background(), db, quiet)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	ms, _ := database.Migrations()
	var n int
	if err := setup.Get(&n, `SELECT count(*) FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

func TestMigrateIsIdempotentAndRefusesAnEditedMigration(t *testing.T) {
	db := emptyDB(t)
	ctx := context.Background()
	if err := database.Migrate(ctx, db, quiet); err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(ctx, db, quiet); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if _, err := db.Exec(`UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	err := database.Migrate(ctx, db, quiet)
	if err == nil || !strings.Contains(err.Error(), "has changed") {
		t.Errorf("edited migration: err = %v", err)
	}
}

func TestMigrateRefusesANewerSchema(t *testing.T) {
	db := testdb.New(t)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, sha256) VALUES (9999, '9999_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	err := database.Migrate(context.Background(), db, quiet)
	if err == nil || !strings.Contains(err.Error(), "newer tugi") {
		t.Errorf("err = %v", err)
	}
}

func TestFailedMigrationLeavesNothing(t *testing.T) {
	db := emptyDB(t)
	// A table the first migration creates already exists: the migration fails part way.
	if _, err := db.Exec(`CREATE TABLE audit_events (id int)`); err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(context.Background(), db, quiet); err == nil {
		t.Fatal("migration over a conflicting table succeeded")
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('users', 'organisations')`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a failed migration left %d of its tables behind", n)
	}
}

func TestClassify(t *testing.T) {
	db := testdb.New(t)
	_, err := db.Exec(`INSERT INTO organisations (name) VALUES ('A'), ('a')`)
	if !database.IsConstraint(err, "organisations_name_key") {
		t.Errorf("duplicate name: %v is not a violation of organisations_name_key", err)
	}
	_, err = db.Exec(`INSERT INTO users (email, name, roles, org_id) VALUES ('x@y.example', 'X', '{customer}', 12345)`)
	if !database.IsConstraint(err, "users_org_id_fkey") {
		t.Errorf("missing organisation: %v", err)
	}
	_, err = db.Exec(`INSERT INTO users (email, name, roles) VALUES ('x@y.example', 'X', '{customer}')`)
	if !database.IsConstraint(err, "users_customer_org") {
		t.Errorf("customer without organisation: %v", err)
	}
}

func TestPending(t *testing.T) {
	ctx := context.Background()
	ms, _ := database.Migrations()
	db := testdb.New(t)
	if p, err := database.Pending(ctx, db); err != nil || len(p) != 0 {
		t.Errorf("a migrated database: %d pending, %v", len(p), err)
	}
	if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = $1`, len(ms)); err != nil {
		t.Fatal(err)
	}
	if p, err := database.Pending(ctx, db); err != nil || len(p) != 1 || p[0].Name != ms[len(ms)-1].Name {
		t.Errorf("one migration not applied: pending %v, %v", p, err)
	}
	if _, err := db.Exec(`UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := database.Pending(ctx, db); err == nil || !strings.Contains(err.Error(), "has changed") {
		t.Errorf("an edited migration: %v", err)
	}
	if p, err := database.Pending(ctx, emptyDB(t)); err != nil || len(p) != len(ms) {
		t.Errorf("an empty database: %d pending, %v; want all %d", len(p), err, len(ms))
	}
}
