package user_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/route"
)

// TestOrganisationPage: the organisation list links each organisation's page, which
// shows its people (linked to their pages), its mail domains (read from the mail intake,
// edited there), its latest tickets with the count of unresolved ones, and its history;
// tickets link only for a viewer who may open them, and another organisation's people
// and tickets never show.
func TestOrganisationPage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin := app.SignIn(t, adminEmail)
	var org int64
	if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	path := "/admin/organisations/" + strconv.FormatInt(org, 10)
	if href, ok := admin.Get(t, "/admin/organisations", http.StatusOK).Doc.Find(`#organisations a:contains("Demo Customer OÜ")`).Attr("href"); !ok || href != path {
		t.Fatalf("the list links the organisation as %q", href)
	}
	admin.Post(t, "/admin/mail-domains", url.Values{"domain": {"demo-customer.example"}, "organisation": {"Demo Customer OÜ"}}, http.StatusSeeOther)
	admin.Post(t, "/admin/mail-domains", url.Values{"domain": {"second-customer.example"}, "organisation": {"Second Customer AS"}}, http.StatusSeeOther)

	p := admin.Get(t, path, http.StatusOK)
	if h := p.Text("h1"); h != "Demo Customer OÜ" {
		t.Errorf("heading %q", h)
	}
	mari := strconv.FormatInt(userID(t, app.DB, "customer@demo-customer.example"), 10)
	if href, _ := p.Doc.Find(`#contacts a:contains("Mari Maasikas")`).Attr("href"); href != "/admin/users/"+mari {
		t.Errorf("Mari is linked as %q in %q", href, p.Text("#contacts"))
	}
	if strings.Contains(p.Text("#contacts"), "Jaan Tamm") {
		t.Error("another organisation's customer is listed")
	}
	if d := p.Text("#domains"); !strings.Contains(d, "demo-customer.example") || strings.Contains(d, "second-customer.example") {
		t.Errorf("the domains read %q", d)
	}
	if href, _ := p.Doc.Find(`#domains a`).Attr("href"); href != "/admin/mail-domains" {
		t.Errorf("the domains are edited at %q", href)
	}
	var open int
	if err := app.DB.Get(&open, `SELECT count(*) FROM tickets WHERE org_id = $1 AND status IN ('new', 'open', 'waiting', 'on_hold')`, org); err != nil || open == 0 {
		t.Fatalf("the demo organisation has %d unresolved tickets (%v)", open, err)
	}
	if got := p.Text("#open-tickets"); got != strconv.Itoa(open)+" unresolved" {
		t.Errorf("the count reads %q, want %d unresolved", got, open)
	}
	tickets := p.Text("#tickets")
	if !strings.Contains(tickets, "Monthly report export fails") || strings.Contains(tickets, "How long do you keep our data?") {
		t.Errorf("the tickets read %q", tickets)
	}
	// An admin who is not an agent cannot open tickets: they are listed, not linked.
	if n := p.Doc.Find(`#tickets a[href^="/tickets/"]`).Length(); n != 0 {
		t.Errorf("%d ticket links for an admin who may not open them", n)
	}
	// Retention and legal holds are linked only where a retention page is served.
	served := slices.ContainsFunc(app.Server.Routes, func(r route.Route) bool { return r.Path == "/admin/retention" })
	if href, ok := p.Doc.Find("#retention a").Attr("href"); ok != served {
		t.Errorf("the retention link: %q shown %v, the page served %v", href, ok, served)
	} else if ok {
		admin.Get(t, href, http.StatusOK)
	}
	if !strings.Contains(p.Text("#history"), "Organisation created") {
		t.Errorf("the history reads %q", p.Text("#history"))
	}

	// An admin who is also an agent follows the links to the tickets.
	if _, err := app.DB.Exec(`UPDATE users SET roles = '{employee,admin,agent}' WHERE email = $1`, adminEmail); err != nil {
		t.Fatal(err)
	}
	both := app.SignIn(t, adminEmail)
	href, ok := both.Get(t, path, http.StatusOK).Doc.Find(`#tickets a[href^="/tickets/"]`).First().Attr("href")
	if !ok {
		t.Fatal("no ticket is linked for an admin who is an agent")
	}
	both.Get(t, href, http.StatusOK)

	admin.Get(t, "/admin/organisations/999999", http.StatusNotFound)
	admin.Get(t, "/admin/organisations/x", http.StatusNotFound)
	app.SignIn(t, "agent@tugi.example").Get(t, path, http.StatusForbidden)
	app.SignIn(t, "customer@demo-customer.example").Get(t, path, http.StatusForbidden)
}

// TestEstonianDates: a person reading Estonian sees the shared date format with the day's
// full stop and the month's name in Estonian and lower case, on the admin's pages and the
// audit log, and the holidays of the support calendar with their Estonian names and
// lower-case weekdays.
func TestEstonianDates(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, adminEmail); err != nil {
		t.Fatal(err)
	}
	admin := app.SignIn(t, adminEmail)
	var org int64
	if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	estonian := regexp.MustCompile(`^\d{1,2}\. (jaanuar|veebruar|märts|aprill|mai|juuni|juuli|august|september|oktoober|november|detsember) \d{4} \d{2}:\d{2}(:\d{2})? EES?T$`)
	since := strings.TrimPrefix(admin.Get(t, "/admin/organisations/"+strconv.FormatInt(org, 10), http.StatusOK).Text(".page-head .muted"), "Klient alates ")
	if !estonian.MatchString(since) {
		t.Errorf("the organisation's page writes a date %q", since)
	}
	if at := admin.Get(t, "/audit", http.StatusOK).Doc.Find("#events tbody tr td.nowrap").First().Text(); !estonian.MatchString(at) {
		t.Errorf("the audit log writes a time %q", at)
	}
	cal := admin.Get(t, "/admin/calendar", http.StatusOK)
	holidays := cal.Doc.Find(`section[id^="holidays-"] tbody tr`)
	if holidays.Length() == 0 {
		t.Fatalf("no holidays on the calendar page: %s", cal.Text("main"))
	}
	sawChristmas := false
	holidays.Each(func(_ int, tr *goquery.Selection) {
		day, name := strings.TrimSpace(tr.Find("td").Eq(1).Text()), strings.TrimSpace(tr.Find("td").Eq(2).Text())
		if day == "" || day != strings.ToLower(day) || strings.Contains(day, "day") {
			t.Errorf("a holiday's weekday reads %q", day)
		}
		if name == "Christmas Day" || name == "Boxing Day" {
			t.Errorf("a holiday's name is English: %q", name)
		}
		sawChristmas = sawChristmas || name == "esimene jõulupüha"
	})
	if !sawChristmas {
		t.Errorf("no Christmas among the holidays: %s", holidays.Text())
	}
}
