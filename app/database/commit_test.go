package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/database"
	"tugi/app/testdb"
)

// A COMMIT whose connection is lost under way has an unknown outcome: WithTx says so,
// with ErrCommitUncertain, instead of the error of a transaction that surely rolled back.
// The connection is lost for real: a deferred constraint trigger, which runs inside the
// COMMIT, ends the server's session.
func TestWithTxCommitLostIsUncertain(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := db.Exec(`
		CREATE TABLE things (id int);
		CREATE FUNCTION end_session() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM pg_terminate_backend(pg_backend_pid());
			RETURN NULL;
		END $$;
		CREATE CONSTRAINT TRIGGER end_session_at_commit AFTER INSERT ON things
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION end_session();`); err != nil {
		t.Fatal(err)
	}
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO things VALUES (1)`)
		return err
	})
	if !errors.Is(err, database.ErrCommitUncertain) {
		t.Fatalf("commit with its connection lost: %v, want ErrCommitUncertain", err)
	}

	// A commit the server refused (a deferred check that fails) surely rolled back.
	if _, err := db.Exec(`
		DROP TRIGGER end_session_at_commit ON things;
		CREATE TABLE parents (id int PRIMARY KEY);
		CREATE TABLE children (parent int REFERENCES parents DEFERRABLE INITIALLY DEFERRED);`); err != nil {
		t.Fatal(err)
	}
	err = database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO children VALUES (1)`)
		return err
	})
	if err == nil || errors.Is(err, database.ErrCommitUncertain) {
		t.Errorf("commit refused by a deferred foreign key: %v, want a plain error", err)
	}
}
