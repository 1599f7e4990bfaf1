package inbound_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tugi/app/inbound"
)

// A bounce of the requester's address is said on the agent's ticket page, beside the
// requester and in their panel; the customer sees nothing of it; an agent clears it
// (audited) once the address works again, and so does mail from the address.
func TestBounceShownBesideTheRequester(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "Arve puudub", "Arvet pole tulnud."))
	tk := ticketOf(t, a, r)
	raw := strings.ReplaceAll(string(readFile(t, "testdata/postfix_bounce.eml")), "left.company@example-customer.ee", demoCustomer)
	if b := receive(t, a, []byte(raw)); b.State != inbound.Bounced {
		t.Fatalf("bounce %+v", b)
	}
	path := fmt.Sprintf("/tickets/%d", tk.ID)
	agent := a.SignIn(t, "agent@tugi.example")
	page := agent.Get(t, path, http.StatusOK)
	if page.Doc.Find("#ticket-meta #meta-bounce").Length() != 1 {
		t.Error("the ticket's heading does not say mail to the requester bounces")
	}
	if text := page.Text("#requester #requester-bounce"); !strings.Contains(text, demoCustomer) || !strings.Contains(text, "5.1.1") {
		t.Errorf("requester panel: %q", text)
	}
	customer := a.SignIn(t, demoCustomer)
	if p := customer.Get(t, path, http.StatusOK); p.Doc.Find("#requester-bounce, #meta-bounce").Length() != 0 {
		t.Error("the customer's page shows the bounce")
	}
	customer.Post(t, "/queue/mail/bounces/clear", url.Values{"address": {demoCustomer}, "back": {path}}, http.StatusForbidden)

	done := agent.Post(t, "/queue/mail/bounces/clear", url.Values{"address": {demoCustomer}, "back": {path}}, http.StatusSeeOther)
	if done.Location() != path {
		t.Errorf("after clearing: to %q, want back to %s", done.Location(), path)
	}
	if agent.Get(t, path, http.StatusOK).Doc.Find("#requester-bounce, #meta-bounce").Length() != 0 {
		t.Error("still shown as bouncing after the agent cleared it")
	}
	if n := count(t, a, `SELECT count(*) FROM audit_events WHERE action = 'inbound.clear_bounce' AND object_type = 'user'`); n != 1 {
		t.Errorf("%d audit events of the clearing", n)
	}
	// Off-site "back" goes to the mail list instead.
	receive(t, a, []byte(strings.ReplaceAll(raw, "<20261207101602", "<again20261207101602")))
	if p := agent.Post(t, "/queue/mail/bounces/clear", url.Values{"address": {demoCustomer}, "back": {"https://evil.example/"}}, http.StatusSeeOther); p.Location() != "/queue/mail" {
		t.Errorf("an off-site back: to %q", p.Location())
	}
}
