package reference_test

import (
	"context"
	"testing"

	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Every change to what the copies hold moves the version, in the change's transaction;
// changes to what they do not hold leave it alone, so the copies are not read again for
// nothing.
func TestVersionMoves(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	for _, q := range []string{
		`INSERT INTO organisations (name) VALUES ('Versioned OÜ')`,
		`INSERT INTO users (email, name, roles) VALUES ('v@x.example', 'Vera', '{agent}')`,
		`INSERT INTO teams (name) VALUES ('Versions')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, c := range []struct {
		change string
		moves  bool
	}{
		{`UPDATE categories SET name = name || '!' WHERE id = (SELECT min(id) FROM categories)`, true},
		{`INSERT INTO categories (name, position) VALUES ('New', 9)`, true},
		{`UPDATE teams SET name = 'Versioned' WHERE name = 'Versions'`, true},
		{`UPDATE sla_policies SET first_response_minutes = first_response_minutes + 1 WHERE priority = 'low'`, true},
		{`INSERT INTO canned_replies (title, body) VALUES ('Hi', 'Hello')`, true},
		{`INSERT INTO routing_rules (position, team_id) SELECT 1, id FROM teams WHERE name = 'Versioned'`, true},
		{`UPDATE users SET name = 'Vera V' WHERE email = 'v@x.example'`, true},
		{`UPDATE users SET roles = '{agent,ciso}' WHERE email = 'v@x.example'`, true},
		{`UPDATE users SET active = false WHERE email = 'v@x.example'`, true},
		{`DELETE FROM users WHERE email = 'v@x.example'`, true},
		{`UPDATE users SET last_sign_in_at = now(), language = 'et'`, false},
		// A customer is in no copy: a contact made by inbound mail moves nothing.
		{`INSERT INTO users (email, name, roles, org_id) SELECT 'c@x.example', 'Cleo', '{customer}', id FROM organisations WHERE name = 'Versioned OÜ'`, false},
		{`INSERT INTO users (email, name, roles) VALUES ('w@x.example', 'Wim', '{agent}')`, true},
		{`UPDATE organisations SET name = 'Renamed OÜ' WHERE name = 'Versioned OÜ'`, false},
		{`UPDATE categories SET name = name WHERE false`, true}, // once a statement, rows or none
	} {
		var before, after int64
		if err := db.GetContext(ctx, &before, `SELECT version FROM reference_version`); err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, c.change); err != nil {
			t.Fatalf("%s: %v", c.change, err)
		}
		var inside int64
		if err := tx.GetContext(ctx, &inside, `SELECT version FROM reference_version`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.GetContext(ctx, &after, `SELECT version FROM reference_version`); err != nil {
			t.Fatal(err)
		}
		if moved := after > before; moved != c.moves || inside != after {
			t.Errorf("%s: version %d -> %d (%d inside the transaction), want moved %v in the same transaction", c.change, before, after, inside, c.moves)
		}
	}
}

// The application's role reads the version but cannot set it; its own changes still move
// it, through the trigger.
func TestVersionIsTheTriggersAlone(t *testing.T) {
	ctx := context.Background()
	db := testdb.OpenAs(t, testdb.AppRoleDSN(t, testdb.NewDSN(t)))
	if _, err := db.ExecContext(ctx, `UPDATE reference_version SET version = 1`); err == nil {
		t.Error("the application role set the reference version")
	}
	var before, after int64
	db.GetContext(ctx, &before, `SELECT version FROM reference_version`)
	if _, err := db.ExecContext(ctx, `UPDATE categories SET position = position + 1`); err != nil {
		t.Fatal(err)
	}
	db.GetContext(ctx, &after, `SELECT version FROM reference_version`)
	if after != before+1 {
		t.Errorf("the application role's change moved the version %d -> %d", before, after)
	}
}
