package ticket_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// An Estonian agent reads the queue's dates, and when the requester's other tickets were
// resolved, in Estonian (issue 21), as every page writes them (web.ShortIn, web.WhenIn):
// the month in full and in lower case, the day with a full stop, in Tallinn's time with
// the zone named.
func TestEstonianAgentReadsTableDatesInEstonian(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: nov(24, 10, 30)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, andres); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, mari)
	first, second := open(t, app, c, "Arve ei avane"), open(t, app, c, "Teine mure")
	a := app.SignIn(t, andres)
	clock.set(nov(25, 9, 15))
	a.Post(t, path(second, "/fields"), url.Values{"status": {"solved"}}, http.StatusSeeOther)
	clock.set(nov(28, 12, 0))

	row := a.Get(t, "/queue?view=unassigned", http.StatusOK).Doc.Find("#queue-row-" + strconv.FormatInt(first, 10))
	if got := strings.TrimSpace(row.Find("td.updated").Text()); got != "24. november 10:30 EET" {
		t.Errorf("the queue says the ticket was updated %q, want 24. november 10:30 EET", got)
	}
	if due := row.Find(".due").AttrOr("title", ""); !strings.HasPrefix(due, "teisipäev 24. november ") || !strings.HasSuffix(due, " EET") {
		t.Errorf("the queue says the ticket is due %q, want on teisipäev 24. november", due)
	}
	if got := a.Get(t, path(first, ""), http.StatusOK).Text("#requester-recent"); !strings.Contains(got, "Teine mure") || !strings.Contains(got, "25. november 09:15 EET") {
		t.Errorf("the requester panel lists ticket %d as %q, want updated 25. november 09:15 EET", second, got)
	}
}
