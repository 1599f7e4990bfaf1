package ticket_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
)

// TestOneComposer: the agent's ticket page has one composer, whose switch makes what is
// written a public reply, an internal note or a phone call, with one attachments field
// and the canned replies beside it; the other ways of writing are gone.
func TestOneComposer(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "One composer")
	a := app.SignIn(t, andres)
	a.Post(t, "/queue/canned", url.Values{"title": {"Hello"}, "body": {"Hello there."}}, http.StatusSeeOther)
	page := a.Get(t, path(id, ""), http.StatusOK)
	if n := page.Doc.Find("#compose-form textarea").Length(); n != 1 {
		t.Errorf("the composer has %d text areas, want one", n)
	}
	if n := page.Doc.Find(`main form[action$="/reply"], main form[action$="/note"], main form[action$="/call"]`).Length(); n != 0 {
		t.Errorf("the page still has %d separate reply, note or call forms", n)
	}
	if n := page.Doc.Find("main input[type=file]").Length(); n != 1 {
		t.Errorf("the page has %d file fields, want the composer's one", n)
	}
	var kinds []string
	page.Doc.Find("#compose-form input[name=kind]").Each(func(_ int, s *goquery.Selection) { kinds = append(kinds, s.AttrOr("value", "")) })
	if strings.Join(kinds, ",") != "reply,note,call" || !page.Doc.Find("#kind-reply").Is("[checked]") {
		t.Errorf("the composer's switch: %v (reply checked: %v)", kinds, page.Doc.Find("#kind-reply").Is("[checked]"))
	}
	if page.Doc.Find("#compose-form #canned_id option").Length() != 1 {
		t.Error("the canned replies are not in the composer")
	}
	// The history is folded away, and so are the links.
	if !page.Doc.Find("details#history").Is("details") || page.Doc.Find("details#history").Is("[open]") || !page.Doc.Find("details#links").Is("details") {
		t.Error("the history and the links are not folded away")
	}

	// A note with a file, a call and a reply, each from the one form.
	send := func(kind, body, then string, files ...apptest.Upload) {
		t.Helper()
		f := a.Get(t, path(id, ""), http.StatusOK).FormValues("#compose-form")
		f.Set("kind", kind)
		f.Set("body", body)
		f.Del("then")
		if then != "" {
			f.Set("then", then)
		}
		a.PostFiles(t, path(id, "/compose"), f, files, http.StatusSeeOther)
	}
	send("note", "Checked the printer queue.", "", apptest.Upload{Field: "files", Name: "queue.txt", Data: []byte("3 jobs stuck")})
	send("call", "Called Mari: she restarts it.", "open")
	send("reply", "Did the restart help?", "wait")
	var got []string
	if err := app.DB.Select(&got, `SELECT concat_ws(' ', CASE WHEN internal THEN 'note' ELSE 'public' END, channel,
			(SELECT count(*) FROM ticket_attachments a WHERE a.message_id = m.id))
		FROM ticket_messages m WHERE ticket_id = $1 AND author_id = $2 ORDER BY id`, id, userID(t, app.DB, andres)); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "; ") != "note web 1; public phone 0; public web 0" {
		t.Errorf("the composer made %q", strings.Join(got, "; "))
	}
	if n := count(t, app.DB, `SELECT count(*) FROM tickets WHERE id = $1 AND status = 'waiting'`, id); n != 1 {
		t.Error("the reply with 'wait' did not leave the ticket waiting for the customer")
	}

	// A mistake comes back beside the text, with the kind kept; nothing is written.
	before := take(t, app.DB)
	p := a.Post(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {" "}}, http.StatusUnprocessableEntity)
	if p.FieldError("body") == "" || !p.Doc.Find("#kind-note").Is("[checked]") {
		t.Errorf("an empty note: %q, note still chosen: %v", p.FieldError("body"), p.Doc.Find("#kind-note").Is("[checked]"))
	}
	a.Post(t, path(id, "/compose"), url.Values{"kind": {"memo"}, "body": {"x"}}, http.StatusUnprocessableEntity)
	before.unchanged(t, app.DB, "refused composer posts")
	// Customers cannot use it, not even on their own ticket.
	app.SignIn(t, mari).Post(t, path(id, "/compose"), url.Values{"kind": {"reply"}, "body": {"x"}}, http.StatusForbidden)

	// A closed ticket takes only internal notes.
	a.Post(t, path(id, "/fields"), url.Values{"status": {"closed"}}, http.StatusSeeOther)
	closed := a.Get(t, path(id, ""), http.StatusOK)
	if n := closed.Doc.Find("#compose-form input[name=kind]").Length(); n != 1 || !closed.Doc.Find("#kind-note").Is("[checked]") {
		t.Errorf("a closed ticket's composer offers %d kinds", n)
	}
	if p := a.Post(t, path(id, "/compose"), url.Values{"kind": {"reply"}, "body": {"Late"}}, http.StatusUnprocessableEntity); !strings.Contains(p.FieldError("body"), "closed") {
		t.Errorf("a reply on a closed ticket: %q", p.FieldError("body"))
	}
	send("note", "Closed after the call.", "")
}

// TestFieldsSaveOneWay: each field saves as it changes (htmx); its plain Save button is
// for browsers without JavaScript only, and says so with the nojs class that the
// stylesheet hides when tugi.js runs.
func TestFieldsSaveOneWay(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Fields")
	page := app.SignIn(t, andres).Get(t, path(id, ""), http.StatusOK)
	page.Doc.Find("#ticket-panel form.field-form").Each(func(_ int, f *goquery.Selection) {
		if trig := f.AttrOr("hx-trigger", ""); !strings.Contains(trig, "change") {
			t.Errorf("%s does not save on change: hx-trigger %q", f.AttrOr("id", ""), trig)
		}
		if b := f.Find("button[type=submit]"); b.Length() != 1 || !b.HasClass("nojs") {
			t.Errorf("%s: its Save button is not for no-JavaScript only", f.AttrOr("id", ""))
		}
	})
}

// TestRequesterPanel: beside the ticket, the agent sees who asked, their organisation,
// their other open tickets and their recently resolved ones, and no one else's.
func TestRequesterPanel(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	id := open(t, app, c, "The one we look at")
	other := open(t, app, c, "Another open one")
	done := open(t, app, c, "Already solved")
	open(t, app, app.SignIn(t, jaan), "Jaan's ticket")
	a := app.SignIn(t, andres)
	a.Post(t, path(done, "/fields"), url.Values{"status": {"solved"}}, http.StatusSeeOther)
	page := a.Get(t, path(id, ""), http.StatusOK)
	panel := page.Text("#requester")
	for _, want := range []string{"Mari Maasikas", "customer@demo-customer.example", "Demo Customer OÜ"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the requester panel lacks %q: %s", want, panel)
		}
	}
	if s := page.Text("#requester-open"); !strings.Contains(s, "Another open one") || strings.Contains(s, "The one we look at") || strings.Contains(s, "Already solved") {
		t.Errorf("their other open tickets: %q", s)
	}
	if s := page.Text("#requester-recent"); !strings.Contains(s, "Already solved") {
		t.Errorf("their recently resolved: %q", s)
	}
	if strings.Contains(panel, "Jaan's ticket") {
		t.Error("the requester panel lists another person's ticket")
	}
	href, _ := page.Doc.Find("#requester-open a").Attr("href")
	if href != path(other, "") {
		t.Errorf("the open ticket links to %q", href)
	}
}
