package contact_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestAdminEditsTheFooter: the admin changes the support contact and every customer
// page's footer says the new one; a mistake comes back beside its field, nothing saved.
func TestAdminEditsTheFooter(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	customer := app.SignIn(t, "customer@demo-customer.example")
	if f := customer.Get(t, "/", http.StatusOK).Text("footer"); !strings.Contains(f, "+372 671 8578") {
		t.Fatalf("the footer before any change: %q", f)
	}
	admin := app.SignIn(t, "admin@tugi.example")
	form := admin.Get(t, "/admin/contact", http.StatusOK).FormValues("#contact-form")
	if form.Get("phone") != "+372 671 8578" || form.Get("email") != "info@directo.ee" {
		t.Errorf("the form shows %v, want the contact in force", form)
	}
	form.Set("phone", "call us")
	form.Set("email", "support@")
	p := admin.Post(t, "/admin/contact", form, http.StatusUnprocessableEntity)
	if p.FieldError("phone") == "" || p.FieldError("email") == "" || p.InputValue("phone") != "call us" {
		t.Errorf("bad input: phone %q, e-mail %q", p.FieldError("phone"), p.FieldError("email"))
	}
	var n int
	app.DB.Get(&n, `SELECT count(*) FROM support_contact`)
	if n != 0 {
		t.Error("a refused contact was saved")
	}
	form.Set("phone", "+372 600 0000")
	form.Set("email", "help@tugi.example")
	admin.Post(t, "/admin/contact", form, http.StatusSeeOther)
	if f := customer.Get(t, "/tickets", http.StatusOK).Text("footer"); !strings.Contains(f, "+372 600 0000") || !strings.Contains(f, "help@tugi.example") {
		t.Errorf("the footer after the change: %q", f)
	}
	app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'contact.update' AND changes->'phone'->>'old' = '+372 671 8578' AND changes->'phone'->>'new' = '+372 600 0000'`)
	if n != 1 {
		t.Errorf("%d contact.update events with the phone's change, want 1", n)
	}
	for _, who := range []string{"customer@demo-customer.example", "agent@tugi.example"} {
		app.SignIn(t, who).Get(t, "/admin/contact", http.StatusForbidden)
		app.SignIn(t, who).Post(t, "/admin/contact", url.Values{"phone": {"+1 2"}, "email": {"x@y.example"}}, http.StatusForbidden)
	}
}
