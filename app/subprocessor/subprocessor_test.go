package subprocessor_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/testdb"
	"tugi/app/web"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The customers' list shows what the demo's agreements name; an admin announces a new
// sub-processor no sooner than the notice period allows, and every customer contact is
// told of it, once, in the same transaction; the list shows it as announced.
func TestAnnounceASubprocessor(t *testing.T) {
	a := apptest.New(t)
	customer := a.SignIn(t, "customer@demo-customer.example")
	p := customer.Get(t, "/subprocessors", http.StatusOK)
	if got := p.Text("#current"); !strings.Contains(got, "Example Data Centre OÜ") || !strings.Contains(got, "Tallinn, Estonia") {
		t.Fatalf("the customer's list: %q", got)
	}

	admin := a.SignIn(t, "admin@tugi.example")
	admin.Get(t, "/admin/subprocessors", http.StatusOK)
	tooSoon := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	form := url.Values{"name": {"Example Analytics SIA"}, "purpose": {"counts how the portal is used"}, "location": {"Riga, Latvia"}, "starts_on": {tooSoon}}
	p = admin.Post(t, "/admin/subprocessors", form, http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("starts_on"), "30 days ahead") || p.InputValue("name") != "Example Analytics SIA" {
		t.Errorf("too soon: message %q, name kept %q", p.FieldError("starts_on"), p.InputValue("name"))
	}
	form.Set("starts_on", "31.01.2027")
	p = admin.Post(t, "/admin/subprocessors", form, http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("starts_on"), "year-month-day") {
		t.Errorf("no date: %q", p.FieldError("starts_on"))
	}
	var n int
	if err := a.DB.Get(&n, `SELECT count(*) FROM subprocessors WHERE name = 'Example Analytics SIA'`); err != nil || n != 0 {
		t.Fatalf("a refused announcement wrote %d rows (%v)", n, err)
	}

	startsOn := time.Now().AddDate(0, 0, 45)
	starts := web.DayIn("en", startsOn) // as pages and mail write it: "20 Jan 2027"
	form.Set("starts_on", startsOn.Format(time.DateOnly))
	admin.Post(t, "/admin/subprocessors", form, http.StatusSeeOther)

	var told []string
	if err := a.DB.Select(&told, `SELECT to_address FROM mail_outbox WHERE kind = 'subprocessor.notice' ORDER BY to_address`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(told, " ") != "customer@demo-customer.example customer@second-customer.example" {
		t.Errorf("told %v; want every customer contact once", told)
	}
	var subject string
	if err := a.DB.Get(&subject, `SELECT subject FROM mail_outbox WHERE kind = 'subprocessor.notice' LIMIT 1`); err != nil || !strings.Contains(subject, starts) {
		t.Errorf("the notice's subject %q (%v) does not say from when", subject, err)
	}
	if err := a.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'subprocessor.announce'`); err != nil || n != 1 {
		t.Errorf("%d audit events of the announcement (%v)", n, err)
	}
	p = customer.Get(t, "/subprocessors", http.StatusOK)
	if got := p.Text("#upcoming"); !strings.Contains(got, "Example Analytics SIA") || !strings.Contains(got, starts) {
		t.Errorf("announced: %q", got)
	}
	if strings.Contains(p.Text("#current"), "Example Analytics SIA") {
		t.Error("the announced sub-processor is listed as engaged already")
	}

	// Its last day: never before its first, and told to every customer too.
	var id string
	if err := a.DB.Get(&id, `SELECT id::text FROM subprocessors WHERE name = 'Example Data Centre OÜ'`); err != nil {
		t.Fatal(err)
	}
	p = admin.Post(t, "/admin/subprocessors/"+id+"/end", url.Values{"ends_on": {tooSoon}}, http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("ends_on"), "30 days ahead") {
		t.Errorf("a last day too soon: %q", p.FieldError("ends_on"))
	}
	endsOn := time.Now().AddDate(0, 2, 0)
	ends := web.DayIn("en", endsOn)
	admin.Post(t, "/admin/subprocessors/"+id+"/end", url.Values{"ends_on": {endsOn.Format(time.DateOnly)}}, http.StatusSeeOther)
	p = customer.Get(t, "/subprocessors", http.StatusOK)
	if !strings.Contains(p.Text("#current"), "until "+ends) {
		t.Errorf("the last day is not shown: %q", p.Text("#current"))
	}
	if err := a.DB.Get(&n, `SELECT count(*) FROM mail_outbox WHERE kind = 'subprocessor.notice'`); err != nil || n != 4 {
		t.Errorf("%d notices after the end was announced (%v); want 4", n, err)
	}

	// Nobody but the admin changes the list.
	customer.Post(t, "/admin/subprocessors", form, http.StatusForbidden)
	a.SignIn(t, "agent@tugi.example").Get(t, "/admin/subprocessors", http.StatusForbidden)
}
