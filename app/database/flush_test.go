package database_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/testdb"
)

// A transaction of WithTx may commit asynchronously only while another one that asked is
// under way; the pool and a transaction begun elsewhere never may. When one does, WithTx
// returns only once its commit has been flushed.
func TestFlushAfterCommit(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if database.FlushAfterCommit(db) {
		t.Error("the pool may flush after commit")
	}
	other, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if database.FlushAfterCommit(other) {
		t.Error("a transaction WithTx does not run may flush after commit")
	}
	other.Rollback() //nolint:errcheck // it wrote nothing

	// One connection, which commits synchronously whatever the test cluster's setting, so
	// that the flush WithTx asks for is one (the test cluster commits asynchronously).
	flushed := testdb.OpenAs(t, testdb.NewDSN(t))
	flushed.SetMaxOpenConns(1)
	if _, err := flushed.Exec(`SET synchronous_commit = on`); err != nil {
		t.Fatal(err)
	}
	if _, err := flushed.Exec(`CREATE TABLE things (id int)`); err != nil {
		t.Fatal(err)
	}

	alone := func(tx *sqlx.Tx) error {
		if database.FlushAfterCommit(tx) {
			t.Error("the only transaction asking may flush after commit")
		}
		return nil
	}
	if err := database.WithTx(ctx, db, alone); err != nil {
		t.Fatal(err)
	}

	var written string // the WAL's end before the commit
	err = database.WithTx(ctx, db, func(first *sqlx.Tx) error {
		if database.FlushAfterCommit(first) {
			t.Error("the first transaction asking may flush after commit")
		}
		return database.WithTx(ctx, flushed, func(second *sqlx.Tx) error {
			if !database.FlushAfterCommit(database.NewPrepared(flushed).Tx(second)) {
				t.Error("a transaction asking while another is under way may not flush after commit")
			}
			if _, err := second.Exec(`SELECT set_config('synchronous_commit', 'off', true)`); err != nil {
				return err
			}
			if _, err := second.Exec(`INSERT INTO things VALUES (1)`); err != nil {
				return err
			}
			return second.Get(&written, `SELECT pg_current_wal_insert_lsn()::text`)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var isFlushed bool
	if err := flushed.Get(&isFlushed, `SELECT pg_current_wal_flush_lsn() > $1::pg_lsn`, written); err != nil || !isFlushed {
		t.Errorf("WithTx returned before the commit after %s was flushed (%v)", written, err)
	}
	if err := database.WithTx(ctx, db, alone); err != nil {
		t.Fatal(err)
	}
}
