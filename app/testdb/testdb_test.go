package testdb

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
)

func TestMain(m *testing.M) { Main(m) }

// TestMigrated: a new database holds the whole migrated schema.
func TestMigrated(t *testing.T) {
	t.Parallel()
	db := New(t)
	var users *string
	if err := db.Get(&users, `SELECT to_regclass('public.users')::text`); err != nil {
		t.Fatal(err)
	}
	if users == nil {
		t.Fatal("table users does not exist")
	}
	ms, err := database.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := db.Get(&applied, `SELECT count(*) FROM schema_migrations`); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("%d migrations applied, want %d", applied, len(ms))
	}
}

// TestIndependent: what one test writes, another does not see.
func TestIndependent(t *testing.T) {
	t.Parallel()
	a, b := New(t), New(t)
	if _, err := a.Exec(`INSERT INTO organisations (name) VALUES ('Only In A OÜ')`); err != nil {
		t.Fatal(err)
	}
	var inA, inB int
	if err := a.Get(&inA, `SELECT count(*) FROM organisations WHERE name = 'Only In A OÜ'`); err != nil {
		t.Fatal(err)
	}
	if err := b.Get(&inB, `SELECT count(*) FROM organisations WHERE name = 'Only In A OÜ'`); err != nil {
		t.Fatal(err)
	}
	if inA != 1 || inB != 0 {
		t.Errorf("row inserted in a: %d in a, %d in b; want 1 and 0", inA, inB)
	}
}

// TestDropped: the database is gone once its test has ended, even with a connection still
// open to it (NewDSN's caller may leak one).
func TestDropped(t *testing.T) {
	var names []string
	var leaky *sqlx.DB
	t.Run("uses", func(t *testing.T) {
		var name string
		if err := New(t).Get(&name, `SELECT current_database()`); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)

		var err error
		leaky, err = database.Open(context.Background(), NewDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := leaky.Get(&name, `SELECT current_database()`); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	})
	if leaky != nil {
		defer leaky.Close() // still open when the subtest's cleanup dropped its database
	}
	if len(names) != 2 {
		t.Fatalf("subtest did not run: %v", names)
	}
	for _, name := range names {
		var n int
		if err := current.maint.Get(&n, `SELECT count(*) FROM pg_database WHERE datname = $1`, name); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
}

// TestParallel: many tests may take databases at once.
func TestParallel(t *testing.T) {
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db := New(t)
			if _, err := db.Exec(`INSERT INTO organisations (name) VALUES ($1)`, fmt.Sprint("Org ", i)); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.Get(&n, `SELECT count(*) FROM organisations`); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d organisations, want only this test's 1", n)
			}
		})
	}
}

// TestTemplateClosed: the template accepts no connections, which would block every clone.
func TestTemplateClosed(t *testing.T) {
	var allow, isTemplate bool
	if err := current.maint.QueryRow(`SELECT datallowconn, datistemplate FROM pg_database WHERE datname = $1`, current.template).Scan(&allow, &isTemplate); err != nil {
		t.Fatal(err)
	}
	if allow || !isTemplate {
		t.Errorf("template %s: datallowconn %v, datistemplate %v; want false, true", current.template, allow, isTemplate)
	}
}
