package inbound_test

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/inbound"
)

var passwordLink = regexp.MustCompile(`https?://\S+/password/([A-Z2-7]{26})`)

// linksMailed returns the tokens of the password links mailed to address, oldest first.
func linksMailed(t *testing.T, a *apptest.App, address string) []string {
	t.Helper()
	var bodies []string
	if err := a.DB.Select(&bodies, `SELECT body_text FROM mail_outbox WHERE to_address = $1 AND kind = 'auth.password_link' ORDER BY id`, address); err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, b := range bodies {
		m := passwordLink.FindStringSubmatch(b)
		if m == nil {
			t.Fatalf("a password link mail without a link: %q", b)
		}
		tokens = append(tokens, m[1])
	}
	return tokens
}

// A sender at a domain an admin listed becomes a contact without a password and is
// mailed a link to set one: the link is kept only hashed, opening it changes nothing,
// a bad password is said beside the field, the password set signs them in, and the
// link works once.
func TestListedDomainContactSetsPasswordByLink(t *testing.T) {
	a := newApp(t)
	if _, err := a.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) SELECT 'demo-customer.example', org_id FROM users WHERE email = $1`, demoCustomer); err != nil {
		t.Fatal(err)
	}
	const piret = "piret@demo-customer.example"
	r := receive(t, a, mailFrom("Piret Pärn <"+piret+">", "Arve on vale", "Tere, arve summa on vale."))
	if r.State != inbound.MadeTicket {
		t.Fatalf("receipt %+v", r)
	}
	tokens := linksMailed(t, a, piret)
	if len(tokens) != 1 {
		t.Fatalf("%d password links mailed to the new contact, want 1", len(tokens))
	}
	token := tokens[0]
	var stored []byte
	if err := a.DB.Get(&stored, `SELECT l.token_hash FROM password_links l JOIN users u ON u.id = l.user_id WHERE u.email = $1`, piret); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte(token)); !bytes.Equal(stored, sum[:]) {
		t.Error("the link's token is not stored as its SHA-256")
	}

	c := a.Client(t)
	page := c.Get(t, "/password/"+token, http.StatusOK)
	c.Get(t, "/password/"+token, http.StatusOK) // opening it twice (a mail scanner, then the person) uses nothing
	if !strings.Contains(page.Text("#password-link-for"), piret) || page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("link page: %q, Referrer-Policy %q", page.Text("#password-link-for"), page.Header.Get("Referrer-Policy"))
	}
	bad := c.Post(t, "/password/"+token, url.Values{"new_password": {"short"}, "confirm_password": {"short"}}, http.StatusUnprocessableEntity)
	if bad.FieldError("new_password") == "" {
		t.Error("a short password: no message beside the field")
	}
	const password = "kolm seostamata sõna"
	done := c.Post(t, "/password/"+token, url.Values{"new_password": {password}, "confirm_password": {password}}, http.StatusSeeOther)
	if done.Location() != "/login" {
		t.Errorf("after setting the password: to %q", done.Location())
	}
	if n := count(t, a, `SELECT count(*) FROM audit_events WHERE action = 'user.set_password_by_link' AND actor_user_id = (SELECT id FROM users WHERE email = $1)`, piret); n != 1 {
		t.Errorf("%d audit events of the password set", n)
	}
	again := c.Post(t, "/password/"+token, url.Values{"new_password": {"another password x"}, "confirm_password": {"another password x"}}, http.StatusNotFound)
	if again.Text("#password-link-invalid") == "" {
		t.Error("a used link: not said so")
	}

	signedIn := a.Client(t)
	signedIn.Get(t, "/login", http.StatusOK)
	signedIn.Post(t, "/login", url.Values{"email": {piret}, "password": {password}}, http.StatusSeeOther)
	if !strings.Contains(signedIn.Get(t, "/tickets", http.StatusOK).Doc.Text(), "Arve on vale") {
		t.Error("signed in with the password set, the contact does not see their ticket")
	}
	// With a password, their next mail mails no link.
	receive(t, a, mailFrom(piret, "Veel üks küsimus", "Tere jälle."))
	if n := len(linksMailed(t, a, piret)); n != 1 {
		t.Errorf("%d links mailed after the password was set, want still 1", n)
	}
}

// A link ends after its time; the contact's next mail brings a new one (while the old
// could still be used it would not), and no more than auth.PasswordLinksPerDay a day.
func TestPasswordLinkEndsAndIsThrottled(t *testing.T) {
	a := newApp(t)
	if _, err := a.DB.Exec(`INSERT INTO org_mail_domains (domain, org_id) SELECT 'demo-customer.example', org_id FROM users WHERE email = $1`, demoCustomer); err != nil {
		t.Fatal(err)
	}
	const tiit = "tiit@demo-customer.example"
	receive(t, a, mailFrom(tiit, "Esimene", "Üks."))
	receive(t, a, mailFrom(tiit, "Teine", "Kaks."))
	tokens := linksMailed(t, a, tiit)
	if len(tokens) != 1 {
		t.Fatalf("%d links while the first can be used, want 1", len(tokens))
	}
	if _, err := a.DB.Exec(`UPDATE password_links SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if p := a.Client(t).Get(t, "/password/"+tokens[0], http.StatusNotFound); p.Text("#password-link-invalid") == "" {
		t.Error("an ended link: not said so")
	}
	a.Client(t).Get(t, "/password/AAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound)
	for i := 0; i < auth.PasswordLinksPerDay+2; i++ {
		receive(t, a, mailFrom(tiit, "Veel", "Veel üks."))
		if _, err := a.DB.Exec(`UPDATE password_links SET expires_at = now() - interval '1 second'`); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(linksMailed(t, a, tiit)); n != auth.PasswordLinksPerDay {
		t.Errorf("%d links mailed in a day, want %d", n, auth.PasswordLinksPerDay)
	}
}
