package home_test

import (
	"github.com/PuerkitoBio/goquery"

	"net/http"
	"strings"
	"testing"

	"tugi/app/apptest"
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
		{"employee@tugi.example", []string{"#home-employee"}, "report"},
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
	if got, want := strings.Join(figures, ", "), "Active users: 6, Deactivated: 1, Organisations: 2"; got != want {
		t.Errorf("admin figures %q, want %q", got, want)
	}
}
