package incident_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tugi/app/incident"
	"tugi/app/web"
)

// An Estonian CISO's deadline warning names the deadline in Estonian (issue 21), in
// Tallinn's time, the zone named.
func TestDeadlineWarningInTheCISOsLanguage(t *testing.T) {
	t.Parallel()
	app, clock := dlApp(t, time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC))
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, ciso); err != nil {
		t.Fatal(err)
	}
	inc := dlBreach(t, app, clock, dlOrg(t, app, "Demo Customer OÜ"))
	clock.Add(18*time.Hour + time.Minute) // the customer's clock turns amber
	job := incident.NewDeadlineJob(incident.DeadlineJobOptions{DB: app.DB, PublicURL: "https://tugi.example", Now: clock.Now})
	if n, err := job.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("the job sent %d warnings (%v), want 1", n, err)
	}
	var due time.Time
	if err := app.DB.Get(&due, `SELECT due_at FROM incident_clock_warnings WHERE incident_id = $1`, inc.ID); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := app.DB.Get(&body, `SELECT body_text FROM mail_outbox WHERE kind = 'incident.deadline_soon' AND to_address = $1`, ciso); err != nil {
		t.Fatal(err)
	}
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	// 25 October 2026 12:00 UTC, after summer time ended: 14:00 EET.
	if want := web.DateIn("et", due.In(tallinn)); want != "25. oktoober 2026 14:00 EET" || !strings.Contains(body, want) {
		t.Errorf("the warning does not name the deadline %q:\n%s", want, body)
	}
}
