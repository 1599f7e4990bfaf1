package audit_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"tugi/app/audit"
	"tugi/app/database"
	"tugi/app/testdb"
)

// person adds a user for the tests of sealed values (person_keys names users).
func person(t *testing.T, db *sqlx.DB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `INSERT INTO users (email, name, roles, password_hash) VALUES ($1, 'Someone', '{employee}', '') RETURNING id`, email); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestPersonalValuesAreShredded records values naming two people, destroys one person's
// key, and finds that person's values unreadable, the other's readable, no event changed
// and the chain verified.
func TestPersonalValuesAreShredded(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	zelda, other := person(t, db, "zelda@example.test"), person(t, db, "other@example.test")
	record := func(id int64, code string) {
		t.Helper()
		ev := audit.Event{Action: "user.set_personal_code", ObjectType: "user", ObjectID: strconv.FormatInt(id, 10),
			Changes: map[string]audit.Change{"personal_code": {New: audit.Personal{UserID: id, Value: code}}, "note": {New: "kept"}}}
		if err := audit.Record(ctx, db, audit.Job("test"), ev); err != nil {
			t.Fatal(err)
		}
	}
	record(zelda, "49001011234")
	record(zelda, "49001015678")
	record(other, "38001019999")

	var stored string
	if err := db.Get(&stored, `SELECT string_agg(changes::text, ' ' ORDER BY seq) FROM audit_events`); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"49001011234", "49001015678", "38001019999"} {
		if strings.Contains(stored, code) {
			t.Fatalf("the log holds %s in the clear: %s", code, stored)
		}
	}
	var keys int
	if err := db.Get(&keys, `SELECT count(*) FROM person_keys WHERE key IS NOT NULL`); err != nil || keys != 2 {
		t.Fatalf("%d keys (%v), want one per person", keys, err)
	}

	shown := func() map[string]string {
		t.Helper()
		es, _, err := audit.List(ctx, db, audit.ScopeAll, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		actions, err := audit.NewActions()
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.Describe(ctx, nil, actions, "en", es); err != nil {
			t.Fatal(err)
		}
		if es[0].Changes[1].New != "(sealed)" {
			t.Errorf("before Unseal a sealed value shows %q", es[0].Changes[1].New)
		}
		if err := audit.Unseal(ctx, db, es); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range es {
			for _, c := range e.Changes {
				if c.Field == "personal_code" {
					out[e.ObjectID+"/"+strconv.FormatInt(e.Seq, 10)] = c.New
				}
				if c.Field == "note" && c.New != "kept" {
					t.Errorf("a value not sealed shows %q", c.New)
				}
			}
		}
		return out
	}
	z, o := strconv.FormatInt(zelda, 10), strconv.FormatInt(other, 10)
	want := map[string]string{z + "/1": "49001011234", z + "/2": "49001015678", o + "/3": "38001019999"}
	if got := shown(); !equal(got, want) {
		t.Fatalf("shown %v, want %v", got, want)
	}

	before := hashes(t, db)
	err := database.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		had, err := audit.ShredPersonKey(ctx, tx, zelda)
		if err == nil && !had {
			t.Error("ShredPersonKey found no key")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want[z+"/1"], want[z+"/2"] = audit.ErasedValue, audit.ErasedValue
	if got := shown(); !equal(got, want) {
		t.Fatalf("after erasure shown %v, want %v", got, want)
	}
	if after := hashes(t, db); after != before {
		t.Errorf("erasure changed the log: %s, was %s", after, before)
	}
	if _, err := audit.Verify(ctx, db, nil); err != nil {
		t.Errorf("the log does not verify after erasure: %v", err)
	}

	// A value recorded for the person later is stored as erased, with no new key.
	record(zelda, "49001010000")
	if err := db.Get(&stored, `SELECT changes::text FROM audit_events ORDER BY seq DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "49001010000") || !strings.Contains(stored, `"erased":true`) {
		t.Errorf("a value recorded after erasure is stored as %s", stored)
	}
	if err := db.Get(&keys, `SELECT count(*) FROM person_keys WHERE key IS NOT NULL`); err != nil || keys != 1 {
		t.Errorf("%d keys (%v) after erasure, want the other person's only", keys, err)
	}
}

func hashes(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var s string
	if err := db.Get(&s, `SELECT string_agg(encode(hash, 'hex') || changes::text, ',' ORDER BY seq) FROM audit_events`); err != nil {
		t.Fatal(err)
	}
	return s
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
