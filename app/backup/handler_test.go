package backup_test

import (
	"net/http"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// The backups page: the admins and the CISO see whether backups are made; nobody else
// sees it.
func TestBackupsPage(t *testing.T) {
	a := apptest.New(t)
	for _, who := range []string{"admin@tugi.example", "ciso@tugi.example"} {
		p := a.SignIn(t, who).Get(t, "/admin/backups", http.StatusOK)
		// apptest's Tugi has no key to encrypt backups to: the page must say none are made.
		if !strings.Contains(p.Text("#backup-off"), "Backups are not made") {
			t.Errorf("%s: the page does not say that no backups are made: %q", who, p.Text("#backup-status"))
		}
		if !strings.Contains(p.Text("#last-backup"), "none yet") {
			t.Errorf("%s: newest backup: %q", who, p.Text("#last-backup"))
		}
	}
	for _, who := range []string{"agent@tugi.example", "employee@tugi.example", "customer@demo-customer.example"} {
		a.SignIn(t, who).Get(t, "/admin/backups", http.StatusForbidden)
	}
}
