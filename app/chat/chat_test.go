package chat_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/live"
)

// Chat is offered while support is open by the calendar and an agent is available;
// otherwise the customer is told why and when support opens, and may leave the message
// as a ticket.
func TestChatIsOfferedWhileOpenAndStaffed(t *testing.T) {
	t.Parallel()
	clk := closedClock()
	app := apptest.NewWith(t, apptest.Options{Now: clk.Now})
	c := app.SignIn(t, mari)

	p := c.Get(t, "/chat", http.StatusOK)
	if p.Doc.Find("#start-form").Length() != 0 || !strings.Contains(p.Text("#chat-closed"), "Support is closed now. It opens") {
		t.Errorf("closed: %q", p.Text("#chat-start"))
	}
	if p.Doc.Find("#leave-form").Length() != 1 || !strings.Contains(p.Text("#chat-leave"), "Support opens") {
		t.Errorf("closed: no offer to leave a ticket saying when support opens: %q", p.Text("#chat-leave"))
	}
	if strings.Contains(c.Get(t, "/", http.StatusOK).Text("#home-customer"), "Chat with support") {
		t.Error("the home page offers chat while support is closed")
	}

	clk.add(11 * time.Minute) // open, but nobody is available
	p = c.Get(t, "/chat", http.StatusOK)
	if got := p.Text("#chat-closed"); got != "No agent is available for chat right now." {
		t.Errorf("open, nobody available: %q", got)
	}
	app.SignIn(t, andres).Post(t, "/availability", url.Values{"available": {"true"}, "back": {"/"}}, http.StatusSeeOther)
	p = c.Get(t, "/chat", http.StatusOK)
	if p.Doc.Find("#start-form").Length() != 1 || p.Doc.Find("#chat-closed").Length() != 0 {
		t.Errorf("open and staffed: no start form: %q", p.Text("#chat-start"))
	}
	if home := c.Get(t, "/", http.StatusOK); home.Doc.Find(`#home-customer a[href="/chat"]`).Length() != 1 {
		t.Error("the home page does not offer chat while support is open and staffed")
	}
	// Agents do not start chats.
	app.SignIn(t, andres).Get(t, "/chat", http.StatusForbidden)
}

// Two agents accepting the same chat at the same moment: exactly one gets it.
func TestTwoAgentsAcceptAtOnce(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	a, k := app.SignIn(t, andres), app.SignIn(t, kadri)
	a.CSRF()
	k.CSRF()
	for round := range 5 {
		cust := mari
		if round%2 == 1 {
			cust = jaan
		}
		id := start(t, app.SignIn(t, cust), "Round "+string(rune('A'+round)))
		var wg sync.WaitGroup
		got := make([]*apptest.Page, 2)
		errs := make([]error, 2)
		for i, c := range []*apptest.Client{a, k} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = c.TryPost("/queue/chats/"+itoa(id)+"/accept", url.Values{})
			}()
		}
		wg.Wait()
		won := 0
		for i := range got {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if got[i].Status != http.StatusSeeOther {
				t.Fatalf("accept: %d", got[i].Status)
			}
			if got[i].Location() == chatPath(id) {
				won++
			} else if got[i].Location() != "/queue/chats" {
				t.Errorf("the loser was sent to %q", got[i].Location())
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d agents won the chat", round, won)
		}
		if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'chat.accept' AND object_id = $1`, itoa(id)); n != 1 {
			t.Errorf("round %d: %d accept events", round, n)
		}
		// The chat ends, so each agent stays below the limit of three.
		app.SignIn(t, cust).Post(t, chatPath(id, "/end"), nil, http.StatusSeeOther)
	}
	// The last round's loser is told why, on the page they were sent to.
	told := k.Get(t, "/queue/chats", http.StatusOK).Text(".flash") + a.Get(t, "/queue/chats", http.StatusOK).Text(".flash")
	if !strings.Contains(told, "Another agent accepted that chat first.") {
		t.Errorf("the loser was not told another agent accepted the chat first: %q", told)
	}
}

func itoa(id int64) string { return strings.TrimPrefix(chatPath(id), "/chat/") }

// An agent holds at most the limit the admin sets on the service levels page.
func TestPerAgentLimit(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	admin := app.SignIn(t, toomas)
	form := admin.Get(t, "/admin/sla", http.StatusOK).FormValues("#sla-chat")
	if form.Get("chat_limit") != "3" || form.Get("chat_wait") != "2m" || form.Get("chat_offer") != "5m" {
		t.Errorf("default chat policy: %v", form)
	}
	form.Set("chat_limit", "0")
	if p := admin.Post(t, "/admin/sla/chat", form, http.StatusUnprocessableEntity); p.FieldError("chat_limit") == "" {
		t.Error("a limit of 0 is taken")
	}
	form.Set("chat_limit", "1")
	admin.Post(t, "/admin/sla/chat", form, http.StatusSeeOther)
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'settings.chat_policy'`); n != 1 {
		t.Errorf("%d chat policy events", n)
	}

	first := start(t, app.SignIn(t, mari), "First")
	second := start(t, app.SignIn(t, jaan), "Second")
	a := app.SignIn(t, andres)
	if p := a.Post(t, "/queue/chats/"+itoa(first)+"/accept", nil, http.StatusSeeOther); p.Location() != chatPath(first) {
		t.Fatalf("first accept to %q", p.Location())
	}
	if p := a.Post(t, "/queue/chats/"+itoa(second)+"/accept", nil, http.StatusSeeOther); p.Location() != "/queue/chats" {
		t.Fatalf("second accept, past the limit, to %q", p.Location())
	}
	if got := a.Get(t, "/queue/chats", http.StatusOK).Text(".flash"); !strings.Contains(got, "as many chats as you may") {
		t.Errorf("flash %q", got)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM chats WHERE agent_id IS NOT NULL`); n != 1 {
		t.Errorf("%d chats accepted", n)
	}
	// Once the first ends, the second may be accepted.
	a.Post(t, chatPath(first, "/end"), nil, http.StatusSeeOther)
	if p := a.Post(t, "/queue/chats/"+itoa(second)+"/accept", nil, http.StatusSeeOther); p.Location() != chatPath(second) {
		t.Errorf("accept after ending one: %q", p.Location())
	}
	a.Post(t, chatPath(second, "/end"), nil, http.StatusSeeOther)

	// Kadri accepts two chats at the same moment, from two browsers: with a limit of one,
	// one accept passes.
	for round := range 3 {
		third := start(t, app.SignIn(t, mari), "Third "+itoa(int64(round)))
		fourth := start(t, app.SignIn(t, jaan), "Fourth "+itoa(int64(round)))
		tabs := []*apptest.Client{app.SignIn(t, kadri), app.SignIn(t, kadri)}
		for _, k := range tabs {
			k.CSRF()
		}
		var wg sync.WaitGroup
		got := make([]*apptest.Page, 2)
		errs := make([]error, 2)
		for i, id := range []int64{third, fourth} {
			wg.Go(func() { got[i], errs[i] = tabs[i].TryPost("/queue/chats/"+itoa(id)+"/accept", url.Values{}) })
		}
		wg.Wait()
		won := 0
		for i, id := range []int64{third, fourth} {
			if errs[i] != nil || got[i].Status != http.StatusSeeOther {
				t.Fatalf("accept: %v %v", got[i], errs[i])
			}
			if got[i].Location() == chatPath(id) {
				won++
			}
		}
		if n := count(t, app.DB, `SELECT count(*) FROM chats c JOIN users u ON u.id = c.agent_id WHERE u.email = $1 AND c.state = 'active'`, kadri); won != 1 || n != 1 {
			t.Errorf("round %d: %d accepts passed, Kadri holds %d chats, with a limit of one", round, won, n)
		}
		// Each customer ends theirs (one customer has one open chat at a time).
		app.SignIn(t, mari).Post(t, chatPath(third, "/end"), nil, http.StatusSeeOther)
		app.SignIn(t, jaan).Post(t, chatPath(fourth, "/end"), nil, http.StatusSeeOther)
	}
}

// Nothing the customer typed is lost: a chat nobody answered in time, and a message
// written while chat was not offered, become tickets with every word.
func TestOfflinePathKeepsEveryWord(t *testing.T) {
	t.Parallel()
	app, clk := newApp(t)
	c := app.SignIn(t, mari)
	words := []string{"My invoice export fails with error 42.", "It started this morning.", "Here is more: only for March."}
	id := start(t, c, words[0])
	c.Post(t, chatPath(id, "/messages"), url.Values{"body": {words[1]}}, http.StatusSeeOther)
	c.Post(t, chatPath(id, "/messages"), url.Values{"body": {words[2]}}, http.StatusSeeOther)

	p := c.Get(t, chatPath(id), http.StatusOK)
	if got := p.Text("#chat-place"); got != "You are number 1 in the queue." {
		t.Errorf("place: %q", got)
	}
	if p.Doc.Find("#chat-offer").Length() != 0 {
		t.Error("a ticket is offered before the wait is up")
	}
	clk.add(5 * time.Minute)
	p = c.Get(t, chatPath(id, "/status"), http.StatusOK, "HX-Request", "true")
	if !strings.Contains(p.Text("#chat-offer"), "Leave everything you wrote as a ticket") {
		t.Fatalf("after five minutes: no offer: %q", p.Body)
	}
	p = c.Post(t, chatPath(id, "/ticket"), nil, http.StatusSeeOther)
	tp := c.Get(t, p.Location(), http.StatusOK)
	conv := tp.Text("#conversation")
	for _, w := range words {
		if !strings.Contains(conv, w) {
			t.Errorf("the ticket lacks %q: %q", w, conv)
		}
	}
	if got := tp.Text("#ticket-meta"); !strings.Contains(got, "via Chat") {
		t.Errorf("ticket meta %q", got)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM chats WHERE id = $1 AND state = 'ended' AND ticket_id IS NOT NULL`, id); n != 1 {
		t.Error("the chat is not ended and kept")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action IN ('chat.leave_ticket', 'ticket.create', 'chat.end') AND request_id = $1`,
		p.Header.Get("X-Request-Id")); n != 3 {
		t.Errorf("%d audit events for leaving the chat as a ticket, want 3", n)
	}
	// Twice is once.
	c.Post(t, chatPath(id, "/ticket"), nil, http.StatusSeeOther)
	if n := count(t, app.DB, `SELECT count(*) FROM tickets WHERE channel = 'chat'`); n != 1 {
		t.Errorf("%d chat tickets", n)
	}

	// Support closes while the customer writes: the form comes back with their words,
	// which they leave as a ticket.
	clk.mu.Lock()
	clk.t = closedAfter(clk.t)
	clk.mu.Unlock()
	j := app.SignIn(t, jaan)
	const late = "Can you restore the deleted report, please?"
	p = j.Post(t, "/chat", url.Values{"body": {late}}, http.StatusUnprocessableEntity)
	if p.Text("#leave-body") != late {
		t.Errorf("the words are not kept in the form: %q", p.Text("#leave-body"))
	}
	form := p.FormValues("#leave-form")
	p = j.Post(t, "/chat/ticket", form, http.StatusSeeOther)
	if got := j.Get(t, p.Location(), http.StatusOK).Text("#conversation"); !strings.Contains(got, late) {
		t.Errorf("the ticket lacks the message: %q", got)
	}
}

// A chat from start to its ticket: the agent sees the customer's organisation and open
// tickets, both sides write, "seen" follows reading, the agent ends it and turns it into a
// ticket; the customer has the transcript mailed.
func TestChatToTicket(t *testing.T) {
	t.Parallel()
	app, clk := newApp(t)
	c := app.SignIn(t, mari)
	id := start(t, c, "Hello, the export is broken")
	a := app.SignIn(t, andres)
	q := a.Get(t, "/queue/chats", http.StatusOK)
	row := q.Text("#waiting-" + itoa(id))
	if !strings.Contains(row, "Demo Customer OÜ") || !strings.Contains(row, "Hello, the export is broken") || !strings.Contains(row, "T-") {
		t.Errorf("waiting row: %q", row)
	}
	clk.add(40 * time.Second)
	a.Post(t, "/queue/chats/"+itoa(id)+"/accept", nil, http.StatusSeeOther)
	p := a.Get(t, chatPath(id), http.StatusOK)
	if p.Text("#chat-org") != "Demo Customer OÜ" || p.Doc.Find("#org-tickets a").Length() == 0 {
		t.Errorf("agent's view: org %q, tickets %q", p.Text("#chat-org"), p.Text("#org-tickets"))
	}
	a.Post(t, chatPath(id, "/messages"), url.Values{"body": {"Which browser do you use?"}}, http.StatusSeeOther)
	if got := a.Get(t, chatPath(id), http.StatusOK).Text(".chat-message.mine .receipt"); got != "Sent" {
		t.Errorf("receipt before the customer read it: %q", got)
	}
	p = c.Get(t, chatPath(id), http.StatusOK)
	if got := p.Text("#chat-state"); got != "Chatting with Andres Agent" {
		t.Errorf("customer's state %q", got)
	}
	if got := a.Get(t, chatPath(id), http.StatusOK).Text(".chat-message.mine .receipt"); got != "Seen" {
		t.Errorf("receipt after the customer read it: %q", got)
	}
	c.Post(t, chatPath(id, "/messages"), url.Values{"body": {"Firefox 140"}}, http.StatusSeeOther)
	// Another agent reads, but does not write.
	k := app.SignIn(t, kadri)
	if p := k.Get(t, chatPath(id), http.StatusOK); p.Doc.Find("#chat-form").Length() != 0 || !strings.Contains(p.Text("#chat-messages"), "Firefox 140") {
		t.Error("another agent cannot read the chat, or may write in it")
	}
	k.Post(t, chatPath(id, "/messages"), url.Values{"body": {"Me too"}}, http.StatusUnprocessableEntity)
	k.Post(t, chatPath(id, "/keep"), nil, http.StatusForbidden)

	clk.add(3 * time.Minute)
	a.Post(t, chatPath(id, "/end"), nil, http.StatusSeeOther)
	p = a.Post(t, chatPath(id, "/keep"), nil, http.StatusSeeOther)
	tp := a.Get(t, p.Location(), http.StatusOK)
	conv := tp.Text("#conversation")
	for _, w := range []string{"Hello, the export is broken", "Which browser do you use?", "Firefox 140"} {
		if !strings.Contains(conv, w) {
			t.Errorf("ticket lacks %q", w)
		}
	}
	var status, channel string
	var assignee int64
	if err := app.DB.QueryRow(`SELECT t.status, t.channel, t.assignee_id FROM tickets t JOIN chats c ON c.ticket_id = t.id WHERE c.id = $1`, id).
		Scan(&status, &channel, &assignee); err != nil {
		t.Fatal(err)
	}
	if status != "open" || channel != "chat" || assignee == 0 {
		t.Errorf("kept ticket: %s %s %d", status, channel, assignee)
	}
	// The customer reads where it is kept and asks for the transcript by mail.
	cp := c.Get(t, chatPath(id), http.StatusOK)
	if !strings.HasPrefix(cp.Text("#chat-ticket"), "T-") {
		t.Errorf("customer's chat does not name its ticket: %q", cp.Text("#chat-facts"))
	}
	c.Post(t, chatPath(id, "/mail"), nil, http.StatusSeeOther)
	var body string
	if err := app.DB.Get(&body, `SELECT body_text FROM mail_outbox WHERE kind = 'chat.transcript'`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Firefox 140") || !strings.Contains(body, "Which browser do you use?") {
		t.Errorf("mailed transcript: %q", body)
	}

	// The figures count the chat: answered after 40 seconds, within the 2-minute target.
	fig := a.Get(t, "/queue/chats", http.StatusOK).Text("#chat-figures tbody tr:first-child")
	if !strings.Contains(fig, "0:40") || !strings.Contains(fig, "100 %") {
		t.Errorf("today's figures %q", fig)
	}
}

// The agent adds a chat to an open ticket of the chat's organisation; a ticket of another
// organisation is refused.
func TestAttachToExistingTicket(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	id := start(t, app.SignIn(t, mari), "About my open ticket")
	a := app.SignIn(t, andres)
	a.Post(t, "/queue/chats/"+itoa(id)+"/accept", nil, http.StatusSeeOther)
	var other, own int64
	if err := app.DB.Get(&other, `SELECT t.id FROM tickets t JOIN organisations o ON o.id = t.org_id WHERE o.name = 'Second Customer AS' LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := app.DB.Get(&own, `SELECT t.id FROM tickets t JOIN organisations o ON o.id = t.org_id
		WHERE o.name = 'Demo Customer OÜ' AND t.status NOT IN ('closed') ORDER BY t.id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	p := a.Post(t, chatPath(id, "/attach"), url.Values{"ticket_id": {itoa(other)}}, http.StatusUnprocessableEntity)
	if p.FieldError("ticket_id") == "" {
		t.Error("no message beside the ticket")
	}
	before := count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, own)
	p = a.Post(t, chatPath(id, "/attach"), url.Values{"ticket_id": {itoa(own)}}, http.StatusSeeOther)
	if p.Location() != "/tickets/"+itoa(own) {
		t.Errorf("attach went to %q", p.Location())
	}
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND channel = 'chat'`, own); n != 1 || n+before != count(t, app.DB, `SELECT count(*) FROM ticket_messages WHERE ticket_id = $1`, own) {
		t.Errorf("%d chat messages added", n)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events WHERE action = 'ticket.chat' AND object_id = $1`, itoa(own)); n != 1 {
		t.Errorf("%d ticket.chat events", n)
	}
}

// Files go through the ticket attachments' checks; those that pass are kept with the
// transcript, and only the chat's readers download them.
func TestFilesAreChecked(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	c := app.SignIn(t, mari)
	id := start(t, c, "A screenshot follows")
	a := app.SignIn(t, andres)
	a.Post(t, "/queue/chats/"+itoa(id)+"/accept", nil, http.StatusSeeOther)
	html := []byte("<html><script>alert(1)</script></html>")
	p := c.PostFiles(t, chatPath(id, "/messages"), url.Values{"body": {"see"}}, []apptest.Upload{{Field: "files", Name: "notes.txt", Data: html}}, http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("files"), "not a kind of file Tugi accepts") {
		t.Errorf("HTML as text: %q", p.FieldError("files"))
	}
	big := append(append([]byte{}, png...), bytes.Repeat([]byte{0}, int(app.Config.AttachmentMaxSize))...)
	c.PostFiles(t, chatPath(id, "/messages"), url.Values{}, []apptest.Upload{{Field: "files", Name: "big.png", Data: big}}, http.StatusUnprocessableEntity)
	if n := count(t, app.DB, `SELECT count(*) FROM chat_messages WHERE chat_id = $1`, id); n != 1 {
		t.Errorf("refused files wrote %d messages", n-1)
	}
	c.PostFiles(t, chatPath(id, "/messages"), url.Values{}, []apptest.Upload{{Field: "files", Name: "screen.png", Data: png}}, http.StatusSeeOther)
	href, _ := a.Get(t, chatPath(id), http.StatusOK).Doc.Find(".chat-message .attachments a").Attr("href")
	if href == "" {
		t.Fatal("the agent sees no file")
	}
	if d := a.Get(t, href, http.StatusOK); !bytes.Equal([]byte(d.Body), png) || d.Header.Get("Content-Type") != "image/png" {
		t.Errorf("download: %q %q", d.Header.Get("Content-Type"), d.Body)
	}
	app.SignIn(t, jaan).Get(t, href, http.StatusNotFound)
	a.Post(t, chatPath(id, "/keep"), nil, http.StatusSeeOther)
	if n := count(t, app.DB, `SELECT count(*) FROM ticket_attachments ta JOIN chats c ON c.ticket_id = ta.ticket_id WHERE c.id = $1 AND ta.filename = 'screen.png'`, id); n != 1 {
		t.Errorf("%d attachments kept with the ticket", n)
	}
}

var png = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), bytes.Repeat([]byte{0}, 64)...)

// Only the two parties and the agents read a chat: its page and its stream, for every
// role; another customer, of either organisation, gets 404 for its id.
func TestOnlyThePartiesAndAgentsReadAChat(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	id := start(t, app.SignIn(t, mari), "Private question")
	var colleague string
	if _, err := app.DB.Exec(`INSERT INTO users (email, name, roles, org_id, password_hash)
		SELECT 'colleague@demo-customer.example', 'Colleague', '{customer}', org_id, password_hash FROM users WHERE email = $1`, mari); err != nil {
		t.Fatal(err)
	}
	colleague = "colleague@demo-customer.example"
	for _, tt := range []struct {
		who  string
		want int
	}{
		{mari, http.StatusOK}, {andres, http.StatusOK}, {kadri, http.StatusOK},
		{jaan, http.StatusNotFound}, {colleague, http.StatusNotFound},
		{eva, http.StatusForbidden}, {sirje, http.StatusForbidden}, {toomas, http.StatusForbidden},
	} {
		c := app.SignIn(t, tt.who)
		for _, path := range []string{chatPath(id), chatPath(id, "/messages"), chatPath(id, "/status")} {
			c.Get(t, path, tt.want)
		}
		// The agents' stream of waiting chats is for agents alone.
		queueStream := http.StatusForbidden
		if tt.who == andres || tt.who == kadri {
			queueStream = http.StatusOK
		}
		if queueStream == http.StatusOK {
			c.Open(t, "/queue/chats/live", http.StatusOK).Close()
		} else {
			c.Open(t, "/queue/chats/live", queueStream)
		}
		if tt.want == http.StatusOK {
			openChat(t, c, id).Close()
			openChat(t, c, id, "Last-Event-ID", "0").Close()
			continue
		}
		// Refused as it opens, a reconnect (Last-Event-ID: its replay) as much as a first
		// connection.
		c.Open(t, chatPath(id, "/live"), tt.want)
		c.Open(t, chatPath(id, "/live"), tt.want, "Last-Event-ID", "0")
		c.Post(t, chatPath(id, "/messages"), url.Values{"body": {"intruder"}}, tt.want)
	}
	// Another organisation's chat, by its id, is as unknown to mari as a chat that is not.
	theirs := start(t, app.SignIn(t, jaan), "Their question")
	for _, other := range []int64{theirs, theirs + 1000} {
		m := app.SignIn(t, mari)
		m.Get(t, chatPath(other), http.StatusNotFound)
		m.Open(t, chatPath(other, "/live"), http.StatusNotFound)
		m.Open(t, chatPath(other, "/live"), http.StatusNotFound, "Last-Event-ID", "0")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM chat_messages WHERE body = 'intruder'`); n != 0 {
		t.Error("an outsider wrote in the chat")
	}

	// Each event is checked again: an event on the chat's topic that tells of another
	// organisation never reaches the chat's customer.
	s := openChat(t, app.SignIn(t, mari), id)
	var otherOrg int64
	if err := app.DB.Get(&otherOrg, `SELECT id FROM organisations WHERE name = 'Second Customer AS'`); err != nil {
		t.Fatal(err)
	}
	if err := live.Publish(context.Background(), app.DB, live.Event{Topic: "chat:" + itoa(id), Kind: "chat.message", Org: otherOrg,
		Data: map[string]any{"chat": id}}); err != nil {
		t.Fatal(err)
	}
	if e := next(s, "message", time.Second); e != "" {
		t.Errorf("the customer received another organisation's event: %q", e)
	}
	// The queue's stream is for agents only.
	app.SignIn(t, mari).Get(t, "/queue/chats/live", http.StatusForbidden)
}

// Messages cross between two tugi serve processes on one database, within a second, with
// "typing" and "seen" on the way.
func TestMessagesCrossProcesses(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	other := app.Beside(t)
	cust := app.SignIn(t, mari)
	id := start(t, cust, "Is anyone there?")
	ag := app.SignIn(t, andres).On(other)
	custStream := openChat(t, cust, id)
	agStream := openChat(t, ag, id)

	ag.Post(t, "/queue/chats/"+itoa(id)+"/accept", nil, http.StatusSeeOther)
	if e := next(custStream, "state", time.Second); e == "" {
		t.Fatal("the customer was not told the chat was accepted")
	}
	ag.Get(t, chatPath(id, "/typing"), http.StatusNoContent)
	if e := next(custStream, "typing", time.Second); !strings.Contains(e, "typing…") {
		t.Errorf("typing: %q", e)
	}
	sent := time.Now()
	ag.Post(t, chatPath(id, "/messages"), url.Values{"body": {"Yes, Andres here."}}, http.StatusSeeOther)
	if e := next(custStream, "message", time.Second); e == "" {
		t.Fatal("the agent's message did not reach the customer's stream within a second")
	}
	if d := time.Since(sent); d > time.Second {
		t.Errorf("delivered after %v", d)
	}
	if got := cust.Get(t, chatPath(id, "/messages"), http.StatusOK, "HX-Request", "true").Text(".chat-message:last-child .body"); got != "Yes, Andres here." {
		t.Errorf("customer reads %q", got)
	}
	// Reading them told the agent's process (seen), and the customer's reply crosses back.
	if e := next(agStream, "message", time.Second); e == "" {
		t.Error("the agent was not told the customer saw the message")
	}
	cust.Post(t, chatPath(id, "/messages"), url.Values{"body": {"Great, thanks."}}, http.StatusSeeOther)
	if e := next(agStream, "message", time.Second); e == "" {
		t.Fatal("the customer's message did not reach the agent's stream")
	}
	if got := ag.Get(t, chatPath(id), http.StatusOK).Text(".chat-message:last-child .body"); got != "Great, thanks." {
		t.Errorf("agent reads %q", got)
	}
}

// A message left as a ticket twice (a double click, the back button) is one ticket.
func TestLeavingAMessageTwiceIsOnce(t *testing.T) {
	t.Parallel()
	clk := closedClock()
	app := apptest.NewWith(t, apptest.Options{Now: clk.Now})
	c := app.SignIn(t, mari)
	to := c.SendTwice(t, "/chat", "#leave-form", "/chat/ticket", url.Values{"body": {"Please call me back about the contract."}})
	if !strings.HasPrefix(to, "/tickets/") {
		t.Errorf("sent to %q", to)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM tickets WHERE channel = 'chat'`); n != 1 {
		t.Errorf("%d tickets from one message", n)
	}
}

// A chat's stream that opens again after the customer's connection dropped brings the
// page up to date as a whole: the page reads the state again (the agent who accepted it,
// that it ended, and the message form goes), the messages (the agent's, and what the
// agent has seen of the customer's), and "typing…" is cleared.
func TestChatStreamSnapshotAfterReconnect(t *testing.T) {
	t.Parallel()
	app, _ := newApp(t)
	cust, ag := app.SignIn(t, mari), app.SignIn(t, andres)
	id := start(t, cust, "Hello?")
	first := openChat(t, cust, id)
	ag.Post(t, "/queue/chats/"+itoa(id)+"/accept", nil, http.StatusSeeOther)
	accepted := first.NextNamed(t, "state")
	first.Close()

	// While the customer's page is not connected: the agent types, reads the customer's
	// message, answers and ends the chat.
	ag.Get(t, chatPath(id, "/typing"), http.StatusNoContent)
	if got := ag.Get(t, chatPath(id), http.StatusOK).Text(".chat-message:last-child .body"); got != "Hello?" {
		t.Fatalf("the agent reads %q", got)
	}
	ag.Post(t, chatPath(id, "/messages"), url.Values{"body": {"Andres here. Solved, I think."}}, http.StatusSeeOther)
	ag.Post(t, chatPath(id, "/end"), nil, http.StatusSeeOther)

	again := openChat(t, cust, id, "Last-Event-ID", accepted.ID)
	again.Close()
	status := cust.Get(t, chatPath(id, "/status"), http.StatusOK, "HX-Request", "true")
	if s := status.Text("#chat-state"); s != "Chat ended" {
		t.Errorf("the state reads %q, want Chat ended", s)
	}
	if status.Doc.Find(`#chat-compose[hx-swap-oob="delete"]`).Length() != 1 {
		t.Error("the ended chat's state does not take the message form away")
	}
	msgs := cust.Get(t, chatPath(id, "/messages"), http.StatusOK, "HX-Request", "true")
	if s := msgs.Text(".chat-message:last-child .body"); s != "Andres here. Solved, I think." {
		t.Errorf("the last message reads %q", s)
	}
	if s := msgs.Text(".chat-message.mine .receipt"); s != "Seen" {
		t.Errorf("the customer's message is marked %q, want Seen (the agent read it)", s)
	}
	// Before it ended, the page's full state named the agent.
	if s := cust.Get(t, chatPath(id), http.StatusOK).Text("#chat-facts"); !strings.Contains(s, "Andres") {
		t.Errorf("the chat's facts do not name the agent: %q", s)
	}
}

// The wait a customer is told is honest: nothing while fewer than three chats were
// answered in the last seven days; then the median wait of those, for each chat ahead
// and theirs.
func TestWaitEstimateIsHonest(t *testing.T) {
	t.Parallel()
	app, clk := newApp(t)
	a := app.SignIn(t, andres)
	for i, wait := range []time.Duration{40 * time.Second, 80 * time.Second, 60 * time.Second} {
		c := app.SignIn(t, mari)
		id := start(t, c, "Question "+itoa(int64(i)))
		if p := c.Get(t, chatPath(id), http.StatusOK); p.Doc.Find("#chat-estimate").Length() != 0 {
			t.Errorf("with %d chats answered, an estimate: %q", i, p.Text("#chat-estimate"))
		}
		clk.add(wait)
		a.Post(t, "/queue/chats/"+itoa(id)+"/accept", nil, http.StatusSeeOther)
		a.Post(t, chatPath(id, "/end"), nil, http.StatusSeeOther)
	}
	first := start(t, app.SignIn(t, jaan), "First in the queue")
	if got := app.SignIn(t, jaan).Get(t, chatPath(first), http.StatusOK).Text("#chat-estimate"); got != "Expected wait: about 1 minute, from the waits of the last seven days." {
		t.Errorf("first in the queue is told %q", got)
	}
	second := start(t, app.SignIn(t, mari), "Second in the queue")
	p := app.SignIn(t, mari).Get(t, chatPath(second), http.StatusOK)
	if got := p.Text("#chat-place"); got != "You are number 2 in the queue." {
		t.Errorf("place: %q", got)
	}
	if got := p.Text("#chat-estimate"); got != "Expected wait: about 2 minutes, from the waits of the last seven days." {
		t.Errorf("second in the queue is told %q", got)
	}
}
