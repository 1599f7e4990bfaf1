package ticket_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
)

// openWith creates a ticket as the customer c with the given first message.
func openWith(t testing.TB, app *apptest.App, c *apptest.Client, subject, body string) int64 {
	t.Helper()
	p := c.Post(t, "/tickets", url.Values{
		"subject":     {subject},
		"body":        {body},
		"category_id": {strconv.FormatInt(categoryID(t, app.DB, "Question"), 10)},
		"impact":      {"one_person"},
	}, http.StatusSeeOther)
	m := ticketPath.FindStringSubmatch(p.Location())
	if m == nil {
		t.Fatalf("open %q: went to %q; page says %s", subject, p.Location(), p.Text("main"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// search runs a search as c and returns the page, failing unless it is a 200.
func search(t testing.TB, c *apptest.Client, q string) *apptest.Page {
	t.Helper()
	p := c.Get(t, "/tickets/search?"+url.Values{"q": {q}}.Encode(), http.StatusOK)
	return p
}

// found returns the ids of the tickets a search page lists, in order.
func found(p *apptest.Page) []int64 {
	var ids []int64
	p.Doc.Find("#search-results tbody tr[data-ticket]").Each(func(_ int, s *goquery.Selection) {
		id, _ := strconv.ParseInt(s.AttrOr("data-ticket", ""), 10, 64)
		ids = append(ids, id)
	})
	return ids
}

func TestSearchKeepsCustomersToTheirOrganisationAndWithoutNotes(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m, j, a := app.SignIn(t, mari), app.SignIn(t, jaan), app.SignIn(t, andres)
	mine := openWith(t, app, m, "Invoices do not print", "The printer says zanzibarite when we print invoices.")
	theirs := openWith(t, app, j, "Exports fail", "Our export stops with zanzibarite as well.")
	a.Post(t, path(mine, "/compose"), url.Values{"kind": {"note"}, "body": {"Looks like the quokkafix bug again."}}, http.StatusSeeOther)

	// Mari finds her organisation's ticket by a word of its message, not Second Customer's.
	p := search(t, m, "zanzibarite")
	if got := found(p); !slices.Equal(got, []int64{mine}) {
		t.Errorf("Mari's search for a word in both organisations' messages found %v, want only her ticket %d", got, mine)
	}
	if p.Doc.Find("#search-results th").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Text()) == "Organisation"
	}).Length() != 0 {
		t.Error("a customer's results show the organisation column")
	}
	if got := found(search(t, j, "zanzibarite")); !slices.Equal(got, []int64{theirs}) {
		t.Errorf("Jaan found %v, want only his ticket %d", got, theirs)
	}
	// A word only in an internal note: never for the customer, even on their own ticket.
	p = search(t, m, "quokkafix")
	if got := found(p); len(got) != 0 {
		t.Errorf("Mari's search for a word only in an internal note found %v", got)
	}
	if strings.Contains(p.Body, "quokkafix bug") {
		t.Error("the note's text reached the customer's page")
	}

	// The agent finds across organisations, and in notes, with the organisation named.
	p = search(t, a, "zanzibarite")
	if got := found(p); !slices.Equal(slicesSorted(got), slicesSorted([]int64{mine, theirs})) {
		t.Errorf("the agent found %v, want %d and %d", got, mine, theirs)
	}
	if row := p.Doc.Find(fmt.Sprintf(`tr[data-ticket="%d"]`, theirs)); !strings.Contains(row.Text(), "Second Customer AS") {
		t.Errorf("the agent's row does not name the organisation: %q", row.Text())
	}
	p = search(t, a, "quokkafix")
	row := p.Doc.Find(fmt.Sprintf(`tr[data-ticket="%d"]`, mine))
	if got := found(p); !slices.Equal(got, []int64{mine}) || !strings.Contains(row.Find(".snippet").Text(), "Internal note") {
		t.Errorf("the agent's search in notes found %v, snippet %q", got, row.Find(".snippet").Text())
	}
	// The CISO too.
	if got := found(search(t, app.SignIn(t, sirje), "quokkafix")); !slices.Equal(got, []int64{mine}) {
		t.Errorf("the CISO found %v", got)
	}
}

func slicesSorted(s []int64) []int64 {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSearchBySubject(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m := app.SignIn(t, mari)
	id := openWith(t, app, m, "Arved ei jõua raamatupidajani", "Saatsime eile kolm tükki.")
	p := search(t, m, "raamatupidajani")
	if got := found(p); !slices.Equal(got, []int64{id}) {
		t.Fatalf("search by a word of the subject found %v, want %d", got, id)
	}
	if mark := p.Doc.Find(".snippet mark").Text(); mark != "raamatupidajani" {
		t.Errorf("the snippet marks %q, want the subject's word", mark)
	}
	// Case does not matter; Estonian letters are kept.
	if got := found(search(t, m, "ARVED jõua")); !slices.Equal(got, []int64{id}) {
		t.Errorf("upper case and õ: found %v", got)
	}
}

func TestSearchHighlightEscapesHTML(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m := app.SignIn(t, mari)
	id := openWith(t, app, m, "Odd characters", `Pasting <script>alert("x")</script> into the kolibrium field & <b>saving</b> breaks it.`)
	p := search(t, m, "kolibrium")
	if got := found(p); !slices.Equal(got, []int64{id}) {
		t.Fatalf("found %v, want %d", got, id)
	}
	snippet := p.Doc.Find(fmt.Sprintf(`tr[data-ticket="%d"] .snippet`, id))
	if n := snippet.Find("script, b").Length(); n != 0 {
		t.Errorf("the message's markup became %d elements of the page: %s", n, p.Body)
	}
	if marks := snippet.Find("mark"); marks.Length() != 1 || marks.Text() != "kolibrium" {
		t.Errorf("marks: %d, %q; want one around kolibrium", marks.Length(), marks.Text())
	}
	if !strings.Contains(p.Body, "&lt;script&gt;") || !strings.Contains(p.Body, "<mark>kolibrium</mark>") {
		t.Errorf("the snippet is not the escaped text with the word marked: %s", snippet.Nodes[0].Data)
	}
	if !strings.Contains(snippet.Text(), `<script>alert("x")</script>`) {
		t.Errorf("the snippet does not read as the message was written: %q", snippet.Text())
	}

	// A message cannot forge a marker: the private-use characters are taken out.
	openWith(t, app, m, "Forged", "tucanoid \ue000forged\ue001 text")
	p = search(t, m, "tucanoid")
	if marks := p.Doc.Find(".snippet mark"); marks.Text() != "tucanoid" {
		t.Errorf("marks %q, want only the searched word", marks.Text())
	}
}

func TestSearchWebSyntax(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m := app.SignIn(t, mari)
	blue := openWith(t, app, m, "Printer one", "The blue plotterix jams on every page.")
	red := openWith(t, app, m, "Printer two", "The red plotterix is fine, but blue paper jams.")
	scanner := openWith(t, app, m, "Scanner", "The scannerix is slow.")
	for _, tc := range []struct {
		q    string
		want []int64
	}{
		{"plotterix", []int64{blue, red}},
		{`"blue plotterix"`, []int64{blue}},
		{"plotterix -red", []int64{blue}},
		{"plotterix red", []int64{red}},
		{"scannerix OR red", []int64{red, scanner}},
		{"scannerix plotterix", nil},
		{`"unbalanced quote plotterix`, nil}, // no error: websearch_to_tsquery never fails
		{"!!! ???", nil},
	} {
		if got := found(search(t, m, tc.q)); !slices.Equal(slicesSorted(got), slicesSorted(tc.want)) {
			t.Errorf("search %q found %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestSearchNeedsAWord(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, andres)
	for q, want := range map[string]string{
		"":                       "Type a word or two to search for.",
		"   ":                    "Type a word or two to search for.",
		"x":                      "Type at least 2 characters.",
		strings.Repeat("a", 201): "Type at most 200 characters.",
	} {
		p := search(t, a, q)
		if got := p.Text("#search-problem"); got != want {
			t.Errorf("search %q says %q, want %q", q, got, want)
		}
		if p.Doc.Find("#search-results").Length() != 0 {
			t.Errorf("search %q shows results", q)
		}
	}
	// Estonian too.
	a.Post(t, "/account/language", url.Values{"language": {"et"}}, http.StatusSeeOther)
	if got := search(t, a, "").Text("#search-problem"); got != "Sisestage otsimiseks sõna või kaks." {
		t.Errorf("in Estonian: %q", got)
	}
}

func TestSearchPages(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m := app.SignIn(t, mari)
	var ids []int64
	for i := range 27 {
		ids = append(ids, openWith(t, app, m, fmt.Sprintf("Paging %d", i), "Every one mentions the wombatron."))
	}
	p := search(t, m, "wombatron")
	first := found(p)
	next, ok := p.Doc.Find("#next-page").Attr("href")
	if len(first) != 25 || !ok {
		t.Fatalf("first page: %d rows, next link %v", len(first), ok)
	}
	if first[0] != ids[26] {
		t.Errorf("the first row is %d, want the latest ticket %d", first[0], ids[26])
	}
	p = m.Get(t, next, http.StatusOK)
	second := found(p)
	if len(second) != 2 || p.Doc.Find("#next-page").Length() != 0 {
		t.Fatalf("second page: %v, next link %d", second, p.Doc.Find("#next-page").Length())
	}
	all := slicesSorted(append(first, second...))
	if !slices.Equal(all, ids) {
		t.Errorf("the two pages hold %v, want every ticket once: %v", all, ids)
	}
}

func TestSearchIsForTicketPeopleOnly(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, email := range []string{eva, toomas} {
		c := app.SignIn(t, email)
		c.Get(t, "/tickets/search?q=invoice", http.StatusForbidden)
	}
	for email, from := range map[string]string{mari: "/tickets", andres: "/queue"} {
		c := app.SignIn(t, email)
		if c.Get(t, from, http.StatusOK).Doc.Find(`form#ticket-search[action="/tickets/search"] input[name=q]`).Length() != 1 {
			t.Errorf("%s has no search box on %s", email, from)
		}
		c.Get(t, "/tickets/search?q=invoice", http.StatusOK)
	}
	// Anonymous: to the sign-in page.
	app.Client(t).Get(t, "/tickets/search?q=x", http.StatusSeeOther)
}

func TestSearchSaysWhenManyMatch(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m := app.SignIn(t, mari)
	id := openWith(t, app, m, "Many messages", "The first mentions capybarix.")
	if p := search(t, m, "capybarix"); p.Doc.Find("#search-capped").Length() != 0 {
		t.Error("one match, and the page says many match")
	}
	// More messages with the word than a search considers (set up directly in SQL).
	_, err := app.DB.Exec(`INSERT INTO ticket_messages (ticket_id, org_id, author_id, channel, body, created_at)
		SELECT t.id, t.org_id, t.requester_id, 'web', 'Again capybarix ' || g, now() FROM tickets t, generate_series(1, 500) g WHERE t.id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	p := search(t, m, "capybarix")
	if got := found(p); !slices.Equal(got, []int64{id}) || p.Doc.Find("#search-capped").Length() != 1 {
		t.Errorf("501 matching messages: found %v, capped notice %d", got, p.Doc.Find("#search-capped").Length())
	}
}

// Results come newest match first: a ticket whose newest mention of the words is the
// latest leads, whatever else happened on the others since; the date shown is the
// mention's.
func TestSearchNewestMatchFirst(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, tallinn)}
	tick := func() { clock.set(clock.Now().Add(time.Minute)) }
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	m := app.SignIn(t, mari)
	older := openWith(t, app, m, "First", "The okapix report is empty.")
	tick()
	newer := openWith(t, app, m, "Second", "The okapix export is empty too.")
	tick()
	if got := found(search(t, m, "okapix")); !slices.Equal(got, []int64{newer, older}) {
		t.Fatalf("found %v, want the newer ticket first", got)
	}
	// The older ticket mentions it again; the newer one gets a message without it.
	m.Post(t, path(older, "/reply"), url.Values{"body": {"Still no okapix rows today."}}, http.StatusSeeOther)
	tick()
	m.Post(t, path(newer, "/reply"), url.Values{"body": {"Any news?"}}, http.StatusSeeOther)
	p := search(t, m, "okapix")
	if got := found(p); !slices.Equal(got, []int64{older, newer}) {
		t.Errorf("after the second mention found %v, want %d (mentioned last) first", got, older)
	}
	row := fmt.Sprintf(`tr[data-ticket="%d"]`, older)
	if got := p.Text(row + " .snippet"); got != "Still no okapix rows today." {
		t.Errorf("the snippet is %q, want the newest mention", got)
	}
	if got := p.Text(row + " td.nowrap"); got != "23 Nov 2026 10:02 EET" {
		t.Errorf("the row's date is %q, want the mention's", got)
	}
}

// A common word's first page holds its newest matches, not the first ones the index
// returns: with more matches than a search considers, the rows are walked newest first
// (the statistics, once ANALYZE has run, say the word is common).
func TestSearchCommonWordNewestFirst(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m := app.SignIn(t, mari)
	old := openWith(t, app, m, "Old one", "The first mentions quaggax.")
	// More messages with the word than a search considers, all on the old ticket and
	// written long ago (set up directly in SQL), then a new ticket that mentions it once.
	_, err := app.DB.Exec(`INSERT INTO ticket_messages (ticket_id, org_id, author_id, channel, body, created_at)
		SELECT t.id, t.org_id, t.requester_id, 'web', 'Again quaggax ' || g, now() - interval '300 days' + g * interval '1 minute'
		FROM tickets t, generate_series(1, 600) g WHERE t.id = $1`, old)
	if err != nil {
		t.Fatal(err)
	}
	recent := openWith(t, app, m, "New one", "Today quaggax again.")
	if _, err := app.DB.Exec(`ANALYZE ticket_messages`); err != nil {
		t.Fatal(err)
	}
	p := search(t, m, "quaggax")
	if got := found(p); !slices.Equal(got, []int64{recent, old}) {
		t.Errorf("found %v, want the newest mention's ticket %d first, then %d", got, recent, old)
	}
	row := fmt.Sprintf(`tr[data-ticket="%d"]`, old)
	if got := p.Text(row + " .snippet"); got != "Again quaggax 600" {
		t.Errorf("the old ticket's snippet is %q, want its newest mention", got)
	}
	// Every match was found and nothing is left out; the customer is told no count of
	// messages (PostgreSQL's estimate is of every organisation's).
	if n := p.Doc.Find("#search-capped, #search-about").Length(); n != 0 {
		t.Errorf("the customer's page has %d notices of how many match, want none", n)
	}
	// Staff are told PostgreSQL's estimate of how many messages match, not a count
	// the page cannot make without reading them all: 601 of them.
	a := app.SignIn(t, andres)
	p = search(t, a, "quaggax")
	if got := found(p); !slices.Equal(got, []int64{recent, old}) {
		t.Errorf("the agent found %v, want %d first, then %d", got, recent, old)
	}
	if got := p.Text("#search-about"); got != "About 600 messages match, by PostgreSQL's estimate; the newest come first." {
		t.Errorf("the agent's page says %q about how many match", got)
	}
}

// A common word's pages go on from where the one before ended, each ticket once, at its
// newest mention, though its older mentions are further back in the walk.
func TestSearchCommonWordPages(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, tallinn)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	m := app.SignIn(t, mari)
	var ids []int64
	for i := range 27 {
		ids = append(ids, openWith(t, app, m, fmt.Sprintf("Walked %d", i), "The zebrafix export is empty."))
		clock.set(clock.Now().Add(time.Minute))
	}
	// The first ticket mentions it again, last: its row leads, with that mention.
	m.Post(t, path(ids[0], "/reply"), url.Values{"body": {"Still no zebrafix rows."}}, http.StatusSeeOther)
	if _, err := app.DB.Exec(`ANALYZE ticket_messages; ANALYZE tickets`); err != nil {
		t.Fatal(err)
	}
	a := app.SignIn(t, andres)
	p := search(t, a, "zebrafix")
	if p.Doc.Find("#search-about").Length() != 1 {
		t.Fatal("the word's messages were not walked (no estimate on the page): the test tests nothing")
	}
	first := found(p)
	next, ok := p.Doc.Find("#next-page").Attr("href")
	if len(first) != 25 || !ok {
		t.Fatalf("first page: %d rows, next link %v", len(first), ok)
	}
	if first[0] != ids[0] || first[1] != ids[26] {
		t.Errorf("the first page starts %v, want %d (mentioned last), then %d", first[:2], ids[0], ids[26])
	}
	if got := p.Text(fmt.Sprintf(`tr[data-ticket="%d"] .snippet`, ids[0])); got != "Still no zebrafix rows." {
		t.Errorf("the first row's snippet is %q, want its newest mention", got)
	}
	p = a.Get(t, next, http.StatusOK)
	second := found(p)
	if !slices.Equal(second, []int64{ids[2], ids[1]}) || p.Doc.Find("#next-page").Length() != 0 {
		t.Fatalf("second page: %v (next link %d), want %d and %d", second, p.Doc.Find("#next-page").Length(), ids[2], ids[1])
	}
	if all := slicesSorted(append(first, second...)); !slices.Equal(all, ids) {
		t.Errorf("the two pages hold %v, want every ticket once: %v", all, ids)
	}
}

// A common word's pages end where its walk ends, the newest 50,000 messages: the page
// that reaches the end says that only some are shown and offers no next page, rather
// than read the word's index, whose first matches are its oldest.
func TestSearchCommonWordEndsAtTheWalk(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, tallinn)}
	app := apptest.NewWith(t, apptest.Options{Now: clock.Now})
	m := app.SignIn(t, mari)
	oldest := openWith(t, app, m, "Long ago", "The first ever ferretix.")
	// 50,000 newer mentions on one ticket (set up directly in SQL): its newest counts.
	busy := openWith(t, app, m, "Busy one", "Another ferretix.")
	_, err := app.DB.Exec(`INSERT INTO ticket_messages (ticket_id, org_id, author_id, channel, body, created_at)
		SELECT t.id, t.org_id, t.requester_id, 'web', 'More ferretix ' || g, $2::timestamptz + g * interval '1 millisecond'
		FROM tickets t, generate_series(1, 50000) g WHERE t.id = $1`, busy, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	clock.set(clock.Now().Add(24 * time.Hour))
	var ids []int64
	for i := range 26 {
		ids = append(ids, openWith(t, app, m, fmt.Sprintf("Recent %d", i), "A new ferretix."))
	}
	if _, err := app.DB.Exec(`ANALYZE ticket_messages`); err != nil {
		t.Fatal(err)
	}
	a := app.SignIn(t, andres)
	p := search(t, a, "ferretix")
	if p.Doc.Find("#search-about").Length() != 1 {
		t.Fatal("the word's messages were not walked (no estimate on the page): the test tests nothing")
	}
	next, ok := p.Doc.Find("#next-page").Attr("href")
	if got := found(p); len(got) != 25 || !ok || p.Doc.Find("#search-capped").Length() != 0 {
		t.Fatalf("first page: %v, next link %v, capped notice %d", got, ok, p.Doc.Find("#search-capped").Length())
	}
	p = a.Get(t, next, http.StatusOK)
	if got := found(p); !slices.Equal(got, []int64{ids[0], busy}) {
		t.Errorf("second page: %v, want %d and then %d, and not %d (beyond the walk)", got, ids[0], busy, oldest)
	}
	if p.Doc.Find("#search-capped").Length() != 1 || p.Doc.Find("#next-page").Length() != 0 {
		t.Errorf("the walk's last page: capped notice %d, next link %d; want the notice and no next page",
			p.Doc.Find("#search-capped").Length(), p.Doc.Find("#next-page").Length())
	}
}
