package incident_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/incident"
	"tugi/app/loadtest"
	"tugi/app/user"
	"tugi/app/web"
)

// benchIncidents is how many incidents BenchmarkIncidentPages fills the database with.
const benchIncidents = 100_000

// fillIncidents adds n incidents reported over the last three years, one every 15
// minutes (numbered in years of 9,000 from 2100, so as not to meet the demo's): 2 % open (in every open state), one in seven a personal-data breach (with its
// register account, an affected organisation and, when closed, its customer notice), one in
// 31 significant under NIS2, one in three handled by agent.
func fillIncidents(b *testing.B, app *apptest.App, n int) {
	b.Helper()
	stmts := []string{`
INSERT INTO incidents (ref_year, ref_number, summary, system_or_data, personal_data, reporter_id, state, not_incident_reason,
	taxonomy_class, taxonomy_type, impact_c, impact_i, impact_a, urgency, severity_computed,
	occurred_at, detected_at, reported_at, aware_at, personal_breach, personal_breach_rationale, personal_breach_decided_at,
	nis2_significant, nis2_rationale, significant_at, breach_effects, breach_remedial_action, breach_not_notified_reason,
	triaged_at, contained_at, resolved_at, closed_at, created_at, updated_at)
SELECT 2100 + (g - 1) / 9000, 1 + (g - 1) % 9000, 'Bench incident ' || g || ': a laptop with customer exports was left on a train.', 'CRM export',
	CASE WHEN g % 7 = 0 THEN 'yes' ELSE 'unknown' END,
	(SELECT id FROM users WHERE email = 'employee@tugi.example'),
	CASE WHEN g % 50 = 1 THEN (ARRAY['reported','triage','investigating','contained','resolved'])[1 + (g / 50) % 5]
		WHEN g % 97 = 0 THEN 'not_incident' ELSE 'closed' END,
	CASE WHEN g % 50 <> 1 AND g % 97 = 0 THEN 'A false alarm.' ELSE '' END,
	(ARRAY['malicious-code','information-gathering','intrusion-attempts','intrusions','information-content-security'])[1 + g % 5], '',
	'medium', 'low', 'none', 'medium', (ARRAY['low','medium','high','critical'])[1 + g % 4],
	t - interval '3 hours', t - interval '1 hour', t, t,
	g % 7 = 0, CASE WHEN g % 7 = 0 THEN 'Customer names and e-mail addresses were on the laptop.' ELSE '' END,
	CASE WHEN g % 7 = 0 THEN t + interval '2 hours' END,
	g % 31 = 0, CASE WHEN g % 31 = 0 THEN 'Service of many customers affected.' ELSE '' END,
	CASE WHEN g % 31 = 0 THEN t + interval '3 hours' END,
	CASE WHEN g % 7 = 0 THEN 'Names and e-mail addresses of about 200 users may have been read.' ELSE '' END,
	CASE WHEN g % 7 = 0 THEN 'The laptop was wiped remotely; the exports were re-issued.' ELSE '' END,
	'',
	t + interval '1 hour', t + interval '5 hours', t + interval '2 days',
	CASE WHEN g % 50 = 1 THEN NULL ELSE t + interval '9 days' END, t, t
FROM generate_series(1, $1) AS g, LATERAL (SELECT now() - g * interval '15 minutes' AS t) AS x`,
		`INSERT INTO incident_organisations (incident_id, org_id, added_at)
SELECT i.id, (SELECT id FROM organisations ORDER BY id LIMIT 1 OFFSET i.ref_number % 2), i.reported_at
FROM incidents i WHERE i.ref_year >= 2100 AND i.personal_breach`,
		`INSERT INTO incident_notices (incident_id, kind, org_id, submitted_at, submitted_by, recorded_at, channel, subject, body, due_at, late_reason)
SELECT io.incident_id, 'customer', io.org_id, i.reported_at + interval '5 hours', (SELECT id FROM users WHERE email = 'ciso@tugi.example'),
	i.reported_at + interval '5 hours', 'tugi', 'Notice of a personal-data breach', 'A laptop with your users'' names was lost.',
	i.aware_at + interval '24 hours', ''
FROM incident_organisations io JOIN incidents i ON i.id = io.incident_id
WHERE i.ref_year >= 2100 AND i.state IN ('closed', 'not_incident')`,
		`INSERT INTO incident_handlers (incident_id, user_id, named_at)
SELECT i.id, (SELECT id FROM users WHERE email = 'agent@tugi.example'), i.reported_at
FROM incidents i WHERE i.ref_year >= 2100 AND i.ref_number % 3 = 0`,
		`ANALYZE`,
	}
	for i, s := range stmts {
		var args []any
		if i == 0 {
			args = append(args, n)
		}
		if _, err := app.DB.Exec(s, args...); err != nil {
			b.Fatalf("fill: %v\n%s", err, s)
		}
	}
}

// capture is a renderer that keeps the last page it rendered, for the bare handler to
// render again from memory.
type capture struct {
	echo.Renderer
	name string
	data any
}

func (c *capture) Render(w io.Writer, name string, data any, ctx echo.Context) error {
	c.name, c.data = name, data
	return c.Renderer.Render(w, name, data, ctx)
}

// BenchmarkIncidentPages measures the CISO's board (/incidents, with the next deadlines
// across every open incident) and the breach register (/incidents/register) on a database
// of 100,000 incidents, through the whole stack (session, access rule, scope, queries,
// clocks, layout), each against a bare Echo handler in this process that renders the same
// template from data held in memory, in turns, 8 clients. docs/incidents.md has the
// figures. Run it alone with
//
//	go test -run '^$' -bench IncidentPages -benchtime 1x ./app/incident
func BenchmarkIncidentPages(b *testing.B) {
	ctx := context.Background()
	app := apptest.New(b)
	started := time.Now()
	fillIncidents(b, app, benchIncidents)
	var open, breaches, clocks int
	app.DB.Get(&open, `SELECT count(*) FROM incidents WHERE state NOT IN ('closed', 'not_incident')`)
	app.DB.Get(&breaches, `SELECT count(*) FROM incidents WHERE personal_breach`)
	u, err := user.NewStore(app.DB).ByEmail(ctx, "ciso@tugi.example")
	if err != nil {
		b.Fatal(err)
	}
	ciso := u.Viewer()
	oc, err := incident.NewStore(app.DB).OpenClocks(ctx, incident.ScopeOf(ciso), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	clocks = len(oc)
	b.Logf("filled %d incidents in %s: %d open, %d personal-data breaches, %d running clocks", benchIncidents,
		time.Since(started).Round(time.Second), open, breaches, clocks)

	c := app.SignIn(b, "ciso@tugi.example")
	cookie := &http.Cookie{Name: auth.CookieName, Value: c.Cookie(auth.CookieName)}
	h := incident.NewHandler(incident.NewService(incident.Options{DB: app.DB}), app.Server.Renderer, web.NewValidator())

	for _, page := range []struct {
		name, path string
		serve      echo.HandlerFunc
	}{
		{"board", "/incidents", h.List},
		{"register", "/incidents/register", h.Register},
	} {
		// The page's data, as the real handler builds it, kept for the bare handler.
		rec := &capture{Renderer: app.Server.Renderer}
		once := echo.New()
		once.Renderer = rec
		once.GET(page.path, func(c echo.Context) error { web.SetViewer(c, ciso); return page.serve(c) })
		w := httptest.NewRecorder()
		once.ServeHTTP(w, httptest.NewRequest(http.MethodGet, page.path, nil))
		if w.Code != http.StatusOK || rec.data == nil {
			b.Fatalf("%s: %d %s", page.path, w.Code, w.Body.String())
		}
		bare := echo.New()
		bare.Renderer = app.Server.Renderer
		bare.GET(page.path, func(c echo.Context) error {
			web.SetViewer(c, ciso)
			return c.Render(http.StatusOK, rec.name, rec.data)
		})
		bareSrv := httptest.NewServer(bare)

		const concurrency, rounds, duration = 8, 3, 9 * time.Second
		base, full := loadtest.Compare(
			func(d time.Duration) loadtest.Result {
				return loadtest.Run(ctx, loadtest.Get(bareSrv.URL+page.path), http.StatusOK, concurrency, d)
			},
			func(d time.Duration) loadtest.Result {
				return loadtest.Run(ctx, loadtest.Get(app.URL+page.path, cookie), http.StatusOK, concurrency, d)
			}, rounds, duration)
		bareSrv.Close()
		if base.Errors > 0 || full.Errors > 0 {
			b.Fatalf("%s: errors: bare %d, full %d", page.name, base.Errors, full.Errors)
		}
		ratio := full.RPS() / base.RPS()
		b.Logf("%-8s bare render:  %s", page.name, base)
		b.Logf("%-8s %s: %s", page.name, page.path, full)
		b.Logf("%-8s ratio %.2f (target: at least 0.30), c%d, %d rounds over %s each side", page.name, ratio, concurrency, rounds, duration)
		b.ReportMetric(full.RPS(), page.name+"-req/s")
		b.ReportMetric(ratio, page.name+"-ratio")
		b.ReportMetric(float64(full.P99)/1e6, page.name+"-p99-ms")
	}
}
