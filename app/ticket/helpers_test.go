package ticket_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jmoiron/sqlx"

	"tugi/app/apptest"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The demo people the tests act as.
const (
	mari   = "customer@demo-customer.example"   // Demo Customer OÜ
	jaan   = "customer@second-customer.example" // Second Customer AS
	andres = "agent@tugi.example"
	kadri  = "agent2@tugi.example"
	sirje  = "ciso@tugi.example"
	eva    = "employee@tugi.example"
	toomas = "admin@tugi.example"
)

func count(t testing.TB, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func userID(t testing.TB, db *sqlx.DB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

func categoryID(t testing.TB, db *sqlx.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.Get(&id, `SELECT id FROM categories WHERE name = $1`, name); err != nil {
		t.Fatalf("category %s: %v", name, err)
	}
	return id
}

// snapshot counts what a refused request must leave as it was.
type snapshot struct {
	tickets, messages, audit int
	state                    string // every ticket's status, priority, assignee and times, and every clock
}

func take(t testing.TB, db *sqlx.DB) snapshot {
	t.Helper()
	var state string
	err := db.Get(&state, `SELECT coalesce(string_agg(x, ';' ORDER BY x), '') FROM (
		SELECT concat_ws(',', id, status, priority, assignee_id, team_id, category_id, updated_at, solved_at, closed_at, next_due_at) AS x FROM tickets
		UNION ALL
		SELECT concat_ws(',', ticket_id, metric, used_seconds, running_since, due_at, stopped_at) FROM ticket_clocks) s`)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{
		tickets:  count(t, db, `SELECT count(*) FROM tickets`),
		messages: count(t, db, `SELECT count(*) FROM ticket_messages`),
		audit:    count(t, db, `SELECT count(*) FROM audit_events`),
		state:    state,
	}
}

func (s snapshot) unchanged(t testing.TB, db *sqlx.DB, what string) {
	t.Helper()
	if now := take(t, db); now != s {
		t.Errorf("%s wrote something: before %d tickets, %d messages, %d audit events; after %d, %d, %d (state changed: %v)",
			what, s.tickets, s.messages, s.audit, now.tickets, now.messages, now.audit, s.state != now.state)
	}
}

var ticketPath = regexp.MustCompile(`^/tickets/(\d+)$`)

// open creates a ticket as the customer c through the form and returns its id.
func open(t testing.TB, app *apptest.App, c *apptest.Client, subject string) int64 {
	t.Helper()
	p := c.Post(t, "/tickets", url.Values{
		"subject":     {subject},
		"body":        {"The details of " + subject},
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

// tickets returns the references of the rows of a ticket table.
func refs(p *apptest.Page, table string) []string {
	var out []string
	p.Doc.Find(table + " tbody tr td.ref").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return out
}

func path(id int64, suffix string) string {
	return "/tickets/" + strconv.FormatInt(id, 10) + suffix
}

// fakeClock is a clock the test sets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var tallinn = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic(err)
	}
	return loc
}()

// nov returns a time in Tallinn in the week of Monday 23 November 2026, which has no
// holiday: support is open 09:00-17:00 every weekday.
func nov(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, tallinn)
}
