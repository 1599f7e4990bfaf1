package ticket_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"tugi/app/apptest"
)

// renderedNewTicket renders "Open a ticket" for c and fills it in, as the browser would send it:
// with the form's own token.
func renderedNewTicket(t *testing.T, app *apptest.App, c *apptest.Client, subject string) url.Values {
	t.Helper()
	f := c.Get(t, "/tickets/new", http.StatusOK).FormValues("form#new-ticket")
	if f.Get("form_token") == "" {
		t.Fatal("the new-ticket form carries no form_token")
	}
	f.Set("subject", subject)
	f.Set("body", "The details of "+subject)
	f.Set("category_id", strconv.FormatInt(categoryID(t, app.DB, "Question"), 10))
	return f
}

// A form sent twice (a double click, the back button, a retry) makes one ticket; the
// second answer goes to that ticket and says it was sent already. A form of an old page,
// without a token, still opens a ticket each time.
func TestNewTicketFormSentTwiceMakesOneTicket(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	f := renderedNewTicket(t, app, c, "Printer on fire")

	before := take(t, app.DB)
	first := c.Post(t, "/tickets", f, http.StatusSeeOther)
	if !ticketPath.MatchString(first.Location()) {
		t.Fatalf("first submission went to %q", first.Location())
	}
	c.Get(t, first.Location(), http.StatusOK) // takes the first flash
	second := c.Post(t, "/tickets", f, http.StatusSeeOther)
	if second.Location() != first.Location() {
		t.Errorf("the same form sent again went to %q, want the first ticket %q", second.Location(), first.Location())
	}
	if flash := c.Get(t, second.Location(), http.StatusOK).Text(".flash"); !strings.Contains(flash, "This was already sent.") {
		t.Errorf("flash after the second submission %q, want it to say it was already sent", flash)
	}
	if after := take(t, app.DB); after.tickets != before.tickets+1 || after.messages != before.messages+1 || after.audit != before.audit+1 {
		t.Errorf("two submissions of one form: %d tickets, %d messages, %d audit events written, want 1 each",
			after.tickets-before.tickets, after.messages-before.messages, after.audit-before.audit)
	}

	// A fresh render is a fresh form: it makes a ticket of its own.
	again := c.Post(t, "/tickets", renderedNewTicket(t, app, c, "Printer on fire"), http.StatusSeeOther)
	if again.Location() == first.Location() || !ticketPath.MatchString(again.Location()) {
		t.Errorf("a newly rendered form went to %q (the first was %q), want a new ticket", again.Location(), first.Location())
	}

	// An old page's form, without a token, works as before: each submission is a ticket.
	f.Del("form_token")
	before = take(t, app.DB)
	c.Post(t, "/tickets", f, http.StatusSeeOther)
	c.Post(t, "/tickets", f, http.StatusSeeOther)
	if after := take(t, app.DB); after.tickets != before.tickets+2 {
		t.Errorf("two submissions without a token made %d tickets, want 2", after.tickets-before.tickets)
	}
}

// A reply sent twice with one token is one message, for the customer and the agent alike.
func TestReplySentTwiceIsOneMessage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	id := open(t, app, c, "Reply twice")
	a := app.SignIn(t, andres)
	for _, tc := range []struct {
		who          *apptest.Client
		form, action string
	}{{c, "form#reply-form", "/reply"}, {a, "form#compose-form", "/compose"}} {
		who := tc.who
		f := who.Get(t, path(id, ""), http.StatusOK).FormValues(tc.form)
		if f.Get("form_token") == "" {
			t.Fatal("the reply form carries no form_token")
		}
		f.Set("body", "Only once, please.")
		before := count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id)
		for range 2 {
			if p := who.Post(t, path(id, tc.action), f, http.StatusSeeOther); p.Location() != path(id, "") {
				t.Errorf("reply went to %q, want the ticket", p.Location())
			}
		}
		if n := count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, id) - before; n != 1 {
			t.Errorf("one reply form sent twice made %d messages, want 1", n)
		}
	}
}

// A token is the person's own: another person sending a form with it (copied, or guessed)
// is not sent to the first person's ticket, and their own ticket is made.
func TestAnotherPersonsFormTokenIsNotHonoured(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	f := renderedNewTicket(t, app, c, "Mine")
	first := c.Post(t, "/tickets", f, http.StatusSeeOther)

	other := app.SignIn(t, jaan)
	g := renderedNewTicket(t, app, other, "Theirs")
	g.Set("form_token", f.Get("form_token"))
	before := take(t, app.DB)
	p := other.Post(t, "/tickets", g, http.StatusSeeOther)
	if p.Location() == first.Location() || !ticketPath.MatchString(p.Location()) {
		t.Errorf("with another person's token went to %q (theirs is %q), want a ticket of their own", p.Location(), first.Location())
	}
	if after := take(t, app.DB); after.tickets != before.tickets+1 {
		t.Errorf("another person's token: %d tickets made, want 1", after.tickets-before.tickets)
	}
	if flash := other.Get(t, p.Location(), http.StatusOK).Text(".flash"); strings.Contains(flash, "already sent") {
		t.Errorf("flash %q: another person's form is not theirs", flash)
	}
}

// The same form sent twice at once (a double click that beats the first answer) still
// makes one ticket, and both answers go to it.
func TestFormSentTwiceAtOnceMakesOneTicket(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	for round := range 3 {
		f := renderedNewTicket(t, app, c, "Double click "+strconv.Itoa(round))
		before := take(t, app.DB)
		var wg sync.WaitGroup
		locations := make([]string, 4)
		errs := make([]error, 4)
		for i := range locations {
			wg.Go(func() {
				p, err := c.TryPost("/tickets", f)
				switch {
				case err != nil:
					errs[i] = err
				case p.Status != http.StatusSeeOther:
					errs[i] = &statusError{p.Status, p.Text("main")}
				default:
					locations[i] = p.Location()
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		for _, l := range locations[1:] {
			if l != locations[0] || !ticketPath.MatchString(l) {
				t.Errorf("round %d: submissions at once went to %q, want one ticket", round, locations)
				break
			}
		}
		if after := take(t, app.DB); after.tickets != before.tickets+1 || after.audit != before.audit+1 {
			t.Errorf("round %d: 4 submissions at once made %d tickets and %d audit events, want 1", round,
				after.tickets-before.tickets, after.audit-before.audit)
		}
	}
}

type statusError struct {
	status int
	page   string
}

func (e *statusError) Error() string { return "status " + strconv.Itoa(e.status) + ": " + e.page }

// When the connection is lost during the COMMIT of a new ticket, the customer is not told
// "nothing was changed" but that it could not be confirmed, with the request id; sending
// the same form again then makes the ticket once. The loss is real: a deferred constraint
// trigger, which runs inside the COMMIT, ends the server's session.
func TestUncertainCommitIsSaidAndTheRetryMakesOneTicket(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	f := renderedNewTicket(t, app, c, "Lost at commit")
	if _, err := app.DB.Exec(`
		CREATE FUNCTION test_end_session() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			PERFORM pg_terminate_backend(pg_backend_pid());
			RETURN NULL;
		END $$;
		CREATE CONSTRAINT TRIGGER test_end_session_at_commit AFTER INSERT ON tickets
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_end_session();`); err != nil {
		t.Fatal(err)
	}
	before := take(t, app.DB)
	p := c.Post(t, "/tickets", f, http.StatusServiceUnavailable)
	if msg := p.Text("main"); !strings.Contains(msg, "We could not confirm whether this was saved — look before you send it again.") ||
		strings.Contains(msg, "nothing was changed") {
		t.Errorf("page after a lost commit says %q", msg)
	}
	if p.Text(".request-id") == "" {
		t.Error("no request id on the page")
	}

	if _, err := app.DB.Exec(`DROP TRIGGER test_end_session_at_commit ON tickets`); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if p := c.Post(t, "/tickets", f, http.StatusSeeOther); !ticketPath.MatchString(p.Location()) {
			t.Errorf("the retry went to %q", p.Location())
		}
	}
	if after := take(t, app.DB); after.tickets != before.tickets+1 {
		t.Errorf("a lost commit and two retries made %d tickets, want 1", after.tickets-before.tickets)
	}
}

// Each of an agent's forms that adds something, sent twice with the token it was rendered
// with, adds it once and goes to the same place both times.
func TestAgentFormsSentTwiceAddOnce(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	id := open(t, app, c, "Agent forms twice")
	other := open(t, app, c, "Another ticket")
	a := app.SignIn(t, andres)
	for _, tc := range []struct {
		name, page, form, action string
		fill                     url.Values
		rows                     string // counts what the form adds
	}{
		{"note", path(id, ""), "form#compose-form", path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"Looked at it."}},
			`SELECT count(*) FROM ticket_messages WHERE internal`},
		{"phone call", path(id, ""), "form#compose-form", path(id, "/compose"), url.Values{"kind": {"call"}, "body": {"Called: fixed."}},
			`SELECT count(*) FROM ticket_messages WHERE channel = 'phone'`},
		{"link", path(id, ""), "form#link-form", path(id, "/links"),
			url.Values{"reference": {strconv.FormatInt(other, 10)}, "kind": {"related"}}, `SELECT count(*) FROM ticket_links`},
		{"phone ticket", "/queue/phone", "form#phone-form", "/queue/phone", url.Values{
			"requester_id": {strconv.FormatInt(userID(t, app.DB, mari), 10)}, "subject": {"Called about the printer"},
			"body": {"Mari called."}, "category_id": {strconv.FormatInt(categoryID(t, app.DB, "Question"), 10)},
			"priority": {"normal"}, "impact": {"one_person"}}, `SELECT count(*) FROM tickets`},
		{"canned reply", "/queue/canned", "form#canned-form", "/queue/canned",
			url.Values{"title": {"Printer checklist"}, "body": {"Is it switched on?"}}, `SELECT count(*) FROM canned_replies`},
	} {
		before := count(t, app.DB, tc.rows)
		if a.SendTwice(t, tc.page, tc.form, tc.action, tc.fill) == "" {
			continue
		}
		if n := count(t, app.DB, tc.rows) - before; n != 1 {
			t.Errorf("%s: one form sent twice added %d, want 1", tc.name, n)
		}
	}
}
