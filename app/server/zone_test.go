package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// TestTimesInTheSupportZone: every page shows its times in the support calendar's zone
// (Europe/Tallinn), the zone named, in one format; none in the server's UTC.
func TestTimesInTheSupportZone(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin, agent := app.SignIn(t, toomas), app.SignIn(t, andres)
	agent.Post(t, "/queue/canned", url.Values{"title": {"Zone"}, "body": {"Hello"}}, http.StatusSeeOther)
	tallinn := regexp.MustCompile(`\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d EES?T`)
	for _, tc := range []struct {
		who       *apptest.Client
		path, sel string
	}{
		{admin, "/account", "main"},
		{admin, "/admin/users", "#users"},
		{admin, "/admin/organisations", "main table"},
		{agent, "/queue/canned", "main table"},
	} {
		text := tc.who.Get(t, tc.path, http.StatusOK).Text(tc.sel)
		if strings.Contains(text, "UTC") || !tallinn.MatchString(text) {
			t.Errorf("%s shows times %q, want them in Tallinn's zone, named", tc.path, strings.Join(strings.Fields(text), " "))
		}
	}
}
