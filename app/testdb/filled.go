package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"tugi/app/database"
)

// NewFilledDSN returns the connection string of a fresh database cloned from a template
// that holds the migrated schema filled by fill, for benchmarks that need a large
// database. The template is named after the migrations and key (tugi_fill_<hash>_<key>;
// change key when fill changes) and stays on the server, so a later run against the same
// server (TEST_DATABASE_URL) clones it instead of filling again; like the migrated
// template it is published only when complete. fill gets the connection string of the
// database to fill and must close its connections before it returns. built reports
// whether this call ran fill. The clone is dropped when the benchmark ends.
func NewFilledDSN(t testing.TB, key string, fill func(ctx context.Context, dsn string) error) (dsn string, built bool) {
	t.Helper()
	h := current
	if h == nil {
		t.Fatal("testdb: no database server: call testdb.Main(m) from the package's TestMain")
	}
	ctx := context.Background()
	name := "tugi_fill_" + strings.TrimPrefix(h.template, "tugi_tpl_") + "_" + key
	err := ensure(ctx, h.maint, h.maintDSN, name, h.template, func(ctx context.Context, dsn string) error {
		built = true
		return fill(ctx, dsn)
	})
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	clone := "t_" + hex.EncodeToString(b[:])
	// FILE_COPY copies the template's files as they are: for gigabytes, much faster than
	// writing every page through the WAL (the default).
	if _, err := h.maint.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(clone)+` TEMPLATE `+pq.QuoteIdentifier(name)+` STRATEGY FILE_COPY`); err != nil {
		t.Fatalf("testdb: create database %s: %v", clone, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := h.maint.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(clone)+` WITH (FORCE)`); err != nil {
			t.Errorf("testdb: drop database %s: %v", clone, err)
		}
	})
	if dsn, err = database.WithDBName(h.maintDSN, clone); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return dsn, built
}
