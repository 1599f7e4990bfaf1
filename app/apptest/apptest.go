// Package apptest runs Tugi's real router, on a fresh database with the demo data, for
// handler and browser tests: requests go through every middleware over real HTTP, and
// pages are read with goquery.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/database"
	"tugi/app/demo"
	"tugi/app/job"
	"tugi/app/live"
	"tugi/app/server"
	"tugi/app/testdb"
	"tugi/app/web"
)

// App is a running Tugi for one test.
type App struct {
	DB     *sqlx.DB
	DSN    string // the database's connection string
	Server *server.Server
	URL    string      // the test server's base address, http://127.0.0.1:port
	Logs   *SafeBuffer // everything Tugi logged
	Config *config.Config
	// FactorKey seals the second factors (a fresh random key per App; Beside shares it).
	FactorKey *auth.FactorKey
	now       func() time.Time // Options.Now, which Beside's server shares

	secrets *sync.Map     // the authenticator keys SignIn set up, by e-mail address
	shift   *atomic.Int64 // how far the TOTP clock is ahead of time.Now, in nanoseconds (TOTPCode)
	steps   *handedOut    // the last TOTP step TOTPCode handed out, by e-mail address
}

// handedOut keeps the TOTP steps TOTPCode gave out, so that sign-ins of one person at
// the same time (parallel subtests) get codes of different steps.
type handedOut struct {
	mu   sync.Mutex
	last map[string]int64
	// signing holds a person's second steps of SignIn one at a time: a code is accepted
	// only after the last one accepted, so two sign-ins must send their codes in the
	// order they were handed out.
	signing sync.Map // lower-case e-mail address -> *sync.Mutex
}

// person returns the lock under which email's second step of sign-in is taken.
func (h *handedOut) person(email string) *sync.Mutex {
	m, _ := h.signing.LoadOrStore(strings.ToLower(email), &sync.Mutex{})
	return m.(*sync.Mutex)
}

// Now is the clock Tugi checks TOTP codes by: time.Now, moved on by TOTPCode when a test
// signs one person in more often than the 30-second steps allow. Codes of keys a test
// set up itself are made for this time.
func (a *App) Now() time.Time { return time.Now().Add(time.Duration(a.shift.Load())) }

// Options change the App a test gets.
type Options struct {
	Throttle  auth.Throttle        // default: auth.DefaultThrottle
	Configure func(*config.Config) // adjusts the default configuration
	Now       func() time.Time     // the clock of ticket SLAs; time.Now when nil
	Jobs      []job.Job            // the background jobs the jobs page lists (none run by themselves)
	Metrics   prometheus.Gatherer  // what /metrics serves
	// Localhost serves at http://localhost:port and makes that the public URL: browsers
	// take passkeys only for a domain name, never for 127.0.0.1.
	Localhost bool
}

// New starts Tugi with the default configuration on a fresh database holding the demo data.
func New(t testing.TB) *App { return NewWith(t, Options{}) }

// NewWith starts Tugi as o says.
func NewWith(t testing.TB, o Options) *App {
	t.Helper()
	dsn := testdb.NewDSN(t)
	db, err := database.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if o.Configure != nil {
		o.Configure(cfg)
	}
	if o.Throttle == (auth.Throttle{}) {
		o.Throttle = auth.DefaultThrottle
	}
	var ln net.Listener
	if o.Localhost {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		cfg.PublicURL = &url.URL{Scheme: "http", Host: fmt.Sprintf("localhost:%d", ln.Addr().(*net.TCPAddr).Port)}
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	factors, err := auth.NewFactorKey(key)
	if err != nil {
		t.Fatal(err)
	}
	logs := &SafeBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := &App{DB: db, DSN: dsn, Logs: logs, Config: cfg, FactorKey: factors, now: o.Now, secrets: &sync.Map{}, shift: &atomic.Int64{}, steps: &handedOut{last: map[string]int64{}}}
	srv, err := server.New(server.Options{DB: db, Config: cfg, Log: log, Throttle: o.Throttle,
		Support: web.Support{Phone: "+372 671 8578", Email: "info@directo.ee"}, Now: o.Now, TOTPNow: app.Now, Jobs: o.Jobs, Metrics: o.Metrics,
		Live: startHub(t, db, dsn, log), FactorKey: factors})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(context.Background(), db, srv.Sessions, factors); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Echo)
	if ln != nil {
		ts.Listener.Close()
		ts.Listener = ln
	}
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Live.Close) // first: open streams would hold up ts.Close
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Tugi's log:\n%s", logs.String())
		}
	})
	app.Server, app.URL = srv, ts.URL
	if o.Localhost {
		app.URL = cfg.PublicURL.String()
	}
	return app
}

// startHub runs a live hub for the test and waits until it listens, so that events
// committed from then on reach its streams. It is stopped when the test ends.
func startHub(t testing.TB, db *sqlx.DB, dsn string, log *slog.Logger) *live.Hub {
	t.Helper()
	hub := live.NewHub(live.Options{DB: db, DSN: dsn, Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hub.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-hub.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("apptest: the live hub does not listen")
	}
	return hub
}

// Beside starts a second Tugi on a's database, as a second process behind a load
// balancer would run: its own server, with its own copies of what it keeps in memory.
func (a *App) Beside(t testing.TB) *App {
	t.Helper()
	logs := &SafeBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(server.Options{DB: a.DB, Config: a.Config, Log: log, Throttle: auth.DefaultThrottle,
		Support: web.Support{Phone: "+372 671 8578", Email: "info@directo.ee"}, Now: a.now, TOTPNow: a.Now, Live: startHub(t, a.DB, a.DSN, log),
		FactorKey: a.FactorKey})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Echo)
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Live.Close) // first: open streams would hold up ts.Close
	return &App{DB: a.DB, DSN: a.DSN, Server: srv, URL: ts.URL, Logs: logs, Config: a.Config, FactorKey: a.FactorKey, now: a.now, secrets: a.secrets, shift: a.shift, steps: a.steps}
}

// Client is a browser-like HTTP client with its own cookies. It does not follow
// redirects, so tests see them. Every request names the status it must answer with and
// fails the test it is given otherwise, so no answer goes unread; Try and TryPost, for the
// few tests that accept several statuses or run off the test's goroutine, return what
// came instead.
type Client struct {
	t    testing.TB
	app  *App
	http *http.Client

	mu       sync.Mutex
	token    string // the CSRF token last read from a page
	tokenFor string // the cookies it is bound to (tokenCookies)
}

// Client returns a new client with no cookies.
func (a *App) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, app: a, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// On returns a client with c's cookies that sends its requests to other, another Tugi on
// the same database (cookies are kept per host, and both listen on 127.0.0.1).
func (c *Client) On(other *App) *Client {
	return &Client{t: c.t, app: other, http: c.http}
}

// SignIn returns a client signed in as the demo user with e-mail email: with the demo
// password, and for staff through the second step with a code of the demo authenticator.
func (a *App) SignIn(t testing.TB, email string) *Client {
	t.Helper()
	c := a.Client(t)
	c.Get(t, "/login", http.StatusOK)
	p := c.Post(t, "/login", url.Values{"email": {email}, "password": {demo.Password}}, http.StatusSeeOther)
	if !strings.HasPrefix(p.Location(), auth.SecondFactorPath) {
		return c
	}
	signing := a.steps.person(email)
	signing.Lock()
	defer signing.Unlock()
	// A person the test made, whose role needs a second factor, sets up an authenticator
	// with the key the page offers; the App remembers it for their next sign-in.
	if secret := c.Get(t, p.Location(), http.StatusOK).Text("#totp-secret"); secret != "" {
		a.secrets.Store(strings.ToLower(email), secret)
		c.Post(t, auth.SecondFactorPath, url.Values{"code": {a.TOTPCode(t, email)}}, http.StatusOK)
		return c
	}
	c.Post(t, auth.SecondFactorPath, url.Values{"code": {a.TOTPCode(t, email)}}, http.StatusSeeOther)
	return c
}

// TOTPCode returns a code of email's authenticator (demo.TOTPSecret for the demo staff, or
// the key SignIn set up) that the second step of their sign-in accepts now: of a
// time-step later than the last one accepted for them, since each code is accepted once.
// When the steps within reach (the one before the current, unless it is about to end, the
// current and the next) are used up, it moves the App's TOTP clock (Now) on to the step
// it needs, in place of waiting half a minute: tests sign one person in many times.
func (a *App) TOTPCode(t testing.TB, email string) string {
	t.Helper()
	a.steps.mu.Lock()
	defer a.steps.mu.Unlock()
	var last int64
	err := a.DB.Get(&last, `SELECT coalesce((SELECT f.last_step FROM totp_factors f JOIN users u ON u.id = f.user_id
		WHERE lower(u.email) = lower($1)), 0)`, email)
	if err != nil {
		t.Fatal(err)
	}
	key := strings.ToLower(email)
	last = max(last, a.steps.last[key])
	now := a.Now()
	cur := auth.TOTPStep(now)
	step := cur
	if left := time.Unix((cur+1)*30, 0).Sub(now); left > 5*time.Second && last < cur-1 {
		step = cur - 1
	}
	step = max(step, last+1)
	if step > cur+1 { // the clock moves to the start of step
		a.shift.Add(int64(time.Unix(step*30, 0).Sub(now)))
	}
	a.steps.last[key] = step
	secret := demo.TOTPSecret
	if s, ok := a.secrets.Load(strings.ToLower(email)); ok {
		secret = s.(string)
	}
	code, err := auth.TOTPCode(secret, step)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Page is a response, with its HTML parsed.
type Page struct {
	Status int
	Header http.Header
	Body   string
	Doc    *goquery.Document
}

// Text returns the trimmed text of the elements sel selects.
func (p *Page) Text(sel string) string { return strings.TrimSpace(p.Doc.Find(sel).Text()) }

// FieldError returns the message shown beside form field name ("" if none).
func (p *Page) FieldError(name string) string { return p.Text("#" + name + "-error") }

// InputValue returns the value attribute of the input named name.
func (p *Page) InputValue(name string) string {
	v, _ := p.Doc.Find(`[name="` + name + `"]`).Attr("value")
	return v
}

// Location returns the redirect target, as a path.
func (p *Page) Location() string {
	loc := p.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil && u.Host != "" {
		return u.RequestURI()
	}
	return loc
}

// Get requests path and fails t unless the answer's status is want; header holds name,
// value pairs.
func (c *Client) Get(t testing.TB, path string, want int, header ...string) *Page {
	t.Helper()
	return c.Do(t, http.MethodGet, path, nil, want, header...)
}

// Post submits form to path with the client's CSRF token, as a browser form would, and
// fails t unless the answer's status is want.
func (c *Client) Post(t testing.TB, path string, form url.Values, want int, header ...string) *Page {
	t.Helper()
	f := form
	if form.Get(web.CSRFField) == "" {
		f = withToken(form, c.csrf(t))
	}
	return c.Do(t, http.MethodPost, path, f, want, header...)
}

// Try is Do for a test that accepts more than one status, or runs off the test's
// goroutine where it must not fail: it returns the answer, whatever its status, or what
// went wrong. The caller checks both.
func (c *Client) Try(method, path string, form url.Values, header ...string) (*Page, error) {
	req, err := newRequest(method, c.app.URL+path, form, header)
	if err != nil {
		return nil, err
	}
	return c.send(req)
}

// TryPost is Post as Try is Do. Unless form holds a token, the client must hold one
// already (call CSRF first).
func (c *Client) TryPost(path string, form url.Values, header ...string) (*Page, error) {
	if form.Get(web.CSRFField) != "" {
		return c.Try(http.MethodPost, path, form, header...)
	}
	tok, err := c.fetchCSRF()
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", path, err)
	}
	return c.Try(http.MethodPost, path, withToken(form, tok), header...)
}

// Do sends a request exactly as given: form (if not nil) is the body, no token is added.
// It fails t unless the answer's status is want.
func (c *Client) Do(t testing.TB, method, path string, form url.Values, want int, header ...string) *Page {
	t.Helper()
	req, err := newRequest(method, c.app.URL+path, form, header)
	if err != nil {
		t.Fatal(err)
	}
	return c.expect(t, req, want)
}

// withToken returns a copy of form holding the CSRF token tok.
func withToken(form url.Values, tok string) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set(web.CSRFField, tok)
	return f
}

// newRequest builds a request with form (if not nil) as its body; header holds name,
// value pairs.
func newRequest(method, target string, form url.Values, header []string) (*http.Request, error) {
	body := strings.NewReader("")
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		return nil, fmt.Errorf("new request: %w", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req, nil
}

// expect sends req and fails t unless the answer's status is want, saying what the page
// said instead.
func (c *Client) expect(t testing.TB, req *http.Request, want int) *Page {
	t.Helper()
	p, err := c.send(req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != want {
		said := p.Text(".alert, .flash, #form-error, main")
		if said == "" {
			said = strings.TrimSpace(p.Body)
		}
		if r := []rune(said); len(r) > 500 {
			said = string(r[:500]) + "…"
		}
		t.Fatalf("%s %s: status %d, want %d (Location %q); page says: %s",
			req.Method, req.URL.RequestURI(), p.Status, want, p.Location(), said)
	}
	return p
}

// send sends req and reads the answer.
func (c *Client) send(req *http.Request) (*Page, error) {
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.RequestURI(), err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		return nil, fmt.Errorf("%s %s: read: %w", req.Method, req.URL.RequestURI(), err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("%s %s: parse: %w", req.Method, req.URL.RequestURI(), err)
	}
	return &Page{Status: res.StatusCode, Header: res.Header, Body: buf.String(), Doc: doc}, nil
}

// Cookie returns the value of the client's cookie name ("" if none).
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie sets the client's cookie name to value (to replay an old session, say).
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.app.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// CSRF returns a CSRF token for the client's session (or, before sign-in, its
// pre-session cookie), as a page of Tugi's carries it.
func (c *Client) CSRF() string {
	c.t.Helper()
	return c.csrf(c.t)
}

// csrf is CSRF, failing t if no page gives a token.
func (c *Client) csrf(t testing.TB) string {
	t.Helper()
	tok, err := c.fetchCSRF()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// fetchCSRF returns the token last read from a page while the cookies it is bound to are
// the same; otherwise it reads one from the sign-in page (or, signed in, the page that
// sends the person to).
func (c *Client) fetchCSRF() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.tokenFor == c.tokenCookies() {
		return c.token, nil
	}
	p, err := c.Try(http.MethodGet, "/login", nil)
	if err == nil && p.Status == http.StatusSeeOther {
		p, err = c.Try(http.MethodGet, p.Location(), nil)
	}
	if err != nil {
		return "", fmt.Errorf("a page for a CSRF token: %w", err)
	}
	tok := PageCSRF(p)
	if p.Status != http.StatusOK || tok == "" {
		return "", fmt.Errorf("a page for a CSRF token: status %d, token %q", p.Status, tok)
	}
	c.token, c.tokenFor = tok, c.tokenCookies()
	return tok, nil
}

// tokenCookies returns the values of the cookies a CSRF token is bound to.
func (c *Client) tokenCookies() string {
	return c.Cookie(auth.CookieName) + "\x00" + c.Cookie(web.CSRFCookie)
}

// PageCSRF returns the CSRF token p carries: in its body's hx-headers, or else in a
// form's _csrf field; "" if none.
func PageCSRF(p *Page) string {
	if h, ok := p.Doc.Find("body").Attr("hx-headers"); ok {
		var hdr map[string]string
		if json.Unmarshal([]byte(h), &hdr) == nil && hdr["X-CSRF-Token"] != "" {
			return hdr["X-CSRF-Token"]
		}
	}
	return p.Doc.Find("input[name="+web.CSRFField+"]").First().AttrOr("value", "")
}

// SafeBuffer is a bytes.Buffer safe for concurrent writes, for logs.
type SafeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SafeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *SafeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FormValues returns what a browser would submit from the form sel selects as it stands:
// its inputs' values (checked ones only for checkboxes and radio buttons), the selected
// option of each select, and its text areas. The CSRF field is left out; Post adds it.
func (p *Page) FormValues(sel string) url.Values {
	v := url.Values{}
	form := p.Doc.Find(sel)
	form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		typ, _ := in.Attr("type")
		if name == web.CSRFField {
			return
		}
		if (typ == "checkbox" || typ == "radio") && in.AttrOr("checked", "\x00") == "\x00" {
			return
		}
		v.Add(name, in.AttrOr("value", ""))
	})
	form.Find("select[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		opt := s.Find("option[selected]").First()
		if opt.Length() == 0 {
			opt = s.Find("option").First()
		}
		v.Add(name, opt.AttrOr("value", opt.Text()))
	})
	form.Find("textarea[name]").Each(func(_ int, t *goquery.Selection) {
		v.Add(t.AttrOr("name", ""), t.Text())
	})
	return v
}

// HTTP returns the client's own http.Client, with its cookies, for a test that reads a
// response as it arrives (a stream) rather than whole.
func (c *Client) HTTP() *http.Client { return c.http }

// SendTwice opens page, fills its form sel with fill over what the page put there (its
// form token among it), and posts it to action twice, as a double click or a retry would:
// both must answer 303, the second to where the first went. It returns where the first went,
// or "" (having failed t) when the form carries no form token.
func (c *Client) SendTwice(t testing.TB, page, sel, action string, fill url.Values) string {
	t.Helper()
	f := c.Get(t, page, http.StatusOK).FormValues(sel)
	if f.Get("form_token") == "" {
		t.Errorf("%s: the form %s carries no form_token", page, sel)
		return ""
	}
	for k, v := range fill {
		f[k] = v
	}
	first := c.Post(t, action, f, http.StatusSeeOther)
	second := c.Post(t, action, f, http.StatusSeeOther)
	if second.Location() != first.Location() {
		t.Errorf("%s: sent again went to %q, the first to %q", action, second.Location(), first.Location())
	}
	return first.Location()
}
