package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/testdb"
)

// Tugi running as a member of tugi_app can do its work and add to the log, but cannot
// change or delete an event even when a superuser has switched the append-only trigger
// off: its privileges do not allow it.
func TestTheAppRoleMayOnlyAddToTheLog(t *testing.T) {
	dsn := testdb.NewDSN(t)
	owner := testdb.OpenAs(t, dsn)
	app := testdb.OpenAs(t, testdb.AppRoleDSN(t, dsn))
	ctx := context.Background()

	var who string
	if err := app.Get(&who, `SELECT current_user`); err != nil || !strings.HasPrefix(who, "tugi_test_") {
		t.Fatalf("connected as %q (%v), want the test's login role", who, err)
	}
	// Its everyday work: a change and its event in one transaction.
	err := database.WithTx(ctx, app, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.Get(&id, `INSERT INTO organisations (name) VALUES ('Role Test OÜ') RETURNING id`); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE organisations SET name = 'Role Test AS' WHERE id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Job("test"), audit.Event{Action: "organisation.create", ObjectType: "organisation"})
	})
	if err != nil {
		t.Fatalf("the app role cannot do its work: %v", err)
	}
	record(t, app, 2)
	// The flush after an asynchronous commit (database.FlushAfterCommit).
	if _, err := app.Exec(`SELECT pg_logical_emit_message(true, 'tugi.flush', '')`); err != nil {
		t.Errorf("the app role cannot ask for a flush: %v", err)
	}
	if _, err := audit.Verify(ctx, app, nil); err != nil {
		t.Errorf("the app role cannot verify the log: %v", err)
	}

	refused := func(when string) {
		t.Helper()
		for _, stmt := range []string{
			`UPDATE audit_events SET action = 'rewritten' WHERE seq = 1`,
			`DELETE FROM audit_events WHERE seq = 1`,
			`TRUNCATE audit_events`,
			`UPDATE audit_head SET seq = 0`,
			`DELETE FROM audit_head`,
			`INSERT INTO schema_migrations (version, name, sha256) VALUES (9999, 'x', 'x')`,
			`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`,
			`DROP TRIGGER audit_events_chain ON audit_events`,
			`SELECT * FROM audit_pending`,
			`DELETE FROM audit_pending`,
			`UPDATE audit_pending SET action = 'rewritten'`,
			`TRUNCATE audit_pending`,
			`DROP TRIGGER audit_pending_append ON audit_pending`,
		} {
			_, err := app.Exec(stmt)
			var pqErr *pq.Error
			if !errors.As(err, &pqErr) || pqErr.Code != "42501" {
				t.Errorf("%s: %s: %v, want it refused for lack of privilege", when, stmt, err)
			}
		}
	}
	refused("with the trigger on")
	if _, err := owner.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`); err != nil {
		t.Fatal(err)
	}
	refused("with the trigger off")
	if _, err := owner.Exec(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, owner, nil)
	if err != nil || rep.Events != 3 {
		t.Errorf("after the attempts: %d events, %v; want 3 that verify", rep.Events, err)
	}
}
