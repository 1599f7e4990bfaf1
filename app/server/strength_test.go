package server_test

import (
	"strings"
	"testing"

	"tugi/app/access"
	"tugi/app/apptest"
)

// Issue 22: the audit log and every admin page and change need a second factor (or an
// ID-card). Each route states its strength in the table; this finds one that forgot.
func TestAdminAndAuditRoutesNeedASecondFactor(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, r := range app.Server.Routes {
		if (strings.HasPrefix(r.Path, "/admin") || strings.HasPrefix(r.Path, "/audit")) && r.Strength != access.SecondFactor {
			t.Errorf("%s %s: strength %v, want access.SecondFactor", r.Method, r.Path, r.Strength)
		}
	}
}
