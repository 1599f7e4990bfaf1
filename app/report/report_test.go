package report_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jmoiron/sqlx"

	"tugi/app/apptest"
	"tugi/app/report"
	"tugi/app/sla"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var tallinn = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a moment of February 2026 in Tallinn: at(20, "16:00") or at(25, "10:00:30").
func at(day int, hm string) time.Time {
	if strings.Count(hm, ":") == 1 {
		hm += ":00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04:05", fmt.Sprintf("2026-02-%02d %s", day, hm), tallinn)
	if err != nil {
		panic(err)
	}
	return t
}

// handTicket is a ticket of the hand-built data set.
type handTicket struct {
	name              string
	created           time.Time
	reply, solved     *time.Time
	priority, channel string
	team              string // "second" for the second team
	org               string
	frClock, resClock string // "met", "missed", "late" (due passed, still running), "open", "" none
}

func ptr(t time.Time) *time.Time { return &t }

// The hand-built data set, in February 2026: 20 Feb is a Friday, 23 Feb a Monday that
// closes at 14:00 (the day before a holiday), 24 Feb Independence Day (closed).
//
//	T1 created Fri 16:00, replied Mon 10:00: 1 h + 1 h = 2 h (over the weekend);
//	   solved Tue (holiday) 12:00: 1 h + 5 h (Mon 09-14) = 6 h
//	T2 created Mon 13:00, replied Wed 11:30: 1 h + 0 (holiday) + 2 h 30 = 3 h 30 min
//	T3 created Wed 09:00, replied 09:30: 30 min; solved 15:00: 6 h
//	T4 created Thu 10:00, replied 10:20: 20 min (second team, urgent)
//	T5 created Thu 12:00, no reply, its first-response clock overdue (second team, urgent)
//	T6 created Fri 20 09:00, replied 10:00: 1 h; solved Mon 23 09:00: 8 h (high, Second Customer AS)
//
// First response: 20 min, 30 min, 1 h, 2 h, 3 h 30 → median 1 h, 90th percentile 3 h 30.
// Resolution: 6 h, 6 h, 8 h → median 6 h, 90th percentile 8 h.
// SLA: first response met by T1, T3, T4, T6, missed by T2 and T5; resolution met by T1,
// T3, T6 (T2's and T4's still open): 7 of 9.
var handTickets = []handTicket{
	{name: "T1", created: at(20, "16:00"), reply: ptr(at(23, "10:00")), solved: ptr(at(24, "12:00")), priority: "normal", channel: "web", org: "Demo Customer OÜ", frClock: "met", resClock: "met"},
	{name: "T2", created: at(23, "13:00"), reply: ptr(at(25, "11:30")), priority: "normal", channel: "email", org: "Demo Customer OÜ", frClock: "missed", resClock: "open"},
	{name: "T3", created: at(25, "09:00"), reply: ptr(at(25, "09:30")), solved: ptr(at(25, "15:00")), priority: "normal", channel: "phone", org: "Demo Customer OÜ", frClock: "met", resClock: "met"},
	{name: "T4", created: at(26, "10:00"), reply: ptr(at(26, "10:20")), priority: "urgent", channel: "web", team: "second", org: "Demo Customer OÜ", frClock: "met", resClock: "open"},
	{name: "T5", created: at(26, "12:00"), priority: "urgent", channel: "chat", team: "second", org: "Demo Customer OÜ", frClock: "late", resClock: "open"},
	{name: "T6", created: at(20, "09:00"), reply: ptr(at(20, "10:00")), solved: ptr(at(23, "09:00")), priority: "high", channel: "web", org: "Second Customer AS", frClock: "met", resClock: "met"},
}

// Chats: C1 waits from Fri 16:59 to Mon 09:01 (2 min of business time) and lasts 10 min;
// C2 waits 30 s and lasts 20 min; C3 waits 5 min and lasts 30 min. Waits: median 2 min,
// 90th percentile 5 min, two of three within the 2-minute target; durations: 20 and 30 min.
var handChats = []struct{ created, accepted, ended time.Time }{
	{at(20, "16:59"), at(23, "09:01"), at(23, "09:11")},
	{at(25, "10:00:00"), at(25, "10:00:30"), at(25, "10:20:30")},
	{at(25, "11:00"), at(25, "11:05"), at(25, "11:35")},
}

const handRange = "from=2026-02-16&to=2026-02-27"

// build writes the hand-built data set straight into the tables (as the ticket and chat
// services would have left them), runs the rollup, and returns the second team's id.
func build(t *testing.T, db *sqlx.DB) int64 {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var second int64
	if err := db.GetContext(ctx, &second, `INSERT INTO teams (name) VALUES ('Second line') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	for _, h := range handTickets {
		status, solved := "open", h.solved
		if solved != nil {
			status = "solved"
		} else if h.reply == nil {
			status = "new"
		}
		team := "(SELECT id FROM teams WHERE is_default)"
		if h.team == "second" {
			team = "(SELECT id FROM teams WHERE name = 'Second line')"
		}
		var id int64
		err := db.GetContext(ctx, &id, `
INSERT INTO tickets (org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, team_id, assignee_id,
                     created_at, updated_at, solved_at)
SELECT o.id, u.id, u.id, $1, 1, 'one_person', $2, $3, $4, `+team+`, (SELECT id FROM users WHERE email = 'agent@tugi.example'),
       $5, $5, $6
FROM organisations o JOIN users u ON u.org_id = o.id WHERE o.name = $7 ORDER BY u.id LIMIT 1 RETURNING id`,
			"Hand-built "+h.name, h.priority, status, h.channel, h.created, solved, h.org)
		if err != nil {
			t.Fatalf("%s: %v", h.name, err)
		}
		msgChannel := h.channel
		exec(`INSERT INTO ticket_messages (ticket_id, org_id, author_id, channel, body, created_at)
			SELECT id, org_id, requester_id, $2, 'The question', created_at FROM tickets WHERE id = $1`, id, msgChannel)
		// An internal note before the reply does not count as a response.
		exec(`INSERT INTO ticket_messages (ticket_id, org_id, author_id, internal, channel, body, created_at)
			SELECT id, org_id, (SELECT id FROM users WHERE email = 'agent@tugi.example'), true, 'web', 'Looking', created_at + interval '1 minute'
			FROM tickets WHERE id = $1`, id)
		if h.reply != nil {
			exec(`INSERT INTO ticket_messages (ticket_id, org_id, author_id, channel, body, created_at)
				SELECT id, org_id, (SELECT id FROM users WHERE email = 'agent@tugi.example'), 'web', 'The answer', $2 FROM tickets WHERE id = $1`, id, *h.reply)
		}
		clock := func(metric, state string, target int, stopped *time.Time) {
			switch state {
			case "":
			case "met":
				exec(`INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, used_seconds, started_at, stopped_at)
					VALUES ($1, $2, $3, 60, $4, $5)`, id, metric, target, h.created, *stopped)
			case "missed":
				exec(`INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, used_seconds, started_at, stopped_at, breached)
					VALUES ($1, $2, $3::integer, $3::integer + 60, $4, $5, true)`, id, metric, target, h.created, *stopped)
			case "late":
				exec(`INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, started_at, running_since, due_at)
					VALUES ($1, $2, $3, $4::timestamptz, $4, $4::timestamptz + interval '1 day')`, id, metric, target, h.created)
			case "open":
				exec(`INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, started_at, running_since, due_at)
					VALUES ($1, $2, $3, $4::timestamptz, $4, '2099-01-01')`, id, metric, target, h.created)
			}
		}
		clock("first_response", h.frClock, 14400, h.reply)
		clock("resolution", h.resClock, 144000, h.solved)
	}
	for _, c := range handChats {
		exec(`INSERT INTO chats (org_id, customer_id, agent_id, state, created_at, accepted_at, ended_at)
			SELECT u.org_id, u.id, (SELECT id FROM users WHERE email = 'agent@tugi.example'), 'ended', $1, $2, $3
			FROM users u WHERE u.email = 'customer@demo-customer.example'`, c.created, c.accepted, c.ended)
	}
	if err := report.NewRollup(db, sla.NewCalendars(db).Current).Run(ctx); err != nil {
		t.Fatal(err)
	}
	return second
}

// The figures of the hand-built data set, as a team lead reads them: business-time
// medians across a weekend and an Estonian holiday, SLA targets met, chat waits.
func TestFiguresOfAHandBuiltSet(t *testing.T) {
	app := apptest.New(t)
	second := build(t, app.DB)
	c := app.SignIn(t, "admin@tugi.example")
	p := c.Get(t, "/reports?"+handRange, http.StatusOK)
	want := map[string]string{
		"tickets":        "6",
		"first-response": "1 h 90th percentile 3 h 30 min",
		"resolution":     "6 h 90th percentile 8 h",
		"sla-met":        "77 % (7 of 9)",
		"chat-wait":      "2 min 90th percentile 5 min",
		"chat-duration":  "20 min 90th percentile 30 min",
	}
	for id, w := range want {
		if got := strings.Join(strings.Fields(p.Text("#figure-"+id+" dd")), " "); got != w {
			t.Errorf("%s: %q, want %q", id, got, w)
		}
	}
	// Per week: two tickets the week of 16 Feb (first responses 1 h and 2 h), four the next.
	row := func(table, label string) []string { return cellsOf(p, table, label) }
	if got := row("weeks", "2026-02-16"); strings.Join(got, "|") != "2026-02-16|2|1 h|2 h|6 h|8 h|100 % (4 of 4)" {
		t.Errorf("week of 16 Feb: %q", got)
	}
	if got := row("weeks", "2026-02-23"); strings.Join(got, "|") != "2026-02-23|4|30 min|3 h 30 min|6 h|6 h|60 % (3 of 5)" {
		t.Errorf("week of 23 Feb: %q", got)
	}
	if got := row("priorities", "Urgent"); strings.Join(got, "|") != "Urgent|2|20 min|20 min|–|–|50 % (1 of 2)" {
		t.Errorf("urgent: %q", got)
	}
	if got := row("teams", "Second line"); len(got) < 2 || got[1] != "2" {
		t.Errorf("second team: %q", got)
	}
	if got := row("organisations", "Second Customer AS"); len(got) < 3 || got[1] != "1" || got[2] != "1 h" {
		t.Errorf("Second Customer AS: %q", got)
	}
	if got := row("channels", "Web"); strings.Join(got, "|") != "Web|3|50 %" {
		t.Errorf("web: %q", got)
	}
	// The backlog: open at the end of Fri 20 Feb: T1 (T6 is solved on Monday): 2 with T6.
	if got := row("backlog", "2026-02-20"); strings.Join(got, "|") != "2026-02-20|2" {
		t.Errorf("backlog on 20 Feb: %q", got)
	}
	if got := row("backlog", "2026-02-27"); strings.Join(got, "|") != "2026-02-27|3" {
		t.Errorf("backlog on 27 Feb: %q", got)
	}
	if got := row("chats", "2026-02-23"); strings.Join(got, "|") != "2026-02-23|2|2|30 s|5 min|50 %|20 min|30 min" {
		t.Errorf("chats the week of 23 Feb: %q", got)
	}
	// Every chart is an SVG with its title and description, and its table of numbers.
	for _, name := range report.Charts {
		sec := p.Doc.Find("#chart-" + name)
		if sec.Find("svg[role=img] > title").Length() != 1 || sec.Find("svg > desc").Length() != 1 {
			h, _ := sec.Html()
			t.Errorf("%s: no SVG with a title and description:\n%.1500s", name, h)
		}
		if sec.Find("svg rect").Length() == 0 {
			t.Errorf("%s: the SVG draws nothing", name)
		}
		if sec.Find("table tbody tr").Length() == 0 {
			t.Errorf("%s: no table of numbers beside the chart", name)
		}
		if href, _ := sec.Find("a[download]").Attr("href"); href != "/reports/"+name+".csv?"+handRange {
			t.Errorf("%s: CSV link %q", name, href)
		}
	}
	// Bars carry their values as text, not colour alone.
	if !strings.Contains(p.Doc.Find("#chart-priorities svg").Text(), "50 % (1 of 2)") {
		t.Error("the SLA chart does not write its values")
	}

	// Filters: the second team, a priority, an organisation.
	for _, f := range []struct{ query, tickets string }{
		{"&team=" + itoa(second), "2"},
		{"&priority=urgent", "2"},
		{"&priority=high", "1"},
		{"&org_name=Second", "1"},
		{"&team=" + itoa(second) + "&priority=normal", "0"},
	} {
		p := c.Get(t, "/reports?"+handRange+f.query, http.StatusOK)
		if got := p.Text("#figure-tickets dd"); got != f.tickets {
			t.Errorf("%s: %s tickets, want %s", f.query, got, f.tickets)
		}
	}
	// The organisation's filter only for chats: the second customer had none.
	if got := strings.Fields(c.Get(t, "/reports?"+handRange+"&org_name=Second", http.StatusOK).Text("#figure-chat-wait dd")); len(got) == 0 || got[0] != "–" {
		t.Errorf("chat wait of an organisation without chats: %q", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// cellsOf returns the cells of the row labelled label of the table of chart, each with
// its spaces folded; nil when there is no such row.
func cellsOf(p *apptest.Page, chart, label string) []string {
	var out []string
	p.Doc.Find("#" + chart + "-table tbody tr").EachWithBreak(func(_ int, tr *goquery.Selection) bool {
		if strings.TrimSpace(tr.Find("th").Text()) != label {
			return true
		}
		tr.Find("th, td").Each(func(_ int, c *goquery.Selection) {
			out = append(out, strings.Join(strings.Fields(c.Text()), " "))
		})
		return false
	})
	return out
}

// The CSV behind a chart: a line per ticket with the page's filters, a byte order mark
// so Excel keeps "OÜ", and an audit event of the export.
func TestChartCSV(t *testing.T) {
	app := apptest.New(t)
	build(t, app.DB)
	c := app.SignIn(t, "agent@tugi.example")
	p := c.Get(t, "/reports/weeks.csv?"+handRange, http.StatusOK)
	if !strings.HasPrefix(p.Body, "\ufeff") {
		t.Fatal("the CSV has no byte order mark")
	}
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 {
		t.Fatalf("%d lines, want a header and 6 tickets: %q", len(rows), rows)
	}
	if strings.Join(rows[0][:4], "|") != "week of|ticket|created|organisation" {
		t.Errorf("header %q", rows[0])
	}
	var t1 []string
	for _, r := range rows[1:] {
		if r[3] == "Demo Customer OÜ" && r[2] == "2026-02-20T16:00:00+02:00" {
			t1 = r
		}
	}
	if t1 == nil {
		t.Fatalf("no line of T1 with its organisation: %q", rows)
	}
	if strings.Join([]string{t1[0], t1[9], t1[10], t1[12], t1[13]}, "|") != "2026-02-16|7200|met|21600|met" {
		t.Errorf("T1's line: %q", t1)
	}
	// The filter applies: the urgent ones only.
	p = c.Get(t, "/reports/priorities.csv?"+handRange+"&priority=urgent", http.StatusOK)
	if n := strings.Count(p.Body, "\n"); n != 3 {
		t.Errorf("urgent CSV: %d lines, want 3:\n%s", n, p.Body)
	}
	// Chats.
	p = c.Get(t, "/reports/chats.csv?"+handRange, http.StatusOK)
	if !strings.Contains(p.Body, ",Andres Agent,120,true,600\r\n") && !strings.Contains(p.Body, ",Andres Agent,120,true,600\n") {
		t.Errorf("chat C1's line is not there:\n%s", p.Body)
	}
	var n int
	if err := app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'report.export'`); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d export events, want 3", n)
	}
	// A range that is not one is refused, with nothing exported.
	c.Get(t, "/reports/weeks.csv?from=2026-02-16&to=2025-01-01", http.StatusUnprocessableEntity)
}

// Bad input: the message beside the field, the input kept, the default range shown.
func TestBadRange(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, "agent@tugi.example")
	p := c.Get(t, "/reports?from=2026-13-01&to=2026-02-27", http.StatusUnprocessableEntity)
	if p.FieldError("from") == "" || p.InputValue("from") != "2026-13-01" {
		t.Errorf("from: error %q, value %q", p.FieldError("from"), p.InputValue("from"))
	}
	p = c.Get(t, "/reports?from=2025-01-01&to=2026-02-27", http.StatusUnprocessableEntity)
	if !strings.Contains(p.FieldError("from"), "longer than a year") {
		t.Errorf("a range of over a year: %q", p.FieldError("from"))
	}
	p = c.Get(t, "/reports?"+handRange+"&org_name=Nobody+such", http.StatusUnprocessableEntity)
	if p.FieldError("org_name") == "" || p.InputValue("org_name") != "Nobody such" {
		t.Errorf("org: error %q, value %q", p.FieldError("org_name"), p.InputValue("org_name"))
	}
	c.Get(t, "/reports?"+handRange+"&priority=whenever", http.StatusUnprocessableEntity)
}

// Who may see the figures: admins and agents; customers, employees and the CISO never,
// neither the page nor a CSV nor the type-ahead.
func TestReportsAccess(t *testing.T) {
	app := apptest.New(t)
	build(t, app.DB)
	for _, who := range []struct {
		email string
		want  int
	}{
		{"admin@tugi.example", http.StatusOK},
		{"agent@tugi.example", http.StatusOK},
		{"customer@demo-customer.example", http.StatusForbidden},
		{"employee@tugi.example", http.StatusForbidden},
		{"ciso@tugi.example", http.StatusForbidden},
	} {
		c := app.SignIn(t, who.email)
		home := c.Get(t, "/", http.StatusOK)
		if link := home.Doc.Find(`nav a[href="/reports"]`).Length(); (link > 0) != (who.want == http.StatusOK) {
			t.Errorf("%s: %d links to /reports in the navigation", who.email, link)
		}
		c.Get(t, "/reports?"+handRange, who.want)
		c.Get(t, "/reports/organisations?org_name=Demo", who.want)
		for _, name := range report.Charts {
			c.Get(t, "/reports/"+name+".csv?"+handRange, who.want)
		}
	}
	app.Client(t).Get(t, "/reports", http.StatusSeeOther)
}
