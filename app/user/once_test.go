package user_test

import (
	"net/url"
	"strconv"
	"testing"

	"tugi/app/apptest"
)

// The admin's forms that create a user or an organisation, sent twice with the token they
// were rendered with, create once, and the second answer goes where the first went (the
// new user's page): not "this address is taken".
func TestAdminCreateFormsSentTwiceCreateOnce(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, adminEmail)
	for _, tc := range []struct {
		name, page, form, action string
		fill                     url.Values
		rows                     string
		where                    func() string // where the first submission goes
	}{
		{"user", "/admin/users/new", "form#new-user", "/admin/users", url.Values{"email": {"pille@tugi.example"},
			"name": {"Pille Porgand"}, "roles": {"agent"}, "password": {"a long new password"}}, `SELECT count(*) FROM users`,
			func() string { return "/admin/users/" + strconv.FormatInt(userID(t, app.DB, "pille@tugi.example"), 10) }},
		{"organisation", "/admin/organisations", "form#new-organisation", "/admin/organisations",
			url.Values{"name": {"Kolmas Klient OÜ"}}, `SELECT count(*) FROM organisations`,
			func() string { return "/admin/organisations" }},
	} {
		before := count(t, app.DB, tc.rows)
		went := c.SendTwice(t, tc.page, tc.form, tc.action, tc.fill)
		if went == "" {
			continue
		}
		if want := tc.where(); went != want {
			t.Errorf("%s: went to %q, want %q", tc.name, went, want)
		}
		if n := count(t, app.DB, tc.rows) - before; n != 1 {
			t.Errorf("%s: one form sent twice created %d, want 1", tc.name, n)
		}
	}
}
