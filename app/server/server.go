// Package server wires Tugi's HTTP server: the middleware, and the route table in which
// every route declares who may use it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
	"tugi/app/backup"
	"tugi/app/blob"
	"tugi/app/contact"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"tugi/app/access"
	"tugi/app/audit/auditpage"
	"tugi/app/auth"
	"tugi/app/chat"
	"tugi/app/config"
	"tugi/app/database"
	"tugi/app/home"
	"tugi/app/inbound"
	"tugi/app/incident"
	"tugi/app/job"
	"tugi/app/live"
	"tugi/app/privacy"
	"tugi/app/report"
	"tugi/app/retention"
	"tugi/app/route"
	"tugi/app/routing"
	"tugi/app/sla"
	"tugi/app/subprocessor"
	"tugi/app/ticket"
	"tugi/app/user"
	"tugi/app/web"
	"tugi/static"
	"tugi/views"
)

// Options are what the server is built from.
type Options struct {
	DB       *sqlx.DB
	Config   *config.Config
	Log      *slog.Logger
	Throttle auth.Throttle
	Support  web.Support
	Now      func() time.Time    // the clock of ticket SLAs; time.Now when nil (tests set it)
	TOTPNow  func() time.Time    // the clock TOTP codes are checked by; time.Now when nil
	Jobs     []job.Job           // the background jobs the runner runs, for their page
	Metrics  prometheus.Gatherer // what /metrics serves; nothing when nil
	Live     *live.Hub           // the live layer of this process (app/live); required
	Backups  *backup.Service     // whose log the backups page shows; one that makes none when nil
	// FactorKey seals second factors (TUGI_FACTOR_KEY, auth.LoadFactorKeyFile); required.
	FactorKey *auth.FactorKey
}

// Server is Tugi's HTTP handler and the parts main needs to run beside it.
type Server struct {
	Echo     *echo.Echo
	Sessions *auth.SessionStore
	Renderer *web.Renderer
	Routes   []route.Route // the route table, in the order it was added
	Live     *live.Hub     // the live layer's hub, whose streams Drain ends
	// Inbound takes e-mail into Tugi: main starts its SMTP receiver and IMAP reader.
	Inbound *inbound.Service

	chains   map[route.Kind][]echo.MiddlewareFunc // what a route of each kind runs through
	routed   map[string]map[string]bool           // path, method: in the table
	draining atomic.Bool                          // set by Drain: /readyz says no
}

// ReadyWait is how long /readyz waits for the database to answer before it answers 503.
const ReadyWait = 1500 * time.Millisecond

// Drain makes /readyz answer 503 from now on, while every other route goes on serving:
// at shutdown, a load balancer then moves traffic away before the listener closes. It
// ends every live stream (their clients reconnect, to another process once the load
// balancer has moved them), as a stream never ends by itself.
func (s *Server) Drain() {
	s.draining.Store(true)
	s.Live.Close()
}

// Nav is the main navigation; each entry shows only to those its rule allows. The admin's
// pages fold under "Admin", so an admin's navigation fits one row on a laptop.
var Nav = []web.NavItem{
	{Label: "Home", Path: "/", Rule: access.SignedIn},
	{Label: "Tickets", Path: "/tickets", Rule: access.AnyOf(access.Customer)},
	{Label: "Notices", Path: "/notices", Rule: access.AnyOf(access.Customer)},
	{Label: "Chat", Path: "/chat", Rule: access.AnyOf(access.Customer)},
	{Label: "Queue", Path: "/queue", Rule: access.AnyOf(access.Agent, access.CISO)},
	{Label: "Chats", Path: "/queue/chats", Rule: access.AnyOf(access.Agent)},
	{Label: "E-mail", Path: "/queue/mail", Rule: access.AnyOf(access.Agent, access.CISO)},
	{Label: "Reports", Path: "/reports", Rule: report.Readers},
	{Label: "Incidents", Path: "/incidents", Rule: access.AnyOf(access.Employee, access.Agent, access.CISO, access.Admin)},
	{Label: "Users", Path: "/admin/users", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Organisations", Path: "/admin/organisations", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Mail domains", Path: "/admin/mail-domains", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Service levels", Path: "/admin/sla", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Calendar", Path: "/admin/calendar", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Routing", Path: "/admin/routing", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Teams", Path: "/admin/teams", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Incident deadlines", Path: "/admin/incidents", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Jobs", Path: "/admin/jobs", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Sign-in policy", Path: "/admin/sign-in", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Backups", Path: "/admin/backups", Rule: access.AnyOf(access.Admin, access.CISO), Group: "Admin"},
	{Label: "Sub-processors", Path: "/admin/subprocessors", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Support contact", Path: "/admin/contact", Rule: access.AnyOf(access.Admin), Group: "Admin"},
	{Label: "Retention", Path: "/admin/retention", Rule: access.AnyOf(access.Admin, access.CISO), Group: "Admin"},
	{Label: "Audit log", Path: "/audit", Rule: access.AnyOf(access.CISO, access.Admin)},
	{Label: "Account", Path: "/account", Rule: access.SignedIn},
}

// New builds the server: the middleware every request passes, the middleware of each
// kind of route, and the route table joined from the features' routes. Templates are
// parsed here, so a broken one fails start-up.
func New(o Options) (*Server, error) {
	cfg := o.Config
	assets, err := web.NewStatic(static.FS)
	if err != nil {
		return nil, err
	}
	calendars := sla.NewCalendars(o.DB)
	support := o.Support
	support.Hours = calendars.Hours
	contacts := contact.NewBook(o.DB, web.Contact{Phone: o.Support.Phone, Email: o.Support.Email}, o.Now)
	support.Contact = contacts.Current
	support.Zone = calendars.Location
	renderer, err := web.NewRenderer(views.FS, assets, Nav, support)
	if err != nil {
		return nil, err
	}
	keyCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	key, err := auth.CookieKey(keyCtx, o.DB)
	cancel()
	if err != nil {
		return nil, err
	}
	flashes := web.NewFlashes(key, cfg.Secure())
	validate := web.NewValidator()
	sessions := auth.NewSessionStore(o.DB, cfg.Secure(), cfg.SessionIdle, cfg.SessionMax)
	idcard := auth.IDCard{Roots: cfg.IDCardRoots, OCSPURL: cfg.IDCardOCSPURL, OCSPTimeout: 5 * time.Second, TrustedProxies: cfg.TrustedProxies}
	authH, err := auth.NewHandler(auth.Options{DB: o.DB, Sessions: sessions, Renderer: renderer, Validator: validate, Throttle: o.Throttle,
		IDCard: idcard, IDCardURL: cfg.IDCardURL(), FactorKey: o.FactorKey, PublicURL: cfg.PublicURL, Now: o.TOTPNow, Log: o.Log})
	if err != nil {
		return nil, err
	}
	actions, err := AuditActions()
	if err != nil {
		return nil, err
	}
	attachments := ticket.AttachmentLimits{MaxSize: cfg.AttachmentMaxSize, MaxFiles: cfg.AttachmentMaxFiles, OrgQuota: cfg.OrgStorageQuota}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer
	e.HTTPErrorHandler = web.ErrorHandler(renderer, o.Log)
	e.IPExtractor = ipExtractor(cfg)
	// What every request passes, whatever its route (a path no route serves too).
	e.Use(
		web.AssignRequestID(),
		web.RequestLog(o.Log, "/healthz", "/readyz"),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Log.Error("panic", "request_id", web.RequestID(c), "error", err, "stack", string(stack))
			return err
		}}),
		web.SecurityHeaders(cfg.Secure()),
	)

	compress, err := web.Compress()
	if err != nil {
		return nil, err
	}
	// The CSRF check needs the session its token is bound to, so it runs after LoadSession
	// (which only reads); nothing that acts on the request runs before it.
	csrf := web.CSRF(web.CSRFOptions{Key: key, Secure: cfg.Secure(), MaxAge: cfg.SessionMax})
	// Forms that carry files may be as large as their files allow; every other request
	// 2 MB (a page's or a form's is read whole, within that, by ReadBody, before its turn;
	// the limit stays for the kinds that do not read theirs first). Both act before the
	// CSRF check, the first reader of a form.
	small := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "2M"})
	large := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.FormatInt(attachments.MaxRequest(), 10)})
	// Requests take turns at the CPUs (one queue for the whole process), but not those
	// that may spend their turn waiting on the network: files going out, streams, and the
	// infrastructure's own. A request takes its turn only once its body is here: a page's
	// or a form's read within seconds (a client slower than that gets 408), a form's files
	// into temporary files, past a little memory. Forms carrying files then take turns of
	// their own, few, as checking and storing a file holds it in memory.
	admit := web.Admit(cfg.ActiveRequests)
	readSmall := web.ReadBody(2<<20, smallBodyWithin)
	admitUpload := web.Admit(cfg.ActiveUploads)
	person := func(body ...echo.MiddlewareFunc) []echo.MiddlewareFunc {
		return slices.Concat([]echo.MiddlewareFunc{flashes.Middleware(), web.KeepURLOnFailedSubmit()}, body,
			[]echo.MiddlewareFunc{authH.LoadSession, csrf})
	}
	if o.Live == nil {
		return nil, errors.New("server: no live hub (Options.Live)")
	}
	s := &Server{Echo: e, Sessions: sessions, Renderer: renderer, Live: o.Live, chains: map[route.Kind][]echo.MiddlewareFunc{
		route.Page:     slices.Concat([]echo.MiddlewareFunc{deadlines(route.Page), readSmall, admit, compress}, person(small)),
		route.Form:     slices.Concat([]echo.MiddlewareFunc{deadlines(route.Form), readSmall, admit, compress}, person(small)),
		route.Upload:   slices.Concat([]echo.MiddlewareFunc{deadlines(route.Upload), compress}, person(large, web.ReadMultipart(uploadMemory), admitUpload)),
		route.Download: slices.Concat([]echo.MiddlewareFunc{deadlines(route.Download)}, person(small)),
		route.Stream:   slices.Concat([]echo.MiddlewareFunc{deadlines(route.Stream)}, person(small)),
		// No compression: /healthz and /readyz answer a few bytes, and the static files
		// are compressed once at start-up (web.Static); /metrics compresses its own.
		route.Infra: {deadlines(route.Infra), small},
	}}
	s.routed = map[string]map[string]bool{}
	e.Use(s.unrouted)

	readiness := database.NewReadiness(o.DB, ReadyWait)
	ready := func(c echo.Context) error {
		if s.draining.Load() {
			return c.String(http.StatusServiceUnavailable, "shutting down\n")
		}
		if err := readiness.Check(c.Request().Context()); err != nil {
			o.Log.Warn("not ready: database unreachable", "error", err)
			return c.String(http.StatusServiceUnavailable, "database unreachable\n")
		}
		return c.String(http.StatusOK, "ready\n")
	}
	s.Add(
		route.Route{Method: http.MethodGet, Path: "/healthz", Kind: route.Infra, Rule: access.Public,
			Handler: func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") }},
		route.Route{Method: http.MethodGet, Path: "/readyz", Kind: route.Infra, Rule: access.Public, Handler: ready},
		route.Route{Method: http.MethodGet, Path: "/static/*", Kind: route.Infra, Rule: access.Public, Handler: assets.Handler},
	)
	s.Add(authH.Routes()...)
	tickets := ticket.NewService(ticket.Options{DB: o.DB, Calendars: calendars, Now: o.Now, PublicURL: cfg.PublicURL.String(), Attachments: attachments})
	chats := chat.NewService(chat.Options{DB: o.DB, Tickets: tickets, Calendars: calendars, Now: o.Now, Attachments: attachments, PublicURL: cfg.PublicURL.String()})
	s.Add(home.NewHandler(o.DB, calendars, chats, renderer).Routes()...)
	incidents := incident.NewService(incident.Options{DB: o.DB, PublicURL: cfg.PublicURL.String(), Now: o.Now,
		Files: ticket.AttachmentLimits{MaxSize: cfg.AttachmentMaxSize, MaxFiles: cfg.AttachmentMaxFiles}})
	s.Inbound = inbound.NewService(inbound.Options{DB: o.DB, Tickets: tickets, Incidents: inbound.Incidents(o.DB, incidents),
		PasswordLinks: auth.PasswordLinks{PublicURL: cfg.PublicURL.String()}, MailDomain: cfg.Mail.Domain, Log: o.Log})
	s.Add(ticket.NewHandler(tickets, actions, renderer, validate).WithLive(o.Live).WithIncidents(incidents).WithBounces(s.Inbound).Routes()...)
	s.Add(chat.NewHandler(chats, o.DB, o.Live, renderer, validate).Routes()...)
	incidentPages := incident.NewHandler(incidents, renderer, validate)
	s.Add(incidentPages.Routes()...)
	s.Add(incidentPages.DeadlineRoutes()...)
	s.Add(inbound.NewHandler(s.Inbound, renderer).Routes()...)
	s.Add(auditpage.NewHandler(o.DB, user.NewAuditDirectory(o.DB), actions, renderer).WithLinks(s.auditLinks(o.DB)).Routes()...)
	s.Add(user.NewAdmin(o.DB, user.NewService(o.DB, sessions), actions, renderer, validate).WithOrgExportRight(privacy.HasOrgExportRight).WithOrganisationSources(s.orgSources(o.DB)).Routes()...)
	s.Add(sla.NewAdmin(o.DB, calendars, renderer, validate).Routes()...)
	s.Add(contact.NewHandler(contacts, renderer, validate).Routes()...)
	s.Add(routing.NewAdmin(routing.Options{DB: o.DB, Tickets: tickets, Renderer: renderer, Validator: validate}).Routes()...)
	s.Add(job.NewHandler(job.HandlerOptions{DB: o.DB, Jobs: o.Jobs, Renderer: renderer, Metrics: o.Metrics, MetricsToken: cfg.MetricsToken}).Routes()...)
	backups := o.Backups
	if backups == nil {
		backups = backup.New(backup.Options{DB: o.DB, Dir: cfg.Backup.Dir, Log: o.Log})
	}
	s.Add(backup.NewHandler(backups, renderer).Routes()...)
	s.Add(report.NewHandler(o.DB, calendars, renderer, o.Now).Routes()...)
	s.Add(subprocessor.NewHandler(subprocessor.New(o.DB, o.Now, cfg.PublicURL.String()), renderer, validate).Routes()...)
	s.Add(retention.NewHandler(retention.New(retention.Options{DB: o.DB, Now: o.Now, Log: o.Log}), renderer, validate).Routes()...)
	s.Add(privacy.NewHandler(privacy.New(o.DB, retention.Holds{}, o.Now), privacy.NewExporter(o.DB, blob.Postgres{}, o.Now), renderer).Routes()...)
	return s, nil
}

// Add puts routes into the table and the router, each behind the middleware of its kind
// and the check of its rule and sign-in strength.
func (s *Server) Add(routes ...route.Route) {
	for _, r := range routes {
		chain, ok := s.chains[r.Kind]
		if !ok {
			panic(fmt.Sprintf("server: %s %s has no kind the server knows (%d)", r.Method, r.Path, r.Kind))
		}
		s.Routes = append(s.Routes, r)
		if s.routed[r.Path] == nil {
			s.routed[r.Path] = map[string]bool{}
		}
		s.routed[r.Path][r.Method] = true
		// Wrapped here, once: Echo would wrap a route's own middleware around its handler
		// again for every request, a closure for each of the ten or so (docs/performance.md).
		h := auth.Require(r.Rule, r.Strength)(r.Handler)
		for i := len(chain) - 1; i >= 0; i-- {
			h = chain[i](h)
		}
		s.Echo.Add(r.Method, r.Path, h)
	}
}

// unrouted answers a request no route of the table serves (a path unknown, or a method
// its path does not take) as a page: with the person's session, so the page that says
// "not found" or "not allowed" shows their navigation. The router has already matched
// the request by then (c.Path is the route it found), so the table says which it is.
func (s *Server) unrouted(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.routed[c.Path()][c.Request().Method] {
			return next(c)
		}
		h := next
		chain := s.chains[route.Page]
		for i := len(chain) - 1; i >= 0; i-- {
			h = chain[i](h)
		}
		return h(c)
	}
}

// smallBodyWithin is how long a page's or a form's body (2 MB at most) may take to
// arrive: ample for a person's browser on a slow line, short for a client that sends a
// byte at a time to hold the connection.
const smallBodyWithin = 10 * time.Second

// uploadMemory is how many bytes of a request's files are kept in memory while it
// arrives; the rest go to temporary files (os.TempDir, TMPDIR).
const uploadMemory = 256 << 10

// deadlines sets how long a request of kind k may take to arrive and its answer to leave,
// in place of the server's ReadTimeout and WriteTimeout: short for a page or a form, long
// for a file coming in or going out, none for a stream, which lasts as long as its reader
// stays.
func deadlines(k route.Kind) echo.MiddlewareFunc {
	var read, write time.Duration
	switch k {
	case route.Page, route.Form, route.Infra:
		read, write = 30*time.Second, time.Minute
	case route.Upload:
		// Long enough for a message's attachments (5 × 10 MiB by default) to arrive over
		// a line of about 2 Mbit/s, and the page after them to leave.
		read, write = 5*time.Minute, 6*time.Minute
	case route.Download:
		read, write = 30*time.Second, 5*time.Minute
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			rc := http.NewResponseController(c.Response())
			var r, w time.Time // zero: no deadline
			if read > 0 {
				now := time.Now()
				r, w = now.Add(read), now.Add(write)
			}
			// A connection that cannot take deadlines (a test's recorder) keeps the server's.
			_ = rc.SetReadDeadline(r)
			_ = rc.SetWriteDeadline(w)
			return next(c)
		}
	}
}

// ipExtractor finds the client's address: from X-Forwarded-For when the request comes
// through one of the trusted proxies, and from the connection otherwise.
func ipExtractor(cfg *config.Config) echo.IPExtractor {
	if len(cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
