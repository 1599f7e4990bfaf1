package ticket_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/live"
)

var rowURL = regexp.MustCompile(`hx-get="(/tickets/\d+/row\?[^"]+)"`)

// A ticket a customer opens on one process appears on an agent's open queue on another
// within the second: the event names the ticket, and the row it asks for is that one
// ticket's, in the agent's view, marked to be added; a ticket taken leaves the
// "Unassigned" view the same way.
func TestQueueReceivesNewTicketLiveAcrossProcesses(t *testing.T) {
	a := apptest.New(t)
	b := a.Beside(t)
	agent := b.SignIn(t, andres)
	page := agent.Get(t, "/queue?view=unassigned", http.StatusOK)
	src, ok := page.Doc.Find("#queue-live").Attr("sse-connect")
	if !ok || page.Doc.Find("#queue-table[hx-trigger]").Length() != 0 {
		t.Fatalf("the queue has no live stream, or still polls: sse-connect %q", src)
	}
	stream := agent.Open(t, src, http.StatusOK)

	customer := a.SignIn(t, mari)
	id := open(t, a, customer, "Live on the queue")
	answered := time.Now() // the ticket is committed by now
	e := stream.NextNamed(t, "queue")
	if d := time.Since(answered); d > time.Second {
		t.Errorf("the new ticket reached the queue %s after its page answered", d)
	}
	m := rowURL.FindStringSubmatch(e.Data)
	if m == nil || !strings.Contains(m[1], path(id, "/row?")) || !strings.Contains(m[1], "view=unassigned") {
		t.Fatalf("the event asks for no row of ticket %d: %s", id, e.Data)
	}
	row := rows(t, agent.Get(t, html.UnescapeString(m[1]), http.StatusOK))
	tr := row.Find("tr#queue-row-" + strconv.FormatInt(id, 10))
	if tr.Length() != 1 || tr.AttrOr("hx-swap-oob", "") != "true" || !tr.HasClass("live-new") || !strings.Contains(tr.Text(), "Live on the queue") {
		t.Fatalf("the live row: %s", row.Text())
	}
	if n := row.Find("tr").Length(); n != 1 {
		t.Errorf("the live row answer holds %d rows, want the one", n)
	}

	// Taken by Kadri: it leaves Andres's "Unassigned" view.
	kadriC := a.SignIn(t, kadri)
	kp := kadriC.Get(t, path(id, ""), http.StatusOK)
	kadriC.Post(t, path(id, "/take"), url.Values{"seen_assignee": {kp.InputValue("seen_assignee")}}, http.StatusSeeOther)
	e = stream.NextNamed(t, "queue")
	m = rowURL.FindStringSubmatch(e.Data)
	if m == nil {
		t.Fatalf("no row asked for after the take: %s", e.Data)
	}
	gone := agent.Get(t, html.UnescapeString(m[1]), http.StatusOK)
	if rows(t, gone).Find(`tr#queue-row-`+strconv.FormatInt(id, 10)+`[hx-swap-oob="delete"]`).Length() != 1 {
		t.Errorf("a taken ticket's row in the unassigned view: %s", gone.Body)
	}
}

// rows reads the table rows of an answer that holds only rows, as htmx does (an HTML
// parser drops a row outside a table).
func rows(t testing.TB, p *apptest.Page) *goquery.Selection {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader("<table><tbody>" + p.Body + "</tbody></table>"))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Selection
}

// Streams are authorised as they open, by role and by organisation, and every event
// again: a customer follows their own organisation's ticket, never its internal notes,
// and never another organisation's ticket; the queue's stream is the agents'.
func TestStreamAuthorisation(t *testing.T) {
	app := apptest.New(t)
	customer := app.SignIn(t, mari)
	id := open(t, app, customer, "Whose stream")
	tp := path(id, "/live")
	for _, who := range []string{eva, toomas} {
		app.SignIn(t, who).Open(t, tp, http.StatusForbidden)
		app.SignIn(t, who).Open(t, "/queue/live", http.StatusForbidden)
	}
	app.SignIn(t, jaan).Open(t, tp, http.StatusNotFound) // another organisation's ticket
	app.SignIn(t, jaan).Open(t, "/queue/live", http.StatusForbidden)
	customer.Open(t, "/queue/live", http.StatusForbidden)
	app.Client(t).Open(t, tp, http.StatusSeeOther) // nobody signed in: to the sign-in page
	app.SignIn(t, sirje).Open(t, tp, http.StatusOK).Close()

	mine := customer.Open(t, tp, http.StatusOK)
	agent := app.SignIn(t, andres)
	agentStream := agent.Open(t, tp, http.StatusOK)
	agent.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"Internal: check the invoice"}}, http.StatusSeeOther)
	if e := agentStream.NextNamed(t, "message"); !strings.Contains(e.Data, `hx-select="#conversation"`) {
		t.Errorf("the agent's stream: %+v", e)
	}
	mine.None(t, 500*time.Millisecond) // a note is not the customer's
	agent.Post(t, path(id, "/reply"), url.Values{"body": {"We are on it."}, "then": {"open"}}, http.StatusSeeOther)
	if e := mine.NextNamed(t, "message"); !strings.Contains(e.Data, path(id, "")) {
		t.Errorf("the customer's stream after a reply: %+v", e)
	}
	// Another organisation's customer, following their own ticket, hears nothing of it.
	other := app.SignIn(t, jaan)
	theirs := other.Open(t, path(open(t, app, other, "Theirs"), "/live"), http.StatusOK)
	agent.Post(t, path(id, "/reply"), url.Values{"body": {"Still on it."}, "then": {"open"}}, http.StatusSeeOther)
	theirs.None(t, 500*time.Millisecond)
}

// Two agents on one ticket see each other's presence, never their own; a reply sent
// after a newer message by someone else asks first, keeping its text, and goes when
// sent again.
func TestPresenceAndReplyMeanwhile(t *testing.T) {
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Two agents")
	andresC, kadriC := app.SignIn(t, andres), app.SignIn(t, kadri)
	tp := path(id, "/live")
	watching := andresC.Open(t, tp, http.StatusOK)
	kadriStream := kadriC.Open(t, tp, http.StatusOK)
	if e := watching.NextNamed(t, "presence"); !strings.Contains(e.Data, "is viewing") || !strings.Contains(e.Data, `data-live-into="#presence"`) {
		t.Errorf("Andres sees: %+v", e)
	}
	kadriC.Post(t, path(id, "/presence"), url.Values{"state": {"replying"}}, http.StatusNoContent)
	until(t, watching, "Kadri Kask is replying") // after her greeting back, "viewing"
	for {
		select {
		case e := <-drain(kadriStream):
			if strings.Contains(e.Data, "Kadri") {
				t.Errorf("Kadri sees herself: %+v", e)
			}
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	kadriStream.Close()
	until(t, watching, `<li id="presence-`+strconv.FormatInt(userID(t, app.DB, kadri), 10)+`" hx-swap-oob="delete">`)

	// Andres's page shows the conversation so far; the customer writes meanwhile.
	page := andresC.Get(t, path(id, ""), http.StatusOK)
	seen := page.InputValue("seen_message")
	app.SignIn(t, mari).Post(t, path(id, "/reply"), url.Values{"body": {"Any news?"}}, http.StatusSeeOther)
	reply := url.Values{"kind": {"reply"}, "body": {"Here is the answer."}, "then": {"open"}, "seen_message": {seen}}
	asked := andresC.Post(t, path(id, "/compose"), reply, http.StatusUnprocessableEntity)
	if !strings.Contains(asked.Text("#meanwhile"), "A reply arrived meanwhile") || asked.Text("#body") != "Here is the answer." ||
		!strings.Contains(asked.Text("#conversation"), "Any news?") {
		t.Fatalf("the question: %q, text kept %q", asked.Text("#meanwhile"), asked.Text("#body"))
	}
	reply.Set("seen_message", asked.InputValue("seen_message"))
	andresC.Post(t, path(id, "/compose"), reply, http.StatusSeeOther)
}

// until reads presence events of s until one holds want (failing after 5 s of none).
func until(t *testing.T, s *apptest.Stream, want string) {
	t.Helper()
	for {
		if e := s.NextNamed(t, "presence"); strings.Contains(e.Data, want) {
			return
		}
	}
}

// drain is the events channel of s, for a select.
func drain(s *apptest.Stream) <-chan apptest.Event { return s.Events() }

// Draining the server (shutdown) ends its open streams, whose clients then reconnect
// elsewhere, and answers new ones 503.
func TestDrainEndsStreams(t *testing.T) {
	app := apptest.New(t)
	agent := app.SignIn(t, andres)
	s := agent.Open(t, "/queue/live", http.StatusOK)
	app.Server.Drain()
	if !s.Ended(5 * time.Second) {
		t.Fatal("the stream is still open after Drain")
	}
	agent.Open(t, "/queue/live", http.StatusServiceUnavailable)
	agent.Get(t, "/queue", http.StatusOK) // pages are still served while draining
}

// A ticket page that reconnects after being away longer than the events are kept (they
// were pruned) brings itself up to date: it is told to fetch its conversation again, as
// on a change, with the newest event's id (where its next reconnect starts), and the page
// it fetches holds the reply it missed. Without it the page would silently lack the reply.
func TestTicketPageAwayPastPruningRefetches(t *testing.T) {
	app := apptest.New(t)
	customer, id, seen := awayFromTicket(t, app)
	if err := live.Prune(context.Background(), app.DB, time.Now().Add(live.Keep+time.Minute)); err != nil {
		t.Fatal(err)
	}
	open(t, app, customer, "Another ticket") // the newest event is another ticket's
	newest := newestEvent(t, app)

	again := customer.Open(t, path(id, "/live"), http.StatusOK, "Last-Event-ID", seen)
	e := again.Next(t)
	if e.Name != "message" || e.ID != newest || !strings.Contains(e.Data, `hx-get="`+path(id, "")+`"`) || !strings.Contains(e.Data, `hx-select="#conversation"`) {
		t.Fatalf("after the pruning the page got %+v, want it told to fetch its conversation, with id %s", e, newest)
	}
	again.None(t, 300*time.Millisecond)
	if page := customer.Get(t, path(id, ""), http.StatusOK); !strings.Contains(page.Text("#conversation"), "The answer you missed.") {
		t.Errorf("the conversation fetched lacks the reply missed: %s", page.Text("#conversation"))
	}
}

// A ticket page that reconnects while what it missed is still kept is sent that, event by
// event, with the events' own ids, and no refetch besides.
func TestTicketPageReconnectReplays(t *testing.T) {
	app := apptest.New(t)
	customer, id, seen := awayFromTicket(t, app)
	missed := newestEvent(t, app) // the ticket's own event is published last
	open(t, app, customer, "Another ticket")

	again := customer.Open(t, path(id, "/live"), http.StatusOK, "Last-Event-ID", seen)
	if e := again.Next(t); e.Name != "message" || e.ID != missed {
		t.Fatalf("the reconnect got %+v, want the missed reply's event %s replayed", e, missed)
	}
	again.None(t, 300*time.Millisecond)
}

// awayFromTicket has a customer follow their new ticket's page until an agent's reply,
// leave it (seen: the id of the last event it received) and miss the agent's next reply.
func awayFromTicket(t *testing.T, app *apptest.App) (customer *apptest.Client, id int64, seen string) {
	t.Helper()
	customer, agent := app.SignIn(t, mari), app.SignIn(t, andres)
	id = open(t, app, customer, "Away for a while")
	s := customer.Open(t, path(id, "/live"), http.StatusOK)
	agent.Post(t, path(id, "/reply"), url.Values{"body": {"A first answer."}, "then": {"open"}}, http.StatusSeeOther)
	seen = s.NextNamed(t, "message").ID
	s.Close()
	agent.Post(t, path(id, "/reply"), url.Values{"body": {"The answer you missed."}, "then": {"open"}}, http.StatusSeeOther)
	return customer, id, seen
}

// newestEvent is the id of the newest live event, as a stream's "id:" says it.
func newestEvent(t testing.TB, app *apptest.App) string {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT max(id) FROM live_events`); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}
