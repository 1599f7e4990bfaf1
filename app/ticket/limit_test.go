package ticket_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// TestLongDescriptionIsRefusedNotCut: the browser does not cut a long text at the limit;
// the page says the limit, and the server refuses a text over it with the message beside
// the field and the whole text given back, creating nothing.
func TestLongDescriptionIsRefusedNotCut(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, mari)
	form := c.Get(t, "/tickets/new", http.StatusOK)
	limitShown(t, form, "#new-ticket", "body")

	// The limit counts characters, not bytes: 20,000 "õ" are 40,000 bytes and fit.
	good := url.Values{"subject": {"Long log"}, "body": {strings.Repeat("õ", 20000)},
		"category_id": {strconv.FormatInt(categoryID(t, app.DB, "Question"), 10)}, "impact": {"one_person"}}
	if p := c.Post(t, "/tickets", good, http.StatusSeeOther); ticketPath.FindStringSubmatch(p.Location()) == nil {
		t.Fatalf("20,000 characters: went to %q", p.Location())
	}

	long := strings.Repeat("Line of the log. ", 1470) + "End of log" // 25,000 characters
	tooLong := url.Values{"subject": {"Long log"}, "body": {long}, "category_id": good["category_id"], "impact": {"one_person"}}
	before := take(t, app.DB)
	p := c.Post(t, "/tickets", tooLong, http.StatusUnprocessableEntity)
	if got := p.FieldError("body"); got != "Use at most 20000 characters." {
		t.Errorf("beside the description: %q", got)
	}
	if got := p.Doc.Find("textarea#body").Text(); got != long {
		t.Errorf("the description came back with %d characters, want all %d", len([]rune(got)), len([]rune(long)))
	}
	limitShown(t, p, "#new-ticket", "body")
	before.unchanged(t, app.DB, "a description over the limit")

	// A line break comes as CR LF and counts as two, as limit.js counts it: 19,999 letters
	// and one line break are over.
	tooLong.Set("body", strings.Repeat("a", 10000)+"\r\n"+strings.Repeat("b", 9999))
	if p := c.Post(t, "/tickets", tooLong, http.StatusUnprocessableEntity); p.FieldError("body") == "" {
		t.Errorf("19,999 letters and a line break: no message beside the description")
	}
	before.unchanged(t, app.DB, "a description over the limit by its line break")
}

// TestEveryLongTextShowsItsLimit: no text area of the agent's pages is cut by the browser,
// and each says its limit.
func TestEveryLongTextShowsItsLimit(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	id := open(t, app, app.SignIn(t, mari), "Printer")
	a := app.SignIn(t, andres)
	ticket := a.Get(t, fmt.Sprintf("/tickets/%d", id), http.StatusOK)
	limitShown(t, ticket, "#compose-form", "body")
	limitShown(t, a.Get(t, "/queue/phone", http.StatusOK), "main", "body")
	limitShown(t, a.Get(t, "/queue/canned", http.StatusOK), "main", "body")

	customer := app.SignIn(t, mari).Get(t, fmt.Sprintf("/tickets/%d", id), http.StatusOK)
	limitShown(t, customer, "#reply-form", "body")
}

// limitShown checks the text area name inside sel has no maxlength and names, as its
// description, a hint that says the limit.
func limitShown(t *testing.T, p *apptest.Page, sel, name string) {
	t.Helper()
	ta := p.Doc.Find(sel + " textarea#" + name)
	if ta.Length() != 1 {
		t.Fatalf("no textarea#%s in %s", name, sel)
	}
	if v, ok := ta.Attr("maxlength"); ok {
		t.Errorf("textarea#%s has maxlength=%s: the browser cuts the text silently", name, v)
	}
	if v, _ := ta.Attr("data-limit"); v != "20000" {
		t.Errorf("textarea#%s data-limit %q, want 20000 for the counter", name, v)
	}
	described, _ := ta.Attr("aria-describedby")
	found := false
	for _, id := range strings.Fields(described) {
		hint := p.Doc.Find("#" + id)
		if hint.Length() == 1 && strings.Contains(hint.Text(), "At most 20,000 characters.") {
			found = hint.Is("p.hint") || found
		}
	}
	if !found {
		t.Errorf("textarea#%s (described by %q) has no hint saying its limit", name, described)
	}
}
