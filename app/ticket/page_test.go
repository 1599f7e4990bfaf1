package ticket_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"tugi/app/apptest"
	"tugi/app/ticket"
	"tugi/app/user"
)

// The ticket page reads its ticket and conversation in one query that scans by column
// position: the ticket it reads must be the one Get reads, field by field, and the
// messages and files those the reader may see.
func TestPageWithConversation(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	ctx := context.Background()
	c := app.SignIn(t, mari)
	id := open(t, app, c, "One read")
	a := app.SignIn(t, andres)
	a.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"Only for us"}}, http.StatusSeeOther)
	a.PostFiles(t, path(id, "/reply"), url.Values{"body": {"The log, attached."}, "then": {"wait"}},
		[]apptest.Upload{file("spooler.log", logData)}, http.StatusSeeOther)
	scope := func(email string) ticket.Scope {
		u, err := user.NewStore(app.DB).ByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return ticket.ScopeOf(u.Viewer())
	}
	st := ticket.NewStore(app.DB)

	for _, r := range []struct {
		who      string
		bodies   []string
		internal []bool
	}{
		{andres, []string{"The details of One read", "Only for us", "The log, attached."}, []bool{false, true, false}},
		{mari, []string{"The details of One read", "The log, attached."}, []bool{false, false}},
	} {
		page, err := st.PageWithConversation(ctx, scope(r.who), id)
		if err != nil {
			t.Fatalf("%s: %v", r.who, err)
		}
		want, err := st.Get(ctx, scope(r.who), id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(page.Ticket, want) {
			t.Errorf("%s: the page's ticket\n%+v\nis not Get's\n%+v", r.who, page.Ticket, want)
		}
		var bodies []string
		var internal []bool
		for _, m := range page.Messages {
			bodies, internal = append(bodies, m.Body), append(internal, m.Internal)
			if m.TicketID != id || m.Author == nil {
				t.Errorf("%s: message %d of ticket %d by %v", r.who, m.ID, m.TicketID, m.Author)
			}
		}
		if !reflect.DeepEqual(bodies, r.bodies) || !reflect.DeepEqual(internal, r.internal) {
			t.Errorf("%s sees messages %q (internal %v), want %q (%v)", r.who, bodies, internal, r.bodies, r.internal)
		}
		last := page.Messages[len(page.Messages)-1]
		if files := page.Attachments[last.ID]; len(files) != 1 || files[0].Filename != "spooler.log" || !last.ByStaff {
			t.Errorf("%s: the agent's reply (by staff: %v) has files %+v, want spooler.log", r.who, last.ByStaff, files)
		}
		if len(page.Attachments) != 1 {
			t.Errorf("%s: files on %d messages, want 1", r.who, len(page.Attachments))
		}
		if _, ok := page.Clocks[ticket.FirstResponse]; !ok {
			t.Errorf("%s: no first-response clock: %+v", r.who, page.Clocks)
		}
	}

	if _, err := st.PageWithConversation(ctx, scope(jaan), id); !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("another organisation's customer reads the page: %v, want ErrNotFound", err)
	}
}
