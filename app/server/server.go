// Package server wires Tugi's HTTP server: the middleware, and the route table in which
// every route declares who may use it.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"tugi/app/access"
	"tugi/app/audit/auditpage"
	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/home"
	"tugi/app/routing"
	"tugi/app/sla"
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
	Now      func() time.Time // the clock of ticket SLAs; time.Now when nil (tests set it)
}

// Server is Tugi's HTTP handler and the parts main needs to run beside it.
type Server struct {
	Echo     *echo.Echo
	Sessions *auth.SessionStore
	Renderer *web.Renderer
	Routes   []Route
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string
	Rule    access.Rule
	Handler echo.HandlerFunc
}

// Nav is the main navigation; each entry shows only to those its rule allows.
var Nav = []web.NavItem{
	{Label: "Home", Path: "/", Rule: access.SignedIn},
	{Label: "Tickets", Path: "/tickets", Rule: access.AnyOf(access.Customer)},
	{Label: "Queue", Path: "/queue", Rule: access.AnyOf(access.Agent, access.CISO)},
	{Label: "Users", Path: "/admin/users", Rule: access.AnyOf(access.Admin)},
	{Label: "Organisations", Path: "/admin/organisations", Rule: access.AnyOf(access.Admin)},
	{Label: "Service levels", Path: "/admin/sla", Rule: access.AnyOf(access.Admin)},
	{Label: "Calendar", Path: "/admin/calendar", Rule: access.AnyOf(access.Admin)},
	{Label: "Routing", Path: "/admin/routing", Rule: access.AnyOf(access.Admin)},
	{Label: "Teams", Path: "/admin/teams", Rule: access.AnyOf(access.Admin)},
	{Label: "Audit log", Path: "/audit", Rule: access.AnyOf(access.CISO, access.Admin)},
	{Label: "Account", Path: "/account", Rule: access.SignedIn},
}

// New builds the server. Templates are parsed here, so a broken one fails start-up.
func New(o Options) (*Server, error) {
	cfg := o.Config
	assets, err := web.NewStatic(static.FS)
	if err != nil {
		return nil, err
	}
	renderer, err := web.NewRenderer(views.FS, assets, Nav, o.Support)
	if err != nil {
		return nil, err
	}
	key, err := cookieKey(o.DB)
	if err != nil {
		return nil, err
	}
	flashes := web.NewFlashes(key, cfg.Secure())
	validate := web.NewValidator()
	sessions := auth.NewSessionStore(o.DB, cfg.Secure(), cfg.SessionIdle, cfg.SessionMax)
	authH := auth.NewHandler(auth.Options{DB: o.DB, Sessions: sessions, Renderer: renderer, Validator: validate, Throttle: o.Throttle, Log: o.Log})
	actions, err := AuditActions()
	if err != nil {
		return nil, err
	}
	admin := user.NewAdmin(o.DB, user.NewService(o.DB, sessions), actions, renderer, validate)
	auditH := auditpage.NewHandler(o.DB, user.NewAuditDirectory(o.DB), actions, renderer)
	calendars := sla.NewCalendars(o.DB)
	homeH := home.NewHandler(o.DB, calendars, renderer)
	slaAdmin := sla.NewAdmin(o.DB, calendars, renderer, validate)
	attachments := ticket.AttachmentLimits{MaxSize: cfg.AttachmentMaxSize, MaxFiles: cfg.AttachmentMaxFiles}
	tickets := ticket.NewHandler(ticket.NewService(ticket.Options{DB: o.DB, Calendars: calendars, Now: o.Now, PublicURL: cfg.PublicURL.String(), Attachments: attachments}), actions, renderer, validate)
	routingH := routing.NewAdmin(o.DB, renderer, validate)
	customers := access.AnyOf(access.Customer)
	agents := access.AnyOf(access.Agent, access.CISO)
	ticketPeople := access.AnyOf(access.Customer, access.Agent, access.CISO) // the handler shows each their view

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Renderer = renderer
	e.HTTPErrorHandler = web.ErrorHandler(renderer, o.Log)
	e.IPExtractor = ipExtractor(cfg)

	skipInfra := func(c echo.Context) bool {
		p := c.Request().URL.Path
		return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz"
	}
	// Attachments are mostly compressed already (images, PDF, ZIP, office files): they
	// are sent as stored, with their length.
	download := func(c echo.Context) bool { return c.Path() == "/tickets/:id/attachments/:aid/:name" }
	compress, err := web.Compress(download)
	if err != nil {
		return nil, err
	}
	// Requests take turns at the CPUs, but not those that may spend their turn waiting on
	// the network: files coming in or going out (and the infrastructure's own).
	admit := web.Admit(cfg.ActiveRequests, func(c echo.Context) bool { return skipInfra(c) || download(c) || uploadForm(c) })
	e.Use(
		web.AssignRequestID(),
		web.RequestLog(o.Log),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Log.Error("panic", "request_id", web.RequestID(c), "error", err, "stack", string(stack))
			return err
		}}),
		admit,
		web.SecurityHeaders(cfg.Secure()),
		flashes.Middleware(),
		web.KeepURLOnFailedSubmit(),
		compress,
		// Forms that carry files may be as large as their files allow; every other request
		// 2 MB. Both limits act before CSRF, the first reader of a form.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "2M", Skipper: uploadForm}),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.FormatInt(attachments.MaxRequest(), 10),
			Skipper: func(c echo.Context) bool { return !uploadForm(c) }}),
		middleware.CSRFWithConfig(middleware.CSRFConfig{
			Skipper:        skipInfra,
			TokenLookup:    "header:X-CSRF-Token,form:" + web.CSRFField,
			ContextKey:     web.CSRFKey,
			CookieName:     web.CSRFCookie,
			CookiePath:     "/",
			CookieHTTPOnly: true,
			CookieSecure:   cfg.Secure(),
			CookieSameSite: http.SameSiteLaxMode,
			CookieMaxAge:   int(cfg.SessionMax.Seconds()),
			ErrorHandler:   web.CSRFError,

			AllowSecFetchSiteFunc: web.CSRFSecFetchSite,
		}),
		func(next echo.HandlerFunc) echo.HandlerFunc {
			withSession := authH.LoadSession(next)
			return func(c echo.Context) error {
				if skipInfra(c) {
					return next(c)
				}
				return withSession(c)
			}
		},
	)

	ready := func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := o.DB.PingContext(ctx); err != nil {
			o.Log.Warn("not ready: database unreachable", "error", err)
			return c.String(http.StatusServiceUnavailable, "database unreachable\n")
		}
		return c.String(http.StatusOK, "ready\n")
	}

	s := &Server{Echo: e, Sessions: sessions, Renderer: renderer}
	// The route table: every route and who may use it, in one place.
	s.Routes = []Route{
		{http.MethodGet, "/healthz", access.Public, func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") }},
		{http.MethodGet, "/readyz", access.Public, ready},
		{http.MethodGet, "/static/*", access.Public, assets.Handler},

		{http.MethodGet, "/login", access.Public, authH.LoginPage},
		{http.MethodPost, "/login", access.Public, authH.Login},
		{http.MethodPost, "/logout", access.SignedIn, authH.Logout},
		{http.MethodGet, "/", access.SignedIn, homeH.Home},

		// Tickets: customers their organisation's (others' are not found), agents and the CISO all.
		{http.MethodGet, "/tickets", customers, tickets.List},
		{http.MethodGet, "/tickets/new", customers, tickets.New},
		{http.MethodPost, "/tickets", customers, tickets.Create},
		{http.MethodGet, "/tickets/search", ticketPeople, tickets.Search},
		{http.MethodGet, "/tickets/:id", ticketPeople, tickets.Show},
		{http.MethodPost, "/tickets/:id/reply", ticketPeople, tickets.Reply},
		{http.MethodPost, "/tickets/:id/close", customers, tickets.Close},
		{http.MethodPost, "/tickets/:id/reopen", customers, tickets.Reopen},
		{http.MethodPost, "/tickets/:id/note", agents, tickets.Note},
		{http.MethodPost, "/tickets/:id/fields", agents, tickets.SetFields},
		{http.MethodPost, "/tickets/:id/take", agents, tickets.Take},
		{http.MethodGet, "/tickets/:id/attachments/:aid/:name", ticketPeople, tickets.Download},
		{http.MethodPost, "/tickets/:id/call", agents, tickets.LogCall},
		{http.MethodPost, "/tickets/:id/links", agents, tickets.Link},
		{http.MethodPost, "/tickets/:id/links/:link/delete", agents, tickets.Unlink},
		{http.MethodGet, "/tickets/:id/canned", agents, tickets.InsertCanned},
		{http.MethodGet, "/queue/phone", agents, tickets.Phone},
		{http.MethodPost, "/queue/phone", agents, tickets.CreatePhone},
		{http.MethodGet, "/queue/canned", agents, tickets.CannedReplies},
		{http.MethodPost, "/queue/canned", agents, tickets.CreateCanned},
		{http.MethodPost, "/queue/canned/:canned", agents, tickets.UpdateCanned},
		{http.MethodPost, "/queue/canned/:canned/delete", agents, tickets.DeleteCanned},
		{http.MethodGet, "/queue", agents, tickets.Queue},
		{http.MethodGet, "/queue/table", agents, tickets.QueueTable},
		{http.MethodGet, "/queue/organisations", agents, tickets.OrganisationOptions},

		{http.MethodGet, "/audit", access.AnyOf(access.CISO, access.Admin), auditH.Audit},
		{http.MethodGet, "/audit/export.csv", access.AnyOf(access.CISO, access.Admin), auditH.Export},
		{http.MethodGet, "/audit/organisations", access.AnyOf(access.CISO, access.Admin), auditH.OrganisationOptions},

		{http.MethodGet, "/account", access.SignedIn, authH.Account},
		{http.MethodPost, "/account/password", access.SignedIn, authH.ChangePassword},
		{http.MethodPost, "/account/language", access.SignedIn, authH.SetLanguage},
		{http.MethodPost, "/account/sessions/:id/revoke", access.SignedIn, authH.RevokeSession},

		{http.MethodGet, "/admin/users", access.AnyOf(access.Admin), admin.Users},
		{http.MethodGet, "/admin/users/new", access.AnyOf(access.Admin), admin.NewUser},
		{http.MethodPost, "/admin/users", access.AnyOf(access.Admin), admin.CreateUser},
		{http.MethodGet, "/admin/users/:id", access.AnyOf(access.Admin), admin.User},
		{http.MethodPost, "/admin/users/:id/roles", access.AnyOf(access.Admin), admin.SetRoles},
		{http.MethodPost, "/admin/users/:id/deactivate", access.AnyOf(access.Admin), admin.Deactivate},
		{http.MethodPost, "/admin/users/:id/activate", access.AnyOf(access.Admin), admin.Activate},
		{http.MethodGet, "/admin/organisations", access.AnyOf(access.Admin), admin.Organisations},
		{http.MethodGet, "/admin/organisations/names", access.AnyOf(access.Admin), admin.OrganisationOptions},
		{http.MethodPost, "/admin/organisations", access.AnyOf(access.Admin), admin.CreateOrganisation},
		{http.MethodGet, "/admin/sla", access.AnyOf(access.Admin), slaAdmin.Policies},
		{http.MethodPost, "/admin/sla", access.AnyOf(access.Admin), slaAdmin.SavePolicies},
		{http.MethodGet, "/admin/calendar", access.AnyOf(access.Admin), slaAdmin.Calendar},
		{http.MethodPost, "/admin/calendar/hours", access.AnyOf(access.Admin), slaAdmin.SaveHours},
		{http.MethodPost, "/admin/calendar/exceptions", access.AnyOf(access.Admin), slaAdmin.AddException},
		{http.MethodPost, "/admin/calendar/exceptions/remove", access.AnyOf(access.Admin), slaAdmin.RemoveException},

		// Routing rules and teams (admins); availability and hand-back (each agent their own).
		{http.MethodGet, "/admin/routing", access.AnyOf(access.Admin), routingH.Rules},
		{http.MethodPost, "/admin/routing", access.AnyOf(access.Admin), routingH.CreateRule},
		{http.MethodGet, "/admin/routing/organisations", access.AnyOf(access.Admin), routingH.OrganisationOptions},
		{http.MethodGet, "/admin/routing/:id", access.AnyOf(access.Admin), routingH.Rule},
		{http.MethodPost, "/admin/routing/:id", access.AnyOf(access.Admin), routingH.UpdateRule},
		{http.MethodPost, "/admin/routing/:id/move", access.AnyOf(access.Admin), routingH.MoveRule},
		{http.MethodPost, "/admin/routing/:id/delete", access.AnyOf(access.Admin), routingH.DeleteRule},
		{http.MethodGet, "/admin/teams", access.AnyOf(access.Admin), routingH.Teams},
		{http.MethodPost, "/admin/teams/:id/members", access.AnyOf(access.Admin), routingH.AddMember},
		{http.MethodPost, "/admin/teams/:id/members/remove", access.AnyOf(access.Admin), routingH.RemoveMember},
		{http.MethodPost, "/admin/teams/:id/cap", access.AnyOf(access.Admin), routingH.SetCap},
		{http.MethodPost, "/availability", access.AnyOf(access.Agent), routingH.SetAvailability},
		{http.MethodGet, "/hand-back", access.AnyOf(access.Agent), routingH.HandBackForm},
		{http.MethodPost, "/hand-back", access.AnyOf(access.Agent), routingH.HandBack},
	}
	for _, r := range s.Routes {
		e.Add(r.Method, r.Path, r.Handler, auth.Require(r.Rule))
	}
	return s, nil
}

// cookieKeySetting is the settings row that holds the key Tugi signs its cookies with.
const cookieKeySetting = "cookie_signing_key"

// cookieKey returns the key Tugi signs its cookies with (the flash messages'): 32 random
// bytes, made by the first process to start on the database and kept in the settings, so
// that every process on it shares the key and a cookie one signs, another accepts.
func cookieKey(db *sqlx.DB) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh) // crypto/rand.Read does not fail on Linux
	// JSON, so a string: the column is jsonb.
	if _, err := db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, to_jsonb($2::text)) ON CONFLICT (key) DO NOTHING`,
		cookieKeySetting, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("server: store the cookie key: %w", err)
	}
	var stored string
	if err := db.GetContext(ctx, &stored, `SELECT value #>> '{}' FROM settings WHERE key = $1`, cookieKeySetting); err != nil {
		return nil, fmt.Errorf("server: read the cookie key: %w", err)
	}
	key, err := hex.DecodeString(stored)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("server: the settings row %s is not a key of 32 bytes or more in hex", cookieKeySetting)
	}
	return key, nil
}

// uploadForm reports whether the request posts a form that may carry files.
func uploadForm(c echo.Context) bool {
	if c.Request().Method != http.MethodPost {
		return false
	}
	switch c.Path() {
	case "/tickets", "/tickets/:id/reply", "/tickets/:id/note":
		return true
	}
	return false
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
