package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
	"tugi/app/report"
	"tugi/app/sla"
)

// TestReports opens a team lead's figures in a browser at a laptop's width (1,366 px) and
// a phone's (390 px): the charts are drawn (SVG, no script), each with its table, and on
// the phone nothing scrolls sideways; it takes the documentation's screenshots of both.
func TestReports(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	// Four hundred tickets over the last 27 days, in business hours, of both demo organisations, in every
	// channel and priority, most answered and many solved; and some chats.
	_, err := app.DB.ExecContext(ctx, `
INSERT INTO tickets (org_id, requester_id, created_by, subject, category_id, impact, priority, status, channel, team_id, assignee_id,
                     created_at, updated_at, solved_at, closed_at)
SELECT u.org_id, u.id, u.id, 'Figures ' || g, (SELECT min(id) FROM categories) + g % 4, 'one_person',
       (ARRAY['urgent', 'high', 'normal', 'normal', 'low'])[1 + g % 5],
       CASE WHEN g % 3 = 0 THEN 'open' ELSE 'solved' END, (ARRAY['web', 'email', 'web', 'phone', 'chat'])[1 + g % 5],
       (SELECT id FROM teams WHERE is_default), (SELECT id FROM users WHERE email = (ARRAY['agent@tugi.example', 'agent2@tugi.example'])[1 + g % 2]),
       c.at, c.at, CASE WHEN g % 3 <> 0 THEN c.at + (60 + (g * 37) % 1500) * interval '1 minute' END, NULL
FROM generate_series(1, 400) g
CROSS JOIN LATERAL (SELECT (date_trunc('day', now() AT TIME ZONE 'Europe/Tallinn') - (1 + g % 27) * interval '1 day'
                            + interval '9 hours' + (g * 37 % 420) * interval '1 minute') AT TIME ZONE 'Europe/Tallinn' AS at) c
JOIN users u ON u.email = (ARRAY['customer@demo-customer.example', 'customer@second-customer.example'])[1 + g % 2]`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.DB.ExecContext(ctx, `
INSERT INTO ticket_messages (ticket_id, org_id, author_id, channel, body, created_at)
SELECT t.id, t.org_id, t.assignee_id, 'web', 'Looking into it', t.created_at + (5 + (t.id * 37) % 200) * interval '1 minute'
FROM tickets t WHERE t.subject LIKE 'Figures %';
INSERT INTO ticket_clocks (ticket_id, metric, target_seconds, used_seconds, started_at, stopped_at, breached)
SELECT t.id, 'first_response', 14400, 600, t.created_at, t.created_at + (5 + (t.id * 37) % 200) * interval '1 minute', t.id % 7 = 0
FROM tickets t WHERE t.subject LIKE 'Figures %';
INSERT INTO chats (org_id, customer_id, agent_id, state, created_at, accepted_at, ended_at)
SELECT u.org_id, u.id, (SELECT id FROM users WHERE email = 'agent@tugi.example'), 'ended', now() - g * interval '7 hours',
       now() - g * interval '7 hours' + (20 + g * 13 % 200) * interval '1 second', now() - g * interval '7 hours' + (10 + g % 25) * interval '1 minute'
FROM generate_series(1, 90) g JOIN users u ON u.email = 'customer@demo-customer.example'`)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.NewRollup(app.DB, sla.NewCalendars(app.DB).Current).Run(ctx); err != nil {
		t.Fatal(err)
	}
	var all int // every ticket: the demo's and these, all of the last 30 days
	if err := app.DB.Get(&all, `SELECT count(*) FROM tickets`); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	for _, size := range []struct {
		name          string
		width, height int64
		phone         bool
	}{{"1366", 1366, 768, false}, {"390", 390, 844, true}} {
		t.Run(size.name, func(t *testing.T) {
			lead := newTab(t, b, app)
			if size.phone {
				lead.do("a phone", chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateMobile))
			} else {
				lead.do("a laptop", chromedp.EmulateViewport(size.width, size.height))
			}
			lead.signIn("agent@tugi.example")
			lead.open("the reports", app.URL+"/reports", http.StatusOK)
			lead.waitFor("the charts", `document.querySelectorAll("section.report-chart svg[role=img]").length === 9`)
			if n := eval[int](lead, `document.querySelectorAll("#chart-weeks svg rect[fill='currentColor']").length`); n < 4 {
				t.Errorf("the weekly chart draws %d solid columns", n)
			}
			if got := lead.text("#figure-tickets dd strong"); got != strconv.Itoa(all) {
				t.Errorf("tickets: %q, want %d", got, all)
			}
			if w := eval[int](lead, `document.querySelector("#chart-agents svg").getBoundingClientRect().width|0`); w < 200 {
				t.Errorf("the agents' chart is %d px wide", w)
			}
			if !eval[bool](lead, fits) {
				t.Errorf("the reports page is wider than the window at %s px: %d px", size.name, eval[int](lead, `document.documentElement.scrollWidth`))
			}
			lead.docShot("reports-" + size.name)
			lead.do("to the charts", chromedp.Evaluate[chromedp.Void](`document.querySelector("#chart-weeks").scrollIntoView()`))
			lead.docShot("reports-charts-" + size.name)
			lead.checkConsole()
		})
	}
}
