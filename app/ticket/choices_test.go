package ticket_test

import (
	"context"
	"slices"
	"testing"

	"tugi/app/testdb"
	"tugi/app/ticket"
)

// Choices reads the three lists in one query, each as its own query read it: active
// categories in the admin's order with their translations, active agents by name, and
// every team by name.
func TestChoices(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	for _, q := range []string{
		`UPDATE categories SET active = false`,
		`INSERT INTO categories (name, translations, security, position) VALUES
			('Zebra first', '{"et": "Sebra"}', false, 1), ('Alpha second', '{}', true, 2), ('Retired', '{}', false, 0)`,
		`UPDATE categories SET active = false WHERE name = 'Retired'`,
		`INSERT INTO users (email, name, roles) VALUES ('b@x.example', 'bea', '{agent}'), ('a@x.example', 'Aino', '{agent,admin}'),
			('c@x.example', 'Carl', '{employee}'), ('d@x.example', 'Dora', '{agent}')`,
		`UPDATE users SET active = false WHERE email = 'd@x.example'`,
		`UPDATE teams SET name = 'Support' WHERE is_default`,
		`INSERT INTO teams (name) VALUES ('billing')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ch, err := ticket.NewStore(db).Choices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cats, agents, teams []string
	for _, c := range ch.Categories {
		cats = append(cats, c.Label("et"))
	}
	for _, a := range ch.Agents {
		agents = append(agents, a.Name)
	}
	for _, tm := range ch.Teams {
		teams = append(teams, tm.Name)
	}
	if want := []string{"Sebra", "Alpha second"}; !slices.Equal(cats, want) {
		t.Errorf("categories %q, want %q", cats, want)
	}
	if !ch.Categories[1].Security || ch.Categories[0].Security {
		t.Errorf("security flags lost: %+v", ch.Categories)
	}
	// Besides the demo data's agents, if any: the new ones in name order, Dora (inactive)
	// and Carl (not an agent) left out.
	var ours []string
	for _, a := range agents {
		if a == "Aino" || a == "bea" || a == "Carl" || a == "Dora" {
			ours = append(ours, a)
		}
	}
	if want := []string{"Aino", "bea"}; !slices.Equal(ours, want) {
		t.Errorf("agents %q, want %q in this order", ours, want)
	}
	if want := []string{"billing", "Support"}; !slices.Equal(teams, want) {
		t.Errorf("teams %q, want %q", teams, want)
	}
}
