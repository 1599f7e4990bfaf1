package auditpage_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/audit"
)

// objectLinks are the links of the Object column of the events about objects of type
// kind, by object id ("" for an object shown without a link).
func objectLinks(p *apptest.Page, kind string) map[string]string {
	out := map[string]string{}
	p.Doc.Find("#events tbody tr td.object").Each(func(_ int, td *goquery.Selection) {
		id := td.Find("code").Text()
		if td.Text() == kind+" "+id || td.Find("a").Text() == kind+" "+id {
			href, _ := td.Find("a").Attr("href")
			out[id] = href
		}
	})
	return out
}

// TestObjectsLinkToWhatTheyName: the audit page links each event's object to its page
// (a ticket, a person, an organisation, a team, an incident), its actor to the person's
// page and its organisation to the organisation's page, only where the viewer may open
// them: the CISO is not sent to the admin's pages, an admin never sees a ticket, and an
// incident is linked only when the viewer may see that incident.
func TestObjectsLinkToWhatTheyName(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	var ticket, org int64
	if err := app.DB.Get(&ticket, `SELECT min(id) FROM tickets`); err != nil {
		t.Fatal(err)
	}
	if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	admin, ciso := app.SignIn(t, adminEmail), app.SignIn(t, cisoEmail)
	ciso.PostFiles(t, "/incidents/new", map[string][]string{"summary": {"Laptop left on the train"}, "noticed_at": {"2026-12-01T10:00"},
		"system_or_data": {"A laptop with customer data"}}, nil, http.StatusSeeOther)
	var incident int64
	if err := app.DB.Get(&incident, `SELECT max(id) FROM incidents`); err != nil || incident == 0 {
		t.Fatalf("no incident was reported: %v", err)
	}
	record(t, app, audit.Job("test"), audit.Event{Action: "incident.update", ObjectType: "incident", ObjectID: "999999"})
	tk, in, mari := strconv.FormatInt(ticket, 10), strconv.FormatInt(incident, 10), strconv.FormatInt(userID(t, app, "customer@demo-customer.example"), 10)

	pc := ciso.Get(t, "/audit", http.StatusOK)
	if got := objectLinks(pc, "ticket")[tk]; got != "/tickets/"+tk {
		t.Errorf("the CISO's ticket %s links to %q", tk, got)
	}
	incidents := objectLinks(pc, "incident")
	if incidents[in] != "/incidents/"+in {
		t.Errorf("the CISO's incident %s links to %q (%v)", in, incidents[in], incidents)
	}
	if got, ok := incidents["999999"]; !ok || got != "" {
		t.Errorf("an incident nobody may see: listed %v, linked to %q", ok, got)
	}
	if got, ok := objectLinks(ciso.Get(t, "/audit?object_type=user", http.StatusOK), "user")[mari]; !ok || got != "" {
		t.Errorf("the CISO, who may not open people's pages: listed %v, linked to %q", ok, got)
	}
	if n := pc.Doc.Find(`#events a[href^="/admin/"]`).Length(); n != 0 {
		t.Errorf("the CISO gets %d links to the admin's pages", n)
	}
	ciso.Get(t, "/tickets/"+tk, http.StatusOK)
	ciso.Get(t, "/incidents/"+in, http.StatusOK)

	pa := admin.Get(t, "/audit?object_type=user", http.StatusOK)
	if got := objectLinks(pa, "user")[mari]; got != "/admin/users/"+mari {
		t.Errorf("the admin's user %s links to %q", mari, got)
	}
	if href, ok := pa.Doc.Find(`#events td.org a`).First().Attr("href"); !ok || !strings.HasPrefix(href, "/admin/organisations/") {
		t.Errorf("the admin's organisation column links to %q", href)
	}
	if got := objectLinks(admin.Get(t, "/audit?object_type=organisation", http.StatusOK), "organisation")[strconv.FormatInt(org, 10)]; got != "/admin/organisations/"+strconv.FormatInt(org, 10) {
		t.Errorf("the admin's organisation links to %q", got)
	}
	// Every link the admin is given opens.
	pa.Doc.Find(`#events a`).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		admin.Get(t, href, http.StatusOK)
	})
}
