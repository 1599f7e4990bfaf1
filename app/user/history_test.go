package user_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// The user page shows what the audit log holds about the person, newest first, with who
// did it and what changed.
func TestUserPageShowsTheHistory(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, adminEmail)
	id := userID(t, app.DB, "agent2@tugi.example")
	path := "/admin/users/" + strconv.FormatInt(id, 10)
	c.Post(t, path+"/roles", url.Values{"roles": {"employee"}}, http.StatusSeeOther)
	p := c.Get(t, path, http.StatusOK)
	rows := p.Doc.Find("#history tbody tr")
	// The demo's loading created them and set up their authenticator (app/auth).
	if rows.Length() != 3 {
		t.Fatalf("history has %d rows, want 3: %q", rows.Length(), p.Text("#history"))
	}
	newest, created := strings.Join(strings.Fields(rows.Eq(0).Text()), " "), strings.Join(strings.Fields(rows.Eq(2).Text()), " ")
	if !strings.Contains(newest, "Roles changed") || !strings.Contains(newest, "Toomas Admin") ||
		!strings.Contains(newest, "roles: employee, agent → employee") {
		t.Errorf("newest history entry %q", newest)
	}
	if !strings.Contains(created, "User created") || !strings.Contains(created, "demo") {
		t.Errorf("oldest history entry %q", created)
	}
	// Another person's history is not mixed in.
	other := c.Get(t, "/admin/users/"+strconv.FormatInt(userID(t, app.DB, "agent@tugi.example"), 10), http.StatusOK)
	if strings.Contains(other.Text("#history"), "Roles changed") {
		t.Errorf("another user's page shows this change: %q", other.Text("#history"))
	}
}
