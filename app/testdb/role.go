package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/database"
)

// AppRoleDSN creates a login role that is a member of tugi_app, the role Tugi is meant to
// run as (db/migrations/0002), and returns dsn (a database of this harness) as that role.
// The role is dropped when the test ends.
func AppRoleDSN(t testing.TB, dsn string) string {
	t.Helper()
	h := current
	if h == nil {
		t.Fatal("testdb: no database server: call testdb.Main(m) from the package's TestMain")
	}
	var b [6]byte
	rand.Read(b[:])
	name, password := "tugi_test_"+hex.EncodeToString(b[:]), hex.EncodeToString(b[:])+"-pw"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := h.maint.ExecContext(ctx, `CREATE ROLE `+pq.QuoteIdentifier(name)+` LOGIN PASSWORD `+pq.QuoteLiteral(password)+` IN ROLE tugi_app`); err != nil {
		t.Fatalf("testdb: create role %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := h.maint.ExecContext(ctx, `DROP ROLE IF EXISTS `+pq.QuoteIdentifier(name)); err != nil {
			t.Errorf("testdb: drop role %s: %v", name, err)
		}
	})
	roleDSN, err := database.WithUser(dsn, name, password)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return roleDSN
}

// OpenAs opens a pool on dsn, closed when the test ends.
func OpenAs(t testing.TB, dsn string) *sqlx.DB {
	t.Helper()
	c, err := pq.NewConnector(dsn)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	db := sqlx.NewDb(sql.OpenDB(c), "postgres")
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("testdb: connect as another role: %v", err)
	}
	return db
}
