package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestRecordWritesTheEvent(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	actor := audit.Actor{UserID: 42, Roles: []string{"admin"}, ClientIP: "192.0.2.1", RequestID: "req-1"}
	ev := audit.Event{Action: "user.set_roles", ObjectType: "user", ObjectID: "7", OrgID: 0,
		Changes: map[string]audit.Change{"roles": {Old: []string{"agent"}, New: []string{"agent", "admin"}}}}
	if err := audit.Record(ctx, db, actor, ev); err != nil {
		t.Fatal(err)
	}
	var row struct {
		UserID    int64  `db:"actor_user_id"`
		IP        string `db:"client_ip"`
		RequestID string `db:"request_id"`
		Action    string `db:"action"`
		Changes   string `db:"changes"`
	}
	if err := db.Get(&row, `SELECT actor_user_id, client_ip, request_id, action, changes::text FROM audit_events`); err != nil {
		t.Fatal(err)
	}
	var changes map[string]struct{ Old, New []string }
	if err := json.Unmarshal([]byte(row.Changes), &changes); err != nil {
		t.Fatalf("changes %s: %v", row.Changes, err)
	}
	if row.UserID != 42 || row.IP != "192.0.2.1" || row.RequestID != "req-1" || row.Action != "user.set_roles" ||
		strings.Join(changes["roles"].Old, ",") != "agent" || strings.Join(changes["roles"].New, ",") != "agent,admin" {
		t.Errorf("stored %+v", row)
	}
}

func TestTheLogIsAppendOnly(t *testing.T) {
	db := testdb.New(t)
	if err := audit.Record(context.Background(), db, audit.Job("test"), audit.Event{Action: "test.event"}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET action = 'rewritten'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
	} {
		if _, err := db.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want it refused", stmt, err)
		}
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'test.event'`); err != nil || n != 1 {
		t.Errorf("the event is gone or changed: %d rows, %v", n, err)
	}
}

func TestAnEventWithoutActorIsRefused(t *testing.T) {
	db := testdb.New(t)
	err := audit.Record(context.Background(), db, audit.Actor{}, audit.Event{Action: "nobody.did.this"})
	if err == nil {
		t.Error("an event with neither person nor job was written")
	}
}

func TestAFailedChangeLeavesNoEvent(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	boom := errors.New("the change failed")
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := audit.Record(ctx, tx, audit.Job("test"), audit.Event{Action: "org.create"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM audit_events`); err != nil || n != 0 {
		t.Errorf("%d events after a rolled-back change (%v)", n, err)
	}
}

// Record's values reach the log exactly as given, whatever they hold.
func TestRecordStoresValuesVerbatim(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	odd := []string{`'); DROP TABLE audit_events; --`, `back\slash \' \\`, `"double" 'single'`, "tab\tnew\nline", "Õun 🍏", ""}
	for _, v := range odd {
		actor := audit.Actor{UserID: 1, Roles: []string{v, "agent"}, ClientIP: v, RequestID: v, Job: v}
		ev := audit.Event{Action: "test.odd", ObjectType: v, ObjectID: v, Changes: map[string]audit.Change{v: {Old: v, New: v}}}
		if err := audit.Record(ctx, db, actor, ev); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		var row struct {
			Roles   pq.StringArray `db:"actor_roles"`
			IP      string         `db:"client_ip"`
			Req     string         `db:"request_id"`
			Job     string         `db:"actor_job"`
			Type    string         `db:"object_type"`
			ID      string         `db:"object_id"`
			Changes string         `db:"changes"`
		}
		if err := db.Get(&row, `SELECT actor_roles, client_ip, request_id, actor_job, object_type, object_id, changes::text
			FROM audit_events ORDER BY seq DESC LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		var changes map[string]struct{ Old, New string }
		json.Unmarshal([]byte(row.Changes), &changes)
		if strings.Join(row.Roles, "|") != v+"|agent" || row.IP != v || row.Req != v || row.Job != v || row.Type != v || row.ID != v ||
			changes[v].Old != v || changes[v].New != v {
			t.Errorf("stored %+v for %q", row, v)
		}
	}
	err := audit.Record(ctx, db, audit.Job("test"), audit.Event{Action: "test.nul", ObjectID: "a\x00b"})
	if err == nil {
		t.Error("a value with a NUL was recorded")
	}
	if _, err := audit.Verify(ctx, db, nil); err != nil {
		t.Errorf("afterwards: %v", err)
	}
}
