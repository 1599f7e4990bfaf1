package inbound_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tugi/app/inbound"
)

func TestAgentAssignsAnUnknownSendersOrganisation(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom("Piret Pärn <piret@new-firm.example>", "Kas saate aidata?", "Tere, meil on küsimus."))
	if r.State != inbound.UnknownSender {
		t.Fatalf("receipt %+v", r)
	}
	customer := a.SignIn(t, demoCustomer)
	customer.Get(t, "/queue/mail", http.StatusForbidden)
	customer.Get(t, fmt.Sprintf("/queue/mail/%d/raw", r.ID), http.StatusForbidden)
	if strings.Contains(customer.Get(t, "/tickets", http.StatusOK).Doc.Text(), "Kas saate aidata?") {
		t.Error("a customer sees an unknown sender's mail")
	}

	agent := a.SignIn(t, "agent@tugi.example")
	list := agent.Get(t, "/queue/mail", http.StatusOK)
	if !strings.Contains(list.Text("#waiting"), "Kas saate aidata?") {
		t.Fatalf("the unknown sender's mail is not waiting: %s", list.Text("#waiting"))
	}
	page := agent.Get(t, fmt.Sprintf("/queue/mail/%d", r.ID), http.StatusOK)
	if page.Text("#mail-latest") != "Tere, meil on küsimus." || page.Doc.Find("#assign form").Length() != 1 {
		t.Errorf("message page: %q", page.Text("#mail-latest"))
	}
	raw := agent.Get(t, fmt.Sprintf("/queue/mail/%d/raw", r.ID), http.StatusOK)
	if !strings.Contains(raw.Body, "Subject: Kas saate aidata?") || raw.Header.Get("Content-Type") != "message/rfc822" {
		t.Errorf("raw download: %q %q", raw.Header.Get("Content-Type"), raw.Body)
	}
	// A name that fits no organisation: said beside the field, nothing made.
	bad := agent.Post(t, fmt.Sprintf("/queue/mail/%d/assign", r.ID), url.Values{"organisation": {"No Such Firm"}}, http.StatusUnprocessableEntity)
	if bad.FieldError("organisation") == "" || bad.InputValue("organisation") != "No Such Firm" {
		t.Errorf("a wrong organisation: error %q, value %q", bad.FieldError("organisation"), bad.InputValue("organisation"))
	}
	agent.Post(t, fmt.Sprintf("/queue/mail/%d/assign", r.ID), url.Values{"organisation": {"Second Customer AS"}}, http.StatusSeeOther)
	var org string
	if err := a.DB.Get(&org, `SELECT o.name FROM inbound_mail i JOIN tickets t ON t.id = i.ticket_id JOIN organisations o ON o.id = t.org_id WHERE i.id = $1`, r.ID); err != nil || org != "Second Customer AS" {
		t.Fatalf("after assigning: organisation %q, %v", org, err)
	}
	second := a.SignIn(t, secondCustomer)
	if !strings.Contains(second.Get(t, "/tickets", http.StatusOK).Doc.Text(), "Kas saate aidata?") {
		t.Error("the organisation's customers do not see the ticket")
	}
	if strings.Contains(customer.Get(t, "/tickets", http.StatusOK).Doc.Text(), "Kas saate aidata?") {
		t.Error("another organisation's customer sees the ticket")
	}
}

func TestAgentReleasesMailHeldForDMARC(t *testing.T) {
	a := newApp(t)
	r := receive(t, a, mailFrom(demoCustomer, "Uus arvelduskonto", "Palun makske uuele kontole.",
		"Authentication-Results: mx.tugi.example; spf=fail; dkim=fail; dmarc=fail header.from=demo-customer.example"))
	agent := a.SignIn(t, "agent@tugi.example")
	page := agent.Get(t, fmt.Sprintf("/queue/mail/%d", r.ID), http.StatusOK)
	if !strings.Contains(page.Text("#mail-auth"), "DMARC: fail") || page.Doc.Find("#release form").Length() != 1 {
		t.Fatalf("held page: %q", page.Text("#mail-auth"))
	}
	agent.Post(t, fmt.Sprintf("/queue/mail/%d/release", r.ID), nil, http.StatusSeeOther)
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'Uus arvelduskonto'`); n != 1 {
		t.Errorf("released mail: %d tickets", n)
	}
	// Released once: a second release changes nothing.
	agent.Post(t, fmt.Sprintf("/queue/mail/%d/release", r.ID), nil, http.StatusSeeOther)
	if n := count(t, a, `SELECT count(*) FROM tickets WHERE subject = 'Uus arvelduskonto'`); n != 1 {
		t.Errorf("released twice: %d tickets", n)
	}
}

func TestAdminListsMailDomains(t *testing.T) {
	a := newApp(t)
	admin := a.SignIn(t, "admin@tugi.example")
	bad := admin.Post(t, "/admin/mail-domains", url.Values{"domain": {"not a domain"}, "organisation": {"Demo Customer OÜ"}}, http.StatusUnprocessableEntity)
	if bad.FieldError("domain") == "" {
		t.Error("no message beside a bad domain")
	}
	admin.Post(t, "/admin/mail-domains", url.Values{"domain": {"@Demo-Customer.example"}, "organisation": {"Demo Customer OÜ"}}, http.StatusSeeOther)
	if !strings.Contains(admin.Get(t, "/admin/mail-domains", http.StatusOK).Text("#domains"), "demo-customer.example") {
		t.Fatal("the domain is not listed")
	}
	again := admin.Post(t, "/admin/mail-domains", url.Values{"domain": {"demo-customer.example"}, "organisation": {"Second Customer AS"}}, http.StatusUnprocessableEntity)
	if again.FieldError("domain") == "" {
		t.Error("a domain listed twice: no message")
	}
	r := receive(t, a, mailFrom("new.person@demo-customer.example", "Hello from a colleague", "Hi"))
	if r.State != inbound.MadeTicket {
		t.Errorf("mail from the listed domain: %+v", r)
	}
	admin.Post(t, "/admin/mail-domains/demo-customer.example/delete", nil, http.StatusSeeOther)
	if count(t, a, `SELECT count(*) FROM org_mail_domains`) != 0 {
		t.Error("the domain was not removed")
	}
	a.SignIn(t, "agent@tugi.example").Get(t, "/admin/mail-domains", http.StatusForbidden)
}
