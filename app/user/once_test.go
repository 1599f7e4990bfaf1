package user_test

import (
	"net/http"
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
		f := c.Get(t, tc.page, http.StatusOK).FormValues(tc.form)
		if f.Get("form_token") == "" {
			t.Errorf("%s: the form carries no form_token", tc.name)
			continue
		}
		for k, v := range tc.fill {
			f[k] = v
		}
		before := count(t, app.DB, tc.rows)
		first := c.Post(t, tc.action, f, http.StatusSeeOther)
		second := c.Post(t, tc.action, f, http.StatusSeeOther)
		if want := tc.where(); first.Location() != want {
			t.Errorf("%s: went to %q, want %q", tc.name, first.Location(), want)
		}
		if second.Location() != first.Location() {
			t.Errorf("%s: sent again went to %q, the first to %q", tc.name, second.Location(), first.Location())
		}
		if n := count(t, app.DB, tc.rows) - before; n != 1 {
			t.Errorf("%s: one form sent twice created %d, want 1", tc.name, n)
		}
	}
}
