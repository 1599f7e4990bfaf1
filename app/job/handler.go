package job

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tugi/app/audit"
	"tugi/app/web"
)

// tplJobs is the template of the jobs page.
const tplJobs = "admin/jobs"

// lateAfter is how many of its intervals a job may go without a successful pass before
// the jobs page asks whether it has stopped.
const lateAfter = 3

// HandlerOptions are what the jobs page and /metrics are served from.
type HandlerOptions struct {
	DB       *sqlx.DB
	Jobs     []Job // those given to the runner, in the order the page lists them
	Renderer *web.Renderer
	// Metrics is the registry /metrics serves: the runner's metrics and the Go and process
	// collectors, registered in main. An empty registry when nil.
	Metrics prometheus.Gatherer
	// MetricsToken (TUGI_METRICS_TOKEN), when set, is the bearer token /metrics asks for;
	// when empty, /metrics answers only requests made on this machine (see metricsAllowed).
	MetricsToken string
	// Now tells the time; time.Now when nil.
	Now func() time.Time
}

// Handler serves the admin's jobs page and /metrics.
type Handler struct {
	store   *Store
	jobs    []Job
	render  *web.Renderer
	metrics http.Handler
	token   string
	now     func() time.Time
}

// NewHandler returns the jobs page's and /metrics's handler.
func NewHandler(o HandlerOptions) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil { // nothing registered: /metrics is empty
		o.Metrics = prometheus.NewRegistry()
	}
	return &Handler{store: NewStore(o.DB), jobs: o.Jobs, render: o.Renderer,
		metrics: promhttp.HandlerFor(o.Metrics, promhttp.HandlerOpts{}), token: o.MetricsToken, now: o.Now}
}

// JobsPage is the data of the jobs page.
type JobsPage struct {
	Jobs []JobRow
	Zone string // the zone the times are shown in
}

// JobRow is a job as the jobs page shows it.
type JobRow struct {
	Name      string
	About     string // English; the template translates it
	Every     string
	Started   *time.Time
	Took      string
	Outcome   Outcome // empty before the first pass
	Process   string
	LastOK    *time.Time
	LastError string
	ErrorAt   *time.Time
	// Late: no successful pass for more than lateAfter intervals (since the job was
	// first known, when it never had one).
	Late bool
}

// Jobs shows each job: what it does, how often, and how its latest pass went.
func (h *Handler) Jobs(c echo.Context) error {
	statuses, err := h.store.Statuses(c.Request().Context())
	if err != nil {
		return err
	}
	zone, now := audit.Zone(), h.now()
	in := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		local := t.In(zone)
		return &local
	}
	data := JobsPage{Zone: zone.String()}
	for _, j := range h.jobs {
		row := JobRow{Name: j.Name, About: j.About, Every: span(j.Every)}
		if s, ok := statuses[j.Name]; ok {
			row.Started, row.LastOK, row.ErrorAt = in(s.StartedAt), in(s.LastOKAt), in(s.LastErrorAt)
			row.Process, row.LastError = s.Process, s.LastError
			if s.Outcome != nil {
				row.Outcome = *s.Outcome
			}
			if s.StartedAt != nil && row.Outcome != Skipped {
				row.Took = span(time.Duration(s.DurationSeconds * float64(time.Second)))
			}
			since := s.FirstSeenAt
			if s.LastOKAt != nil {
				since = *s.LastOKAt
			}
			row.Late = now.Sub(since) > lateAfter*j.Every
		}
		data.Jobs = append(data.Jobs, row)
	}
	p := h.render.NewPage(c, "Jobs")
	p.Data = data
	return c.Render(http.StatusOK, tplJobs, p)
}

// span writes d briefly: 42 ms, 1.5 s, 20 s, 10 min, 1 h 30 min, 24 h.
func span(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < 10*time.Second && d%time.Second != 0:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		d = d.Round(time.Second)
		if s := d % time.Minute; s != 0 {
			return fmt.Sprintf("%d min %d s", d/time.Minute, s/time.Second)
		}
		return fmt.Sprintf("%d min", d/time.Minute)
	default:
		d = d.Round(time.Minute)
		if m := d % time.Hour; m != 0 {
			return fmt.Sprintf("%d h %d min", d/time.Hour, m/time.Minute)
		}
		return fmt.Sprintf("%d h", d/time.Hour)
	}
}

// Metrics serves the metrics registry in Prometheus's text format. Who may read it: its
// figures (job names and their counts, the Go runtime's and the process's memory, CPU and
// open files) give an attacker little, but they say how the server is doing and what it
// did when, which is no business of the public listener's. So:
//   - with TUGI_METRICS_TOKEN set, every request must carry Authorization: Bearer <token>
//     (compared in constant time), wherever it comes from: a scraper elsewhere is given
//     a secret, and a proxy on this machine cannot open the door by accident;
//   - without it, only a request made on this machine is answered: one whose connection
//     comes from a loopback address and that no proxy relayed. A reverse proxy on the same
//     machine connects from loopback too, on the public's behalf, and says so with
//     X-Forwarded-For, Forwarded or X-Real-IP; such requests are refused. The connection's
//     own address is read, never the client address echo derives from X-Forwarded-For.
func (h *Handler) Metrics(c echo.Context) error {
	switch {
	case h.token != "" && !h.bearerMatches(c.Request()):
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="tugi metrics"`)
		return c.String(http.StatusUnauthorized, "metrics: send Authorization: Bearer <TUGI_METRICS_TOKEN>\n")
	case h.token == "" && !direct(c.Request()):
		return c.String(http.StatusForbidden, "metrics: only on this machine while TUGI_METRICS_TOKEN is unset\n")
	}
	h.metrics.ServeHTTP(c.Response(), c.Request())
	return nil
}

// bearerMatches reports whether r carries the metrics token.
func (h *Handler) bearerMatches(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.token)) == 1
}

// direct reports whether r came from this machine, not through a proxy.
func direct(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
