package home_test

import (
	"github.com/PuerkitoBio/goquery"

	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/demo"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Each person lands on a home page with a section for each of their roles and no other.
func TestHomeFitsTheRole(t *testing.T) {
	app := apptest.New(t)
	sections := []string{"#home-customer", "#home-employee", "#home-agent", "#home-ciso", "#home-admin"}
	for _, tt := range []struct {
		email string
		shows []string
		text  string
	}{
		{"customer@demo-customer.example", []string{"#home-customer"}, "Demo Customer OÜ"},
		{"customer@second-customer.example", []string{"#home-customer"}, "Second Customer AS"},
		{"employee@tugi.example", []string{"#home-employee"}, "Report a security incident"},
		{"agent@tugi.example", []string{"#home-employee", "#home-agent"}, "support queue"},
		{"ciso@tugi.example", []string{"#home-employee", "#home-ciso"}, "triage"},
		{"admin@tugi.example", []string{"#home-employee", "#home-admin"}, "Active users"},
	} {
		p := app.SignIn(t, tt.email).Get(t, "/", http.StatusOK)
		for _, s := range sections {
			want := false
			for _, w := range tt.shows {
				want = want || w == s
			}
			if got := p.Doc.Find(s).Length() == 1; got != want {
				t.Errorf("%s: section %s shown = %v, want %v", tt.email, s, got, want)
			}
		}
		if !strings.Contains(p.Text("main"), tt.text) {
			t.Errorf("%s: home lacks %q", tt.email, tt.text)
		}
	}
	// A customer never reads another organisation's name on their home page.
	if p := app.SignIn(t, "customer@demo-customer.example").Get(t, "/", http.StatusOK); strings.Contains(p.Body, "Second Customer AS") {
		t.Error("Demo Customer's home names Second Customer AS")
	}
}

func TestAdminCountsAreLive(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, "admin@tugi.example")
	if _, err := app.DB.Exec(`UPDATE users SET active = false WHERE email = 'agent2@tugi.example'`); err != nil {
		t.Fatal(err)
	}
	p := c.Get(t, "/", http.StatusOK)
	var figures []string
	p.Doc.Find("#home-admin .stats div").Each(func(_ int, s *goquery.Selection) {
		figures = append(figures, s.Find("dt").Text()+": "+s.Find("dd").Text())
	})
	// Every demo person but agent2 is active.
	if got, want := strings.Join(figures, ", "), fmt.Sprintf("Active users: %d, Deactivated: 1, Organisations: 2", len(demo.People)-1); got != want {
		t.Errorf("admin figures %q, want %q", got, want)
	}
}

// The support hours a customer reads are the calendar's: after the admin changes the
// weekly hours, the footer, the home page and the new-ticket page say the new ones, in
// the customer's language.
func TestSupportHoursFollowTheCalendar(t *testing.T) {
	app := apptest.New(t)
	cust := app.SignIn(t, "customer@demo-customer.example")
	if got := cust.Get(t, "/", http.StatusOK).Text("footer .support"); !strings.Contains(got, "Mon–Fri 09:00–17:00 (Europe/Tallinn)") {
		t.Errorf("footer before the change: %q", got)
	}

	admin := app.SignIn(t, "admin@tugi.example")
	form := admin.Get(t, "/admin/calendar", http.StatusOK).FormValues("#weekly-hours form")
	form.Set("friday", "09:00-12:00, 13:00-15:00")
	form.Set("saturday", "10:00-14:00")
	admin.Post(t, "/admin/calendar/hours", form, http.StatusSeeOther)

	want := "Mon–Thu 09:00–17:00; Fri 09:00–12:00, 13:00–15:00; Sat 10:00–14:00 (Europe/Tallinn)"
	home := cust.Get(t, "/", http.StatusOK)
	for _, where := range []string{"footer .support", "#home-customer"} {
		if got := home.Text(where); !strings.Contains(got, want) {
			t.Errorf("home %s: %q, want %q", where, got, want)
		}
	}
	if got := cust.Get(t, "/tickets/new", http.StatusOK).Text("footer .support"); !strings.Contains(got, want) {
		t.Errorf("new ticket footer: %q, want %q", got, want)
	}
	if strings.Contains(home.Body, "09:00–17:00 (Tallinn") || strings.Contains(home.Body, "business days") {
		t.Error("home still shows the fixed hours")
	}

	cust.Post(t, "/account/language", url.Values{"language": {"et"}}, http.StatusSeeOther)
	wantET := "E–N 09:00–17:00; R 09:00–12:00, 13:00–15:00; L 10:00–14:00 (Europe/Tallinn)"
	if got := cust.Get(t, "/", http.StatusOK).Text("footer .support"); !strings.Contains(got, wantET) {
		t.Errorf("Estonian footer: %q, want %q", got, wantET)
	}
}
