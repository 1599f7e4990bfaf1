package audit_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/testdb"
)

// An installation that logged events before the chain existed: migrating chains them in
// the order they happened, and the chain verifies and goes on from there.
func TestUpgradeChainsTheEventsBefore(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	ms, err := database.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	// The database as migration 0001 left it.
	for _, stmt := range []string{
		`DROP SCHEMA public CASCADE`, `CREATE SCHEMA public`,
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`,
		ms[0].SQL,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, sha256) VALUES (1, $1, $2)`, ms[0].Name, ms[0].Sum); err != nil {
		t.Fatal(err)
	}
	// Three events, the second written (id) before the first happened (at).
	_, err = db.Exec(`INSERT INTO audit_events (at, actor_job, action, object_id, changes) VALUES
		('2026-01-01 10:00:00+02', 'cli', 'user.create', 'a', '{"roles": {"new": ["admin"]}}'),
		('2026-01-01 09:00:00+02', 'demo', 'organisation.create', 'b', '{}'),
		('2026-01-02 08:00:00+02', 'cli', 'user.create', 'c', '{"name": {"new": "Õie"}}')`)
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var order []string
	if err := db.Select(&order, `SELECT object_id FROM audit_events ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "b,a,c" {
		t.Errorf("chained in the order %v, want b,a,c (as they happened)", order)
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || rep.Events != 3 {
		t.Fatalf("after the upgrade: %d events, %v", rep.Events, err)
	}
	if err := audit.Record(ctx, db, audit.Job("test"), audit.Event{Action: "test.after_upgrade"}); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.Verify(ctx, db, nil); err != nil || rep.Head.Seq != 4 {
		t.Errorf("the next event: head %d, %v; want 4", rep.Head.Seq, err)
	}
}
