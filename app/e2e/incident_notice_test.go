package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/incident"
	"tugi/app/user"
)

// TestIncidentCustomerNotice: on a personal-data breach affecting Demo Customer OÜ, the CISO
// sends the customer's notice from its running clock, which stops; the customer finds the
// notice on /notices, with nothing of the incident, and acknowledges it; the incident shows
// the acknowledgement.
func TestIncidentCustomerNotice(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	users := user.NewStore(app.DB)
	who := func(email string) *user.User {
		u, err := users.ByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	svc := incident.NewService(incident.Options{DB: app.DB, PublicURL: app.URL})
	inc, err := svc.Report(ctx, audit.Job("test"), who("employee@tugi.example").Viewer(), incident.ReportRequest{
		Summary: "The nightly export of customer contacts was on a public share.", PersonalData: incident.PersonalYes})
	if err != nil {
		t.Fatal(err)
	}
	yes, ciso := true, who("ciso@tugi.example").Viewer()
	if err := svc.Decide(ctx, audit.Job("test"), ciso, inc.ID, incident.Decisions{PersonalBreach: &yes,
		PersonalBreachRationale: "Names and e-mail addresses of customers' users."}); err != nil {
		t.Fatal(err)
	}
	var org int64
	if err := app.DB.Get(&org, `SELECT id FROM organisations WHERE name = 'Demo Customer OÜ'`); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddOrganisation(ctx, audit.Job("test"), ciso, inc.ID, org); err != nil {
		t.Fatal(err)
	}
	key := "customer:" + strconv.FormatInt(org, 10)
	clock := `document.querySelector('#incident-clocks li[data-clock="` + key + `"]')`
	b := browser(t)

	c := newTab(t, b, app)
	c.signIn("ciso@tugi.example")
	c.open("the incident", app.URL+incident.Path(inc.ID), http.StatusOK)
	c.waitFor("the customer's clock, running", clock+`?.dataset.state === "running"`)
	c.do("send the notice from the clock", chromedp.Click(chromedp.CSS(`#incident-clocks li[data-clock="`+key+`"] a.button`)))
	c.waitFor("the notice form", `document.querySelector("#notice-form")`)
	if !strings.Contains(c.text("#customer-cost"), "72 hours") {
		t.Errorf("the form does not say when the customer's own 72 hours would end: %q", c.text("#customer-cost"))
	}
	c.do("write and send it",
		chromedp.SendKeys(chromedp.ID("body"), "Your users' names and e-mail addresses were readable on a public share for six hours."),
		chromedp.Click(chromedp.CSS(`#notice-form button[type=submit]`)))
	c.waitFor("the clock stopped", clock+`?.dataset.state === "met"`)
	c.screenshot("incident-notice-sent")
	c.checkConsole()

	cu := newTab(t, b, app)
	cu.signIn("customer@demo-customer.example")
	cu.open("the notices", app.URL+"/notices", http.StatusOK)
	cu.waitFor("the notice", `document.querySelector(".notice-card")`)
	if s := cu.text("main"); !strings.Contains(s, "public share") || strings.Contains(s, inc.Reference) {
		t.Errorf("the customer reads %q", s)
	}
	cu.do("acknowledge it", chromedp.Click(chromedp.CSS(`.notice-card button[type=submit]`)))
	cu.waitFor("the acknowledgement", `document.querySelector(".notice-card .saved")`)
	cu.screenshot("incident-notice-acknowledged")
	cu.checkConsole()

	c.open("the incident again", app.URL+incident.Path(inc.ID), http.StatusOK)
	c.waitFor("the acknowledgement on the incident", `document.querySelector("#incident-notices .acknowledgements li[data-acknowledged]")`)
}
