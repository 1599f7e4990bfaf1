package chat_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"tugi/app/apptest"
	"tugi/app/calendar"
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

// clock is the tests' time: support's hours decide whether chat is offered, so no test
// may depend on the real time of day.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openClock is a clock ten minutes into the support calendar's next opening hours (the
// default calendar: business days 09:00–17:00 in Tallinn), and closedClock one a minute
// before they open.
func openClock() *clock {
	return &clock{t: calendar.Default().NextOpen(closedAfter(time.Now())).Add(10 * time.Minute)}
}

func closedClock() *clock {
	return &clock{t: calendar.Default().NextOpen(closedAfter(time.Now())).Add(-time.Minute)}
}

// closedAfter is the first whole hour after t, a day on, when support is closed.
func closedAfter(t time.Time) time.Time {
	cal := calendar.Default()
	t = t.Add(24 * time.Hour).Truncate(time.Hour)
	for cal.IsOpen(t) {
		t = t.Add(time.Hour)
	}
	return t
}

// newApp starts Tugi at an hour support is open, with the agents Andres and Kadri
// available.
func newApp(t *testing.T) (*apptest.App, *clock) {
	t.Helper()
	c := openClock()
	app := apptest.NewWith(t, apptest.Options{Now: c.Now})
	for _, who := range []string{andres, kadri} {
		app.SignIn(t, who).Post(t, "/availability", url.Values{"available": {"true"}, "back": {"/"}}, http.StatusSeeOther)
	}
	return app, c
}

func count(t testing.TB, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// start has the customer start a chat saying body and returns its id.
func start(t *testing.T, c *apptest.Client, body string) int64 {
	t.Helper()
	p := c.Post(t, "/chat", url.Values{"body": {body}}, http.StatusSeeOther)
	id, err := strconv.ParseInt(strings.TrimPrefix(p.Location(), "/chat/"), 10, 64)
	if err != nil {
		t.Fatalf("start: sent to %q", p.Location())
	}
	return id
}

func chatPath(id int64, rest ...string) string {
	return "/chat/" + strconv.FormatInt(id, 10) + strings.Join(rest, "")
}

// next returns the data of the next event called name on s within d; "" when none came.
func next(s *apptest.Stream, name string, d time.Duration) string {
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-s.Events():
			if !ok {
				return ""
			}
			if e.Name == name {
				return e.Name + ": " + e.Data
			}
		case <-deadline:
			return ""
		}
	}
}

// openChat opens chat id's stream for c and checks what it sends first, each time it
// opens: the snapshot that makes the page read its state and messages again and clears
// "typing…". header is sent with the request (Last-Event-ID: a reconnect).
func openChat(t *testing.T, c *apptest.Client, id int64, header ...string) *apptest.Stream {
	t.Helper()
	s := c.Open(t, chatPath(id, "/live"), http.StatusOK, header...)
	want := map[string]string{"state": "snapshot", "message": "snapshot", "typing": `<span class="typing-none"></span>`}
	for len(want) > 0 {
		e := s.Next(t)
		if e.ID == "" && want[e.Name] == e.Data {
			delete(want, e.Name)
		} else if e.ID == "" {
			t.Fatalf("the snapshot sent %+v", e)
		}
	}
	return s
}
