package sla_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
)

func TestCalendarPageListsHolidaysAndPreviewsDueTimes(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "admin@tugi.example")
	year := time.Now().Year()
	p := c.Get(t, "/admin/calendar", http.StatusOK)
	if p.InputValue("monday") != "09:00-17:00" || p.InputValue("saturday") != "" {
		t.Errorf("weekly hours: monday %q, saturday %q", p.InputValue("monday"), p.InputValue("saturday"))
	}
	for _, y := range []int{year, year + 1} {
		h := p.Text("#holidays-" + strconv.Itoa(y))
		for _, want := range []string{"Good Friday", "Christmas Eve", "New Year's Day"} {
			if !strings.Contains(h, want) {
				t.Errorf("holidays of %d lack %s", y, want)
			}
		}
	}
	// A high-priority ticket (first response 2 h) arriving on the shortened 23 December
	// 2026 at 13:00 gets one hour that day (open until 14:00), then the Christmas days and
	// the weekend are closed: due Monday 28 December at 10:00.
	p = c.Get(t, "/admin/calendar?"+url.Values{"priority": {"high"}, "arrival": {"2026-12-23T13:00"}}.Encode(), http.StatusOK, "HX-Request", "true")
	if strings.Contains(p.Body, "<html") {
		t.Fatal("preview fragment: a whole page")
	}
	if got := p.Text("#preview-result dd:nth-of-type(1)"); got != "28 Dec 2026 10:00 EET" {
		t.Errorf("first response due %q, want 28 Dec 2026 10:00 EET", got)
	}
}

func TestCalendarChangesAreSavedAuditedAndChecked(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, "admin@tugi.example")
	form := c.Get(t, "/admin/calendar", http.StatusOK).FormValues("#weekly-hours form")
	form.Set("friday", "09:00-12:00, 13:00 - 15:00")
	form.Set("saturday", "10:00-14:00")
	c.Post(t, "/admin/calendar/hours", form, http.StatusSeeOther)
	p := c.Get(t, "/admin/calendar", http.StatusOK)
	if p.InputValue("friday") != "09:00-12:00, 13:00-15:00" || p.InputValue("saturday") != "10:00-14:00" || p.Text(".flash") != "Support calendar saved." {
		t.Errorf("after saving: friday %q, saturday %q, flash %q", p.InputValue("friday"), p.InputValue("saturday"), p.Text(".flash"))
	}

	// Mistakes: shown beside the day, typed text kept, nothing saved.
	form = p.FormValues("#weekly-hours form")
	form.Set("monday", "09:00-17:00, 16:00-18:00")
	form.Set("tuesday", "nine to five")
	p = c.Post(t, "/admin/calendar/hours", form, http.StatusUnprocessableEntity)
	if p.FieldError("monday") == "" || p.FieldError("tuesday") == "" || p.FieldError("wednesday") != "" {
		t.Errorf("bad hours: monday %q, tuesday %q, wednesday %q", p.FieldError("monday"), p.FieldError("tuesday"), p.FieldError("wednesday"))
	}
	if p.InputValue("tuesday") != "nine to five" {
		t.Errorf("typed hours lost: %q", p.InputValue("tuesday"))
	}

	// A closure on a working day moves the preview's due time.
	c.Post(t, "/admin/calendar/exceptions", url.Values{"kind": {"closure"}, "date": {"2026-12-28"}, "note": {"Team day"}}, http.StatusSeeOther)
	p = c.Get(t, "/admin/calendar?"+url.Values{"priority": {"high"}, "arrival": {"2026-12-23T13:00"}}.Encode(), http.StatusOK)
	if got := p.Text("#preview-result dd:nth-of-type(1)"); got != "29 Dec 2026 10:00 EET" {
		t.Errorf("with 28 Dec closed, first response due %q", got)
	}
	if !strings.Contains(p.Text("#exceptions"), "Team day") {
		t.Error("the closure is not listed")
	}
	// An opening without hours is refused beside the hours field.
	if p := c.Post(t, "/admin/calendar/exceptions", url.Values{"kind": {"opening"}, "date": {"2026-12-27"}}, http.StatusUnprocessableEntity); p.FieldError("hours") == "" {
		t.Errorf("opening without hours: %q", p.FieldError("hours"))
	}
	// Removing needs the right date: a stale form removes nothing.
	c.Post(t, "/admin/calendar/exceptions/remove", url.Values{"kind": {"closure"}, "index": {"0"}, "date": {"2026-12-29"}}, http.StatusNotFound)
	c.Post(t, "/admin/calendar/exceptions/remove", url.Values{"kind": {"closure"}, "index": {"0"}, "date": {"2026-12-28"}}, http.StatusSeeOther)

	var changes []string
	if err := app.DB.Select(&changes, `SELECT changes->'change'->>'new' FROM audit_events WHERE action = 'settings.calendar' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(changes, ", ") != "weekly hours, closure added, closure removed" {
		t.Errorf("audited calendar changes: %q", changes)
	}
}
