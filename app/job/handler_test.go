package job_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/job"
)

// ranJobs runs jobs on db until each has a recorded pass.
func ranJobs(t *testing.T, db *sqlx.DB, reg prometheus.Registerer, jobs ...job.Job) {
	t.Helper()
	stop := start(t, db, reg, jobs...)
	for _, j := range jobs {
		waitFor(t, db, j.Name, "run", func(s status) bool { return s.Outcome != nil })
	}
	stop()
}

func TestJobsPageShowsEachJobAndHowItWent(t *testing.T) {
	t.Parallel()
	jobs := []job.Job{
		{Name: "sessions.cleanup", About: "Removes ended sessions.", Every: time.Hour, Run: func(context.Context) error { return nil }},
		{Name: "mail.send", About: "Sends the queued e-mail: notices of tickets and SLA warnings.", Every: 3 * time.Second,
			Run: func(context.Context) error {
				return errors.New("mail: cannot send through smtp://mail.example:587: connection refused")
			}},
	}
	app := apptest.NewWith(t, apptest.Options{Jobs: jobs})
	ranJobs(t, app.DB, nil, jobs...)
	// mail.send has failed since it was first known, over three of its intervals ago.
	if _, err := app.DB.Exec(`UPDATE job_runs SET first_seen_at = now() - interval '10 seconds' WHERE name = 'mail.send'`); err != nil {
		t.Fatal(err)
	}

	c := app.SignIn(t, "admin@tugi.example")
	doc := c.Get(t, "/admin/jobs", http.StatusOK).Doc
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
	c.Post(t, "/account/language", url.Values{"language": {"et"}}, http.StatusSeeOther)
	if body := c.Get(t, "/admin/jobs", http.StatusOK).Body; !strings.Contains(body, "Eemaldab lõppenud seansid.") || !strings.Contains(body, "Korras") || !strings.Contains(body, "Seiskunud?") {
		t.Errorf("the page in Estonian:\n%s", body)
	}
}

func TestJobsPageIsForAdminsOnly(t *testing.T) {
	t.Parallel()
	app := apptest.NewWith(t, apptest.Options{Jobs: []job.Job{{Name: "sessions.cleanup", About: "Removes ended sessions.", Every: time.Hour}}})
	if body := app.SignIn(t, "agent@tugi.example").Get(t, "/admin/jobs", http.StatusForbidden).Body; strings.Contains(body, "sessions.cleanup") {
		t.Errorf("an agent was shown the jobs:\n%s", body)
	}
	app.Client(t).Get(t, "/admin/jobs", http.StatusSeeOther)
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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	jobs := []job.Job{
		{Name: "sessions.cleanup", Every: time.Hour, Run: func(context.Context) error { return nil }},
		{Name: "mail.send", Every: time.Hour, Run: func(context.Context) error { return errors.New("down") }},
	}
	app := apptest.NewWith(t, apptest.Options{Jobs: jobs, Metrics: reg})
	ranJobs(t, app.DB, reg, jobs...)
	c := app.Client(t)

	body := c.Get(t, "/metrics", http.StatusOK).Body // the test server listens on loopback
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
	if body := c.Get(t, "/metrics", http.StatusForbidden, "X-Forwarded-For", "203.0.113.7").Body; strings.Contains(body, "tugi_job") {
		t.Errorf("/metrics through a proxy:\n%s", body)
	}
}

func TestMetricsWithATokenAskForIt(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	jobs := []job.Job{{Name: "sessions.cleanup", Every: time.Hour, Run: func(context.Context) error { return nil }}}
	const token = "s3cret-scraper-token"
	app := apptest.NewWith(t, apptest.Options{Jobs: jobs, Metrics: reg, Configure: func(c *config.Config) { c.MetricsToken = token }})
	ranJobs(t, app.DB, reg, jobs...)
	c := app.Client(t)
	for _, auth := range []string{"", "Bearer wrong-token-of-some-length", "Basic " + token, "Bearer " + token + "x"} {
		if body := c.Get(t, "/metrics", http.StatusUnauthorized, "Authorization", auth).Body; strings.Contains(body, "tugi_job") {
			t.Errorf("Authorization %q:\n%s", auth, body)
		}
	}
	if body := c.Get(t, "/metrics", http.StatusOK, "Authorization", "Bearer "+token, "X-Forwarded-For", "203.0.113.7").Body; !strings.Contains(body, `tugi_job_runs_total{job="sessions.cleanup",outcome="ok"} 1`) {
		t.Errorf("with the token, through a proxy:\n%s", body)
	}
}
