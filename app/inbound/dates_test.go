package inbound_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/inbound"
	"tugi/app/web"
)

// An Estonian agent reads since when mail to the requester bounces in Estonian (issue
// 21), in Tallinn's time, the zone named.
func TestBounceSinceInTheAgentsLanguage(t *testing.T) {
	later := func() time.Time { return time.Now().Add(72 * time.Hour) } // the bounce is days old
	a := apptest.NewWith(t, apptest.Options{Now: later, Configure: func(c *config.Config) { c.Mail.Domain = "tugi.example" }})
	tk := ticketOf(t, a, receive(t, a, mailFrom(demoCustomer, "Arve puudub", "Arvet pole tulnud.")))
	raw := strings.ReplaceAll(string(readFile(t, "testdata/postfix_bounce.eml")), "left.company@example-customer.ee", demoCustomer)
	if b := receive(t, a, []byte(raw)); b.State != inbound.Bounced {
		t.Fatalf("bounce %+v", b)
	}
	if _, err := a.DB.Exec(`UPDATE users SET language = 'et' WHERE email = 'agent@tugi.example'`); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	if err := a.DB.Get(&last, `SELECT last_at FROM mail_bounces WHERE address = $1`, demoCustomer); err != nil {
		t.Fatal(err)
	}
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}
	page := a.SignIn(t, "agent@tugi.example").Get(t, fmt.Sprintf("/tickets/%d", tk.ID), http.StatusOK)
	want := web.ShortIn("et", last.In(tallinn), later())
	if text := page.Text("#requester-bounce"); !strings.Contains(text, want) || want == web.ShortIn("en", last.In(tallinn), later()) {
		t.Errorf("the requester panel does not say the address bounces since %q: %q", want, text)
	}
}
