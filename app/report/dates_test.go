package report_test

import (
	"net/http"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// An Estonian agent reads when the figures were last worked out in Estonian (issue 21),
// in the support calendar's zone, named.
func TestFiguresAsOfInTheViewersLanguage(t *testing.T) {
	app := apptest.New(t)
	build(t, app.DB)
	if _, err := app.DB.Exec(`UPDATE report_state SET passed_at = '2026-02-27 10:15:00+00'`); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = 'agent@tugi.example'`); err != nil {
		t.Fatal(err)
	}
	p := app.SignIn(t, "agent@tugi.example").Get(t, "/reports?"+handRange, http.StatusOK)
	if hint := p.Doc.Find("p.hint").Text(); !strings.Contains(hint, "27. veebruar 2026 12:15 EET") {
		t.Errorf("the page does not say the figures are as of 27. veebruar 2026 12:15 EET: %q", hint)
	}
}
