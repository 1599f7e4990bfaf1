package subprocessor_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/web"
)

// An Estonian customer reads a new sub-processor's first day in Estonian (issue 21), in
// the notice mailed to them and on the list.
func TestEstonianCustomerReadsTheFirstDayInEstonian(t *testing.T) {
	a := apptest.New(t)
	const jaan = "customer@second-customer.example"
	if _, err := a.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, jaan); err != nil {
		t.Fatal(err)
	}
	startsOn := time.Now().AddDate(0, 0, 45)
	a.SignIn(t, "admin@tugi.example").Post(t, "/admin/subprocessors", url.Values{"name": {"Example Analytics SIA"},
		"purpose": {"counts how the portal is used"}, "location": {"Riga, Latvia"}, "starts_on": {startsOn.Format(time.DateOnly)}}, http.StatusSeeOther)
	want := web.DayIn("et", startsOn) // "20. jaanuar 2027"
	if want == web.DayIn("en", startsOn) {
		t.Fatalf("DayIn writes %q in Estonian as in English", want)
	}
	var mail struct {
		Subject string `db:"subject"`
		Body    string `db:"body_text"`
	}
	if err := a.DB.Get(&mail, `SELECT subject, body_text FROM mail_outbox WHERE kind = 'subprocessor.notice' AND to_address = $1`, jaan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mail.Subject, want) || !strings.Contains(mail.Body, want) {
		t.Errorf("the notice does not say from %q: %q\n%s", want, mail.Subject, mail.Body)
	}
	if got := a.SignIn(t, jaan).Get(t, "/subprocessors", http.StatusOK).Text("#upcoming"); !strings.Contains(got, want) {
		t.Errorf("the list does not say from %q: %q", want, got)
	}
}
