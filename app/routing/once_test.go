package routing_test

import (
	"net/http"
	"strconv"
	"testing"

	"tugi/app/apptest"
)

// The form that adds a routing rule, sent twice with the token it was rendered with, adds
// one rule.
func TestNewRuleFormSentTwiceAddsOneRule(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, toomas)
	f := c.Get(t, "/admin/routing", http.StatusOK).FormValues("form#new-rule")
	if f.Get("form_token") == "" {
		t.Fatal("the new-rule form carries no form_token")
	}
	f.Set("team_id", strconv.FormatInt(defaultTeam(t, app.DB), 10))
	f.Set("words", "arve")
	before := count(t, app, `SELECT count(*) FROM routing_rules`)
	for range 2 {
		if p := c.Post(t, "/admin/routing", f, http.StatusSeeOther); p.Location() != "/admin/routing" {
			t.Errorf("went to %q", p.Location())
		}
	}
	if n := count(t, app, `SELECT count(*) FROM routing_rules`) - before; n != 1 {
		t.Errorf("one form sent twice added %d rules, want 1", n)
	}
}
