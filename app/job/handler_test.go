package job_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tugi/app/access"
	"tugi/app/auth"
	"tugi/app/job"
	"tugi/app/testdb"
	"tugi/app/web"
	"tugi/static"
	"tugi/views"
)

// serve runs the routes of the handler o describes (its renderer added), each behind its
// rule as app/server puts them, for requests made as viewer (nobody when nil). The full
// server (apptest) does not hold these routes until app/server joins them.
func serve(t *testing.T, o job.HandlerOptions, viewer *access.Viewer) *httptest.Server {
	t.Helper()
	assets, err := web.NewStatic(static.FS)
	if err != nil {
		t.Fatal(err)
	}
	renderer, err := web.NewRenderer(views.FS, assets, nil, web.Support{})
	if err != nil {
		t.Fatal(err)
	}
	o.Renderer = renderer
	h := job.NewHandler(o)
	e := echo.New()
	e.Renderer = renderer
	e.HTTPErrorHandler = web.ErrorHandler(renderer, slog.New(slog.DiscardHandler))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if viewer != nil {
				web.SetViewer(c, viewer)
			}
			return next(c)
		}
	})
	for _, r := range h.Routes() {
		e.Add(r.Method, r.Path, r.Handler, auth.Require(r.Rule))
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// get requests path from srv with header (name, value pairs) and returns the status and
// the body.
func get(t *testing.T, srv *httptest.Server, path string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// ranJobs runs jobs on db until each has a recorded pass, and returns the runner's list.
func ranJobs(t *testing.T, db *sqlx.DB, reg prometheus.Registerer, jobs ...job.Job) []job.Job {
	t.Helper()
	stop := start(t, db, reg, jobs...)
	for _, j := range jobs {
		waitFor(t, db, j.Name, "run", func(s status) bool { return s.Outcome != nil })
	}
	stop()
	return jobs
}

var (
	admin = &access.Viewer{UserID: 1, Name: "Ada Admin", Roles: []access.Role{access.Admin}, Lang: "en"}
	agent = &access.Viewer{UserID: 2, Name: "Aino Agent", Roles: []access.Role{access.Agent}, Lang: "en"}
)

func TestJobsPageShowsEachJobAndHowItWent(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	jobs := ranJobs(t, db, nil,
		job.Job{Name: "sessions.cleanup", About: "Removes ended sessions.", Every: time.Hour, Run: func(context.Context) error { return nil }},
		job.Job{Name: "mail.send", About: "Sends the queued e-mail: notices of tickets and SLA warnings.", Every: 3 * time.Second,
			Run: func(context.Context) error {
				return errors.New("mail: cannot send through smtp://mail.example:587: connection refused")
			}},
	)
	// mail.send has failed since it was first known, over three of its intervals ago.
	if _, err := db.Exec(`UPDATE job_runs SET first_seen_at = now() - interval '10 seconds' WHERE name = 'mail.send'`); err != nil {
		t.Fatal(err)
	}
	h := job.HandlerOptions{DB: db, Jobs: jobs}

	status, body := get(t, serve(t, h, admin), "/admin/jobs")
	if status != http.StatusOK {
		t.Fatalf("the admin got %d:\n%s", status, body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	row := func(name string) *goquery.Selection { return doc.Find(`tr[id="job-` + name + `"]`) }
	text := func(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

	ok := row("sessions.cleanup")
	if name, about := text(ok.Find(".job-name")), text(ok.Find("td").First().Find(".muted")); name != "sessions.cleanup" || about != "Removes ended sessions." {
		t.Errorf("the cleanup's name and description: %q, %q", name, about)
	}
	if got := text(ok.Find("td").Eq(1)); got != "1 h" {
		t.Errorf("the cleanup's interval: %q", got)
	}
	if got := text(ok.Find("td.outcome")); got != "OK" {
		t.Errorf("the cleanup's outcome: %q", got)
	}
	if ok.HasClass("late") || text(ok.Find("td").Eq(2)) == "Not run yet" {
		t.Errorf("the cleanup, just run, is shown late or not run: %q", text(ok))
	}

	failing := row("mail.send")
	if !failing.HasClass("late") {
		t.Error("mail.send, failing for over three intervals, is not marked late")
	}
	if got := text(failing.Find("td.outcome")); !strings.HasPrefix(got, "Failed Stopped? No success yet") {
		t.Errorf("mail.send's outcome: %q", got)
	}
	if got := text(failing.Find("td.last-error code")); got != "mail: cannot send through smtp://mail.example:587: connection refused" {
		t.Errorf("mail.send's last error: %q", got)
	}

	// In Estonian, descriptions and outcomes included.
	et := *admin
	et.Lang = "et"
	status, body = get(t, serve(t, h, &et), "/admin/jobs")
	if status != http.StatusOK || !strings.Contains(body, "Eemaldab lõppenud seansid.") || !strings.Contains(body, "Korras") || !strings.Contains(body, "Seiskunud?") {
		t.Errorf("the page in Estonian (%d):\n%s", status, body)
	}
}

func TestJobsPageIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	h := job.HandlerOptions{DB: db, Jobs: []job.Job{{Name: "sessions.cleanup", About: "Removes ended sessions.", Every: time.Hour}}}
	if status, body := get(t, serve(t, h, agent), "/admin/jobs"); status != http.StatusForbidden || strings.Contains(body, "sessions.cleanup") {
		t.Errorf("an agent got %d:\n%s", status, body)
	}
	if status, _ := get(t, serve(t, h, nil), "/admin/jobs"); status != http.StatusSeeOther {
		t.Errorf("nobody signed in got %d, want a redirect to sign in", status)
	}
}

// metricLine finds a sample of the text exposition format: name{labels} value.
func metricLine(body, series string) (float64, bool) {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

func TestMetricsCountTheJobsPasses(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	jobs := ranJobs(t, db, reg,
		job.Job{Name: "sessions.cleanup", Every: time.Hour, Run: func(context.Context) error { return nil }},
		job.Job{Name: "mail.send", Every: time.Hour, Run: func(context.Context) error { return errors.New("down") }},
	)
	srv := serve(t, job.HandlerOptions{DB: db, Jobs: jobs, Metrics: reg}, nil)

	status, body := get(t, srv, "/metrics") // httptest listens on loopback
	if status != http.StatusOK {
		t.Fatalf("/metrics from loopback: %d\n%s", status, body)
	}
	for series, want := range map[string]float64{
		`tugi_job_runs_total{job="sessions.cleanup",outcome="ok"}`:    1,
		`tugi_job_runs_total{job="sessions.cleanup",outcome="error"}`: 0,
		`tugi_job_runs_total{job="mail.send",outcome="error"}`:        1,
		`tugi_job_runs_total{job="mail.send",outcome="ok"}`:           0,
		`tugi_job_last_success_timestamp_seconds{job="mail.send"}`:    0,
	} {
		if got, ok := metricLine(body, series); !ok || got != want {
			t.Errorf("%s = %v (found %v), want %v", series, got, ok, want)
		}
	}
	if got, ok := metricLine(body, `tugi_job_last_success_timestamp_seconds{job="sessions.cleanup"}`); !ok || got < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("the cleanup's last success: %v (found %v)", got, ok)
	}
	for _, series := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := metricLine(body, series); !ok {
			t.Errorf("no %s", series)
		}
	}

	// Relayed by a proxy on this machine: the public's request, refused.
	if status, body := get(t, srv, "/metrics", "X-Forwarded-For", "203.0.113.7"); status != http.StatusForbidden || strings.Contains(body, "tugi_job") {
		t.Errorf("/metrics through a proxy: %d\n%s", status, body)
	}
}

func TestMetricsWithATokenAskForIt(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := prometheus.NewRegistry()
	jobs := ranJobs(t, db, reg, job.Job{Name: "sessions.cleanup", Every: time.Hour, Run: func(context.Context) error { return nil }})
	const token = "s3cret-scraper-token"
	srv := serve(t, job.HandlerOptions{DB: db, Jobs: jobs, Metrics: reg, MetricsToken: token}, nil)
	for _, auth := range []string{"", "Bearer wrong-token-of-some-length", "Basic " + token, "Bearer " + token + "x"} {
		status, body := get(t, srv, "/metrics", "Authorization", auth)
		if status != http.StatusUnauthorized || strings.Contains(body, "tugi_job") {
			t.Errorf("Authorization %q: %d\n%s", auth, status, body)
		}
	}
	status, body := get(t, srv, "/metrics", "Authorization", "Bearer "+token, "X-Forwarded-For", "203.0.113.7")
	if status != http.StatusOK || !strings.Contains(body, `tugi_job_runs_total{job="sessions.cleanup",outcome="ok"} 1`) {
		t.Errorf("with the token, through a proxy: %d\n%s", status, body)
	}
}
