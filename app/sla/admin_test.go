package sla_test

import (
	"net/http"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestPoliciesPageShowsTheDefaults(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	p := app.SignIn(t, "admin@tugi.example").Get(t, "/admin/sla", http.StatusOK)
	for field, want := range map[string]string{
		"urgent_first": "30m", "urgent_resolution": "8h", "high_first": "2h", "normal_resolution": "40h", "low_next": "16h", "normal_warn": "75",
	} {
		if got := p.InputValue(field); got != want {
			t.Errorf("%s shows %q, want %q", field, got, want)
		}
	}
	if p.Doc.Find(`#policy-urgent input[name=urgent_notify_warning][value=team][checked]`).Length() != 1 {
		t.Error("urgent tickets should tell the team at warning by default")
	}
}

func TestSavePolicies(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "admin@tugi.example")
	form := c.Get(t, "/admin/sla", http.StatusOK).FormValues("#sla-policies")
	form.Set("high_first", "1h 30m")
	form.Set("high_warn", "80")
	form.Del("high_notify_breach")
	form.Add("high_notify_breach", "team")
	p := c.Post(t, "/admin/sla", form, http.StatusSeeOther)
	if p.Location() != "/admin/sla" {
		t.Fatalf("save: %s %s", p.Location(), p.Text(".field-error"))
	}
	p = c.Get(t, "/admin/sla", http.StatusOK)
	if p.Text(".flash") != "Service levels saved." || p.InputValue("high_first") != "1h 30m" || p.InputValue("high_warn") != "80" {
		t.Errorf("after saving: flash %q, high_first %q, high_warn %q", p.Text(".flash"), p.InputValue("high_first"), p.InputValue("high_warn"))
	}
	var events []string
	if err := app.DB.Select(&events, `
		SELECT object_id || ' ' || (changes->'first_response_minutes'->>'old') || '->' || (changes->'first_response_minutes'->>'new')
		    || ' ' || (changes->'warn_percent'->>'new')
		FROM audit_events WHERE action = 'settings.sla_policy'`); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0] != "sla_policy/high 120->90 80" {
		t.Errorf("audit events %q, want one for high: first response 120 -> 90 minutes, warning at 80", events)
	}
	// Saving the same again changes nothing and audits nothing.
	c.Post(t, "/admin/sla", c.Get(t, "/admin/sla", http.StatusOK).FormValues("#sla-policies"), http.StatusSeeOther)
	if p := c.Get(t, "/admin/sla", http.StatusOK); p.Text(".flash") != "Nothing changed." {
		t.Errorf("flash %q after an unchanged save", p.Text(".flash"))
	}
}

func TestSavePoliciesRefusesMistakes(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "admin@tugi.example")
	form := c.Get(t, "/admin/sla", http.StatusOK).FormValues("#sla-policies")
	form.Set("urgent_first", "soon")
	form.Set("low_resolution", "2000h")
	form.Set("normal_warn", "100")
	form.Set("high_first", "50h") // after the 24h resolution
	form.Add("low_notify_breach", "everyone")
	p := c.Post(t, "/admin/sla", form, http.StatusUnprocessableEntity)
	for field, want := range map[string]string{
		"urgent_first":      "Enter business time",
		"low_resolution":    "at most 1000h",
		"normal_warn":       "from 1 to 99",
		"high_first":        "cannot be due after the resolution",
		"low_notify_breach": "Choose one of the options offered.",
	} {
		if got := p.FieldError(field); !strings.Contains(got, want) {
			t.Errorf("%s: message %q, want one with %q", field, got, want)
		}
	}
	if p.InputValue("urgent_first") != "soon" {
		t.Errorf("the typed value is lost: %q", p.InputValue("urgent_first"))
	}
	var n int
	if err := app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'settings.sla_policy'`); err != nil || n != 0 {
		t.Errorf("%d audit events after a refused save (%v)", n, err)
	}
	if p := c.Get(t, "/admin/sla", http.StatusOK); p.InputValue("urgent_first") != "30m" {
		t.Errorf("urgent_first is %q after a refused save", p.InputValue("urgent_first"))
	}
}

func TestOnlyAdminsManageServiceLevels(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, email := range []string{"customer@demo-customer.example", "employee@tugi.example", "agent@tugi.example", "ciso@tugi.example"} {
		c := app.SignIn(t, email)
		for _, path := range []string{"/admin/sla", "/admin/calendar"} {
			c.Get(t, path, http.StatusForbidden)
		}
		c.Post(t, "/admin/calendar/hours", nil, http.StatusForbidden)
	}
}
