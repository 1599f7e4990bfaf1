package auth_test

import (
	"bytes"
	"encoding/gob"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/demo"
	"tugi/app/testdb"
	"tugi/app/web"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const (
	customer  = "customer@demo-customer.example"   // Mari Maasikas, Demo Customer OÜ
	customer2 = "customer@second-customer.example" // Jaan Tamm, Second Customer AS
	admin     = "admin@tugi.example"
	employee  = "employee@tugi.example"

	wrongPassword  = "not-the-right-password-42"
	msgWrong       = "The e-mail or password is not right."
	msgNewBrowsers = "Too many failed sign-ins with this e-mail address from browsers it was not used on before. Sign in from a browser you have signed in on before, or wait a few minutes and try again."
	msgAddress     = "Too many failed sign-ins from your network address. Wait a few minutes and try again."
	newPassword    = "correct horse battery staple"
	signedOutFlash = "You have signed out."
)

// signIn submits the sign-in form from c and fails t unless the answer's status is want;
// extra holds more field, value pairs.
func signIn(t *testing.T, c *apptest.Client, email, password string, want int, extra ...string) *apptest.Page {
	t.Helper()
	return c.Post(t, "/login", signInForm(email, password, extra...), want)
}

// signInForm is the sign-in form filled with email and password and the field, value
// pairs of extra.
func signInForm(email, password string, extra ...string) url.Values {
	f := url.Values{"email": {email}, "password": {password}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// userID returns the id of the user with e-mail email.
func userID(t *testing.T, app *apptest.App, email string) int64 {
	t.Helper()
	var id int64
	if err := app.DB.Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

// sessionCount returns how many session rows the user with e-mail email has.
func sessionCount(t *testing.T, app *apptest.App, email string) int {
	t.Helper()
	var n int
	if err := app.DB.Get(&n, `SELECT count(*) FROM sessions WHERE user_id = $1`, userID(t, app, email)); err != nil {
		t.Fatal(err)
	}
	return n
}

// signInFailures returns the reasons of the auth.sign_in_failed audit events, oldest first.
func signInFailures(t *testing.T, app *apptest.App) []string {
	t.Helper()
	var reasons []string
	err := app.DB.Select(&reasons, `SELECT changes->'reason'->>'new' FROM audit_events
		WHERE action = 'auth.sign_in_failed' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	return reasons
}

// countEvents counts audit events with action about the user with e-mail email.
func countEvents(t *testing.T, app *apptest.App, action, email string) int {
	t.Helper()
	var n int
	err := app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = $1 AND object_id = $2`,
		action, strconv.FormatInt(userID(t, app, email), 10))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func cookie(p *apptest.Page, name string) *http.Cookie {
	var last *http.Cookie
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == name {
			last = c
		}
	}
	return last
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)

	t.Run("success goes home and shows the person's name", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		c.Get(t, "/login", http.StatusOK)
		p := signIn(t, c, customer, demo.Password, http.StatusSeeOther)
		if p.Location() != "/" {
			t.Fatalf("sign-in: went to %q, want /", p.Location())
		}
		home := c.Get(t, "/", http.StatusOK)
		if home.Text("h1") != "Welcome, Mari Maasikas" || home.Text(".who-name") != "Mari Maasikas" {
			t.Errorf("home: h1 %q, name %q", home.Text("h1"), home.Text(".who-name"))
		}
		if n := countEvents(t, app, "auth.sign_in", customer); n < 1 {
			t.Error("no auth.sign_in audit event")
		}
		// Someone signed in who opens the sign-in page goes home.
		if p := c.Get(t, "/login", http.StatusSeeOther); p.Location() != "/" {
			t.Errorf("sign-in page when signed in: went to %q", p.Location())
		}
	})

	t.Run("e-mail in another case and with spaces", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		signIn(t, c, "  Customer@Demo-Customer.EXAMPLE ", demo.Password, http.StatusSeeOther)
	})

	t.Run("next", func(t *testing.T) {
		t.Parallel()
		for next, want := range map[string]string{
			"/account":              "/account",
			"/admin/users?q=x":      "/admin/users?q=x",
			"//evil.example":        "/",
			"//evil.example/path":   "/",
			"https://evil.example":  "/",
			"http://evil.example/x": "/",
			`/\evil.example`:        "/",
			"javascript:alert(1)":   "/",
			"account":               "/",
		} {
			c := app.Client(t)
			p := signIn(t, c, customer, demo.Password, http.StatusSeeOther, "next", next)
			if p.Location() != want {
				t.Errorf("next %q: went to %q, want %q", next, p.Location(), want)
			}
		}
	})

	t.Run("the sign-in page carries next through the form", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		p := c.Get(t, "/account", http.StatusSeeOther)
		if p.Location() != "/login?next=%2Faccount" {
			t.Fatalf("/account anonymously: went to %q", p.Location())
		}
		login := c.Get(t, p.Location(), http.StatusOK)
		if v := login.InputValue("next"); v != "/account" {
			t.Fatalf("hidden next = %q, want /account", v)
		}
		// A failed attempt keeps it too.
		failed := signIn(t, c, customer, wrongPassword, http.StatusUnauthorized, "next", "/account")
		if v := failed.InputValue("next"); v != "/account" {
			t.Errorf("after a failure, hidden next = %q", v)
		}
		if p := signIn(t, c, customer, demo.Password, http.StatusSeeOther, "next", login.InputValue("next")); p.Location() != "/account" {
			t.Errorf("sign-in went to %q, want /account", p.Location())
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		p := signIn(t, c, customer, wrongPassword, http.StatusUnauthorized)
		if got := p.Text("#form-error"); got != msgWrong {
			t.Errorf("message %q, want %q", got, msgWrong)
		}
		if got := p.InputValue("email"); got != customer {
			t.Errorf("e-mail input holds %q, want it kept", got)
		}
		if strings.Contains(p.Body, wrongPassword) || p.InputValue("password") != "" {
			t.Error("the password typed is sent back in the page")
		}
		if c.Cookie(auth.CookieName) != "" {
			t.Error("a failed sign-in left a session cookie")
		}
		c.Get(t, "/", http.StatusSeeOther)
	})

	t.Run("unknown e-mail reads exactly like a wrong password", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		known := signIn(t, c, employee, wrongPassword, http.StatusUnauthorized)
		unknown := signIn(t, c, "nobody@tugi.example", wrongPassword, http.StatusUnauthorized)
		kh, _ := goquery.OuterHtml(known.Doc.Find("#form-error"))
		uh, _ := goquery.OuterHtml(unknown.Doc.Find("#form-error"))
		if kh == "" || kh != uh {
			t.Errorf("messages differ:\nknown:   %s\nunknown: %s", kh, uh)
		}
		if unknown.InputValue("email") != "nobody@tugi.example" {
			t.Errorf("unknown e-mail not kept: %q", unknown.InputValue("email"))
		}
	})

	t.Run("empty fields", func(t *testing.T) {
		t.Parallel()
		c := app.Client(t)
		p := signIn(t, c, "", "", http.StatusUnprocessableEntity)
		if got := p.Text("#form-error"); got != "Enter your e-mail address and password." {
			t.Errorf("form message %q", got)
		}
		for _, f := range []string{"email", "password"} {
			if got := p.FieldError(f); got != "Please fill this in." {
				t.Errorf("%s: message %q", f, got)
			}
		}
		p = signIn(t, c, "not-an-address", demo.Password, http.StatusUnprocessableEntity)
		if p.FieldError("email") != "Enter an e-mail address such as name@example.com." {
			t.Errorf("malformed e-mail: %q", p.FieldError("email"))
		}
		if p.FieldError("password") != "" || strings.Contains(p.Body, demo.Password) {
			t.Errorf("malformed e-mail: password field says %q or the password is echoed", p.FieldError("password"))
		}
	})

	t.Run("deactivated user", func(t *testing.T) {
		t.Parallel()
		if _, err := app.DB.Exec(`UPDATE users SET active = false WHERE email = 'ciso@tugi.example'`); err != nil {
			t.Fatal(err)
		}
		c := app.Client(t)
		p := signIn(t, c, "ciso@tugi.example", demo.Password, http.StatusUnauthorized)
		if p.Text("#form-error") != msgWrong {
			t.Errorf("deactivated: %q, want %q", p.Text("#form-error"), msgWrong)
		}
		c.Get(t, "/", http.StatusSeeOther)
		var n int
		app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in_failed' AND changes->'reason'->>'new' = 'inactive'`)
		if n != 1 {
			t.Errorf("%d audit events with reason inactive, want 1", n)
		}
	})
}

// A session id known before sign-in is worth nothing after it.
func TestSignInRenewsSession(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)

	t.Run("signed in already", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, customer)
		before := c.Cookie(auth.CookieName)
		signIn(t, c, customer2, demo.Password, http.StatusSeeOther)
		after := c.Cookie(auth.CookieName)
		if after == "" || after == before {
			t.Fatalf("session cookie not renewed at sign-in: before %q, after %q", before, after)
		}
		var rows int
		app.DB.Get(&rows, `SELECT count(*) FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, before)
		if rows != 0 {
			t.Error("the session from before the sign-in still exists")
		}
		old := app.Client(t)
		old.SetCookie(auth.CookieName, before)
		if p := old.Get(t, "/account", http.StatusSeeOther); !strings.HasPrefix(p.Location(), "/login") {
			t.Errorf("the earlier token: /account went to %q, want the sign-in page", p.Location())
		}
		if p := c.Get(t, "/", http.StatusOK); p.Text(".who-name") != "Jaan Tamm" {
			t.Errorf("the new session: home for %q, want customer2's", p.Text(".who-name"))
		}
	})

	t.Run("planted bogus token", func(t *testing.T) {
		t.Parallel()
		const planted = "planted-by-someone-else"
		c := app.Client(t)
		c.SetCookie(auth.CookieName, planted)
		signIn(t, c, customer, demo.Password, http.StatusSeeOther)
		if got := c.Cookie(auth.CookieName); got == "" || got == planted {
			t.Fatalf("session cookie after sign-in: %q", got)
		}
		old := app.Client(t)
		old.SetCookie(auth.CookieName, planted)
		old.Get(t, "/", http.StatusSeeOther)
	})
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	throttle := apptest.Options{Throttle: auth.Throttle{PerAccount: 3, PerDevice: 3, PerClient: 10, Window: time.Minute}}

	t.Run("per account, even with the right password", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, throttle)
		c := app.Client(t)
		// The account is the address, whatever its case.
		for _, email := range []string{customer, strings.ToUpper(customer), " " + customer} {
			signIn(t, c, email, wrongPassword, http.StatusUnauthorized)
		}
		p := signIn(t, c, "Customer@demo-customer.example", demo.Password, http.StatusTooManyRequests)
		if p.Text("#form-error") != msgNewBrowsers {
			t.Fatalf("right password after 3 failures: %q, want %q", p.Text("#form-error"), msgNewBrowsers)
		}
		c.Get(t, "/", http.StatusSeeOther)
		// Another account from the same address is not affected.
		signIn(t, app.Client(t), customer2, demo.Password, http.StatusSeeOther)
		want := []string{"wrong_password", "wrong_password", "wrong_password", "throttled_account"}
		if got := signInFailures(t, app); !slices.Equal(got, want) {
			t.Errorf("audit reasons %q, want %q", got, want)
		}
		var ip, rid string
		app.DB.QueryRow(`SELECT client_ip, request_id FROM audit_events WHERE action = 'auth.sign_in_failed' ORDER BY id LIMIT 1`).Scan(&ip, &rid)
		if ip != "127.0.0.1" || rid == "" {
			t.Errorf("audit event: client_ip %q, request_id %q", ip, rid)
		}
	})

	t.Run("an address without an account is throttled the same", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, throttle)
		c := app.Client(t)
		var known, unknown []string
		for i := range 5 {
			want := http.StatusUnauthorized
			if i >= 3 {
				want = http.StatusTooManyRequests // the account has had its 3 tries
			}
			p := signIn(t, c, employee, wrongPassword, want)
			known = append(known, strconv.Itoa(p.Status)+" "+p.Text("#form-error"))
			p = signIn(t, c, "ghost@tugi.example", wrongPassword, want)
			unknown = append(unknown, strconv.Itoa(p.Status)+" "+p.Text("#form-error"))
		}
		if !slices.Equal(known, unknown) {
			t.Errorf("answers differ:\nknown:   %q\nunknown: %q", known, unknown)
		}
		if !strings.HasPrefix(unknown[3], "429 ") {
			t.Errorf("4th attempt at an unknown address: %q, want 429", unknown[3])
		}
		reasons := signInFailures(t, app)
		if !slices.Contains(reasons, "unknown_account") || !slices.Contains(reasons, "throttled_account") {
			t.Errorf("audit reasons %q", reasons)
		}
	})

	t.Run("per client address", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, throttle)
		c := app.Client(t)
		for i := range 10 {
			signIn(t, c, "guess"+strconv.Itoa(i)+"@tugi.example", wrongPassword, http.StatusUnauthorized)
		}
		// The 11th attempt from this address is refused, whichever account and password.
		p := signIn(t, app.Client(t), admin, demo.Password, http.StatusTooManyRequests)
		if p.Text("#form-error") != msgAddress {
			t.Errorf("after 10 failures from one address: %q, want %q", p.Text("#form-error"), msgAddress)
		}
	})

	t.Run("success resets the account's count", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, throttle)
		for range 3 {
			c := app.Client(t)
			for range 2 {
				signIn(t, c, customer, wrongPassword, http.StatusUnauthorized)
			}
			signIn(t, c, customer, demo.Password, http.StatusSeeOther)
		}
		if n := countEvents(t, app, "auth.sign_in", customer); n != 3 {
			t.Errorf("%d auth.sign_in events, want 3", n)
		}
	})

	// Guesses sent together are each counted before any password is checked, so no more
	// than the limit are ever checked.
	t.Run("concurrent guesses", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, apptest.Options{Throttle: auth.Throttle{PerAccount: 3, PerDevice: 3, PerClient: 100, Window: time.Minute}})
		checked := guessAtOnce(t, app, 40, nil)
		if checked > 3 {
			t.Errorf("%d of 40 concurrent guesses were checked, limit 3", checked)
		}
		// Refused guesses are not counted: once the window passes, the person may try again.
		var n int
		if err := app.DB.Get(&n, `SELECT count(*) FROM signin_failures`); err != nil {
			t.Fatal(err)
		}
		if n != checked {
			t.Errorf("%d failures counted, %d guesses checked", n, checked)
		}
	})

	t.Run("a forged X-Forwarded-For does not escape the per-client limit", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, throttle)
		c := app.Client(t)
		for i := range 10 {
			f := url.Values{"email": {"guess" + strconv.Itoa(i) + "@tugi.example"}, "password": {wrongPassword}}
			c.Post(t, "/login", f, http.StatusUnauthorized, "X-Forwarded-For", "203.0.113."+strconv.Itoa(i+1))
		}
		c.Post(t, "/login", url.Values{"email": {admin}, "password": {demo.Password}}, http.StatusTooManyRequests, "X-Forwarded-For", "198.51.100.7")
	})

	t.Run("behind a trusted proxy each client is counted apart", func(t *testing.T) {
		t.Parallel()
		opts := throttle
		opts.Configure = func(c *config.Config) {
			_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
			c.TrustedProxies = []*net.IPNet{loopback}
		}
		app := apptest.NewWith(t, opts)
		c := app.Client(t)
		for i := range 10 {
			f := url.Values{"email": {"guess" + strconv.Itoa(i) + "@tugi.example"}, "password": {wrongPassword}}
			c.Post(t, "/login", f, http.StatusUnauthorized, "X-Forwarded-For", "203.0.113.9")
		}
		c.Post(t, "/login", url.Values{"email": {customer}, "password": {demo.Password}}, http.StatusTooManyRequests, "X-Forwarded-For", "203.0.113.9")
		c.Post(t, "/login", url.Values{"email": {customer}, "password": {demo.Password}}, http.StatusSeeOther, "X-Forwarded-For", "198.51.100.7")
		var ip string
		app.DB.Get(&ip, `SELECT client_ip FROM audit_events WHERE action = 'auth.sign_in'`)
		if ip != "198.51.100.7" {
			t.Errorf("audit client_ip %q, want the client's, not the proxy's", ip)
		}
	})

	// The session's browser signed in, so its guesses are counted for its device cookie
	// first (3), then, its cookie locked, as a new browser's (3 more).
	t.Run("a wrong current password counts", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, throttle)
		c := app.SignIn(t, customer)
		for range 6 {
			p := c.Post(t, "/account/password", url.Values{"current_password": {wrongPassword},
				"new_password": {newPassword}, "confirm_password": {newPassword}}, http.StatusUnprocessableEntity)
			if p.FieldError("current_password") != "This is not your current password." {
				t.Fatalf("wrong current: %d %q", p.Status, p.FieldError("current_password"))
			}
		}
		p := c.Post(t, "/account/password", url.Values{"current_password": {demo.Password},
			"new_password": {newPassword}, "confirm_password": {newPassword}}, http.StatusUnprocessableEntity)
		if p.FieldError("current_password") != msgNewBrowsers {
			t.Errorf("right current after 6 wrong: %q, want %q", p.FieldError("current_password"), msgNewBrowsers)
		}
		signIn(t, app.Client(t), customer, newPassword, http.StatusTooManyRequests)
	})
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, customer)
	token := c.Cookie(auth.CookieName)
	p := c.Post(t, "/logout", nil, http.StatusSeeOther)
	if p.Location() != "/login" {
		t.Fatalf("sign-out: went to %q", p.Location())
	}
	login := c.Get(t, "/login", http.StatusOK)
	if login.Text(".flash") != signedOutFlash {
		t.Errorf("sign-in page after sign-out: flash %q", login.Text(".flash"))
	}
	if again := c.Get(t, "/login", http.StatusOK); again.Text(".flash") != "" {
		t.Errorf("the flash shows twice: %q", again.Text(".flash"))
	}
	var anonymous int
	app.DB.Get(&anonymous, `SELECT count(*) FROM sessions WHERE user_id IS NULL`)
	if anonymous != 0 {
		t.Errorf("the goodbye left %d anonymous sessions in the database; it travels in a cookie", anonymous)
	}
	if p := c.Get(t, "/", http.StatusSeeOther); p.Location() != "/login" {
		t.Errorf("home after sign-out: went to %q", p.Location())
	}
	// The old cookie, kept by someone, no longer signs in.
	replay := app.Client(t)
	replay.SetCookie(auth.CookieName, token)
	if p := replay.Get(t, "/account", http.StatusSeeOther); p.Location() != "/login?next=%2Faccount" {
		t.Errorf("replayed session: went to %q", p.Location())
	}
	if n := sessionCount(t, app, customer); n != 0 {
		t.Errorf("%d sessions left for the person", n)
	}
	var n int
	app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_out'`)
	if n != 1 {
		t.Errorf("%d auth.sign_out events, want 1", n)
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	idle := app.Config.SessionIdle

	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, customer)
		uid := userID(t, app, customer)
		// Just inside the idle limit the session holds...
		app.DB.MustExec(`UPDATE sessions SET last_seen_at = now() - make_interval(secs => $2) WHERE user_id = $1`,
			uid, (idle - time.Minute).Seconds())
		c.Get(t, "/account", http.StatusOK)
		// ...and that request counted as activity.
		var fresh bool
		app.DB.Get(&fresh, `SELECT last_seen_at > now() - interval '10 seconds' FROM sessions WHERE user_id = $1`, uid)
		if !fresh {
			t.Error("a request did not refresh last_seen_at")
		}
		app.DB.MustExec(`UPDATE sessions SET last_seen_at = now() - make_interval(secs => $2) WHERE user_id = $1`,
			uid, (idle + time.Minute).Seconds())
		p := c.Get(t, "/account", http.StatusSeeOther)
		if p.Location() != "/login?next=%2Faccount" {
			t.Errorf("past the idle limit: went to %q", p.Location())
		}
	})

	t.Run("absolute", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, customer2)
		app.DB.MustExec(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, userID(t, app, customer2))
		p := c.Get(t, "/account", http.StatusSeeOther)
		if p.Location() != "/login?next=%2Faccount" {
			t.Errorf("past the session's end: went to %q", p.Location())
		}
	})

	t.Run("new sessions end after TUGI_SESSION_MAX", func(t *testing.T) {
		t.Parallel()
		app.SignIn(t, employee)
		var secs float64
		app.DB.Get(&secs, `SELECT extract(epoch FROM expires_at - created_at) FROM sessions WHERE user_id = $1`, userID(t, app, employee))
		if d := time.Duration(secs * float64(time.Second)); d < app.Config.SessionMax-time.Minute || d > app.Config.SessionMax+time.Minute {
			t.Errorf("session lasts %s, want %s", d, app.Config.SessionMax)
		}
	})
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()

	t.Run("http", func(t *testing.T) {
		t.Parallel()
		app := apptest.New(t)
		c := app.Client(t)
		login := c.Get(t, "/login", http.StatusOK)
		p := signIn(t, c, customer, demo.Password, http.StatusSeeOther)
		for name, ck := range map[string]*http.Cookie{auth.CookieName: cookie(p, auth.CookieName), "tugi_csrf": cookie(login, "tugi_csrf")} {
			if ck == nil {
				t.Fatalf("no %s cookie set", name)
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" {
				t.Errorf("%s: HttpOnly %v, SameSite %v, Secure %v, Path %q; want HttpOnly, Lax, not Secure over http, /",
					name, ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path)
			}
		}
		if ck := cookie(p, auth.CookieName); ck.MaxAge != 0 || !ck.Expires.IsZero() {
			t.Errorf("session cookie persists (MaxAge %d, Expires %v); it should end with the browser", ck.MaxAge, ck.Expires)
		}
		if h := p.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("HSTS over plain http: %q", h)
		}
	})

	t.Run("https public address", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) {
			u, _ := url.Parse("https://tugi.example")
			c.PublicURL = u
		}})
		c := app.Client(t)
		login := c.Get(t, "/login", http.StatusOK)
		if h := login.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
			t.Errorf("no Strict-Transport-Security: %q", h)
		}
		// Over HTTPS the pre-session cookie has the __Host- prefix: a sibling site of the
		// same domain cannot set it.
		csrf := cookie(login, "__Host-tugi_csrf")
		if csrf == nil || !csrf.Secure || csrf.Path != "/" || csrf.Domain != "" || !csrf.HttpOnly {
			t.Fatalf("CSRF cookie not Secure, HttpOnly, host-only for /: %+v", csrf)
		}
		// The client will not send Secure cookies over http, so send the cookie by hand.
		form := url.Values{"email": {customer}, "password": {demo.Password}, "_csrf": {apptest.PageCSRF(login)}}
		p := c.Do(t, http.MethodPost, "/login", form, http.StatusSeeOther, "Cookie", "__Host-tugi_csrf="+csrf.Value)
		sess := cookie(p, auth.CookieName)
		if sess == nil || !sess.Secure || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie: %+v, want Secure, HttpOnly, SameSite=Lax", sess)
		}
		if h := p.Header.Get("Strict-Transport-Security"); h == "" {
			t.Error("no HSTS on the sign-in response")
		}
	})
}

func TestAccountSessions(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)

	t.Run("list and revoke another own session", func(t *testing.T) {
		t.Parallel()
		here := app.SignIn(t, customer)
		there := app.SignIn(t, customer)
		p := here.Get(t, "/account", http.StatusOK)
		if n := p.Doc.Find("#sessions tbody tr").Length(); n != 2 {
			t.Fatalf("%d sessions listed, want 2", n)
		}
		if got := p.Text("#sessions .badge"); got != "This session" {
			t.Errorf("current session marked %q", got)
		}
		forms := p.Doc.Find(`#sessions form[action^="/account/sessions/"]`)
		if forms.Length() != 1 {
			t.Fatalf("%d revoke forms, want 1 (not for this session)", forms.Length())
		}
		action, _ := forms.Attr("action")
		r := here.Post(t, action, nil, http.StatusSeeOther)
		if r.Location() != "/account" {
			t.Fatalf("revoke: went to %q", r.Location())
		}
		after := here.Get(t, "/account", http.StatusOK)
		if after.Text(".flash") != "That session has been signed out." {
			t.Errorf("flash %q", after.Text(".flash"))
		}
		if n := after.Doc.Find("#sessions tbody tr").Length(); n != 1 {
			t.Errorf("%d sessions listed after revoking, want 1", n)
		}
		if p := there.Get(t, "/", http.StatusSeeOther); p.Location() != "/login" {
			t.Errorf("revoked session: home went to %q", p.Location())
		}
		here.Get(t, "/", http.StatusOK)
	})

	t.Run("another person's session is not found", func(t *testing.T) {
		t.Parallel()
		a := app.SignIn(t, "agent@tugi.example")
		b := app.SignIn(t, customer2)
		var bSession int64
		if err := app.DB.Get(&bSession, `SELECT id FROM sessions WHERE user_id = $1`, userID(t, app, customer2)); err != nil {
			t.Fatal(err)
		}
		p := a.Post(t, "/account/sessions/"+strconv.FormatInt(bSession, 10)+"/revoke", nil, http.StatusNotFound)
		if p.Text("h1") != "Not found" {
			t.Errorf("revoking another's session: heading %q, want Not found", p.Text("h1"))
		}
		b.Get(t, "/", http.StatusOK)
		for _, id := range []string{"x", "-1", "99999999999999999999"} {
			a.Post(t, "/account/sessions/"+id+"/revoke", nil, http.StatusNotFound)
		}
	})

	t.Run("customers of different organisations", func(t *testing.T) {
		t.Parallel()
		app := apptest.New(t)
		a := app.SignIn(t, customer)
		b := app.SignIn(t, customer2)
		var bSession int64
		app.DB.Get(&bSession, `SELECT id FROM sessions WHERE user_id = $1`, userID(t, app, customer2))
		a.Post(t, "/account/sessions/"+strconv.FormatInt(bSession, 10)+"/revoke", nil, http.StatusNotFound)
		b.Get(t, "/account", http.StatusOK)
		if n := sessionCount(t, app, customer2); n != 1 {
			t.Errorf("customer B has %d sessions, want 1", n)
		}
	})

	t.Run("revoking this session signs out", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, "agent2@tugi.example")
		var id int64
		app.DB.Get(&id, `SELECT id FROM sessions WHERE user_id = $1`, userID(t, app, "agent2@tugi.example"))
		if p := c.Post(t, "/account/sessions/"+strconv.FormatInt(id, 10)+"/revoke", nil, http.StatusSeeOther); p.Location() != "/login" {
			t.Errorf("revoke own current session: went to %q", p.Location())
		}
		c.Get(t, "/", http.StatusSeeOther)
	})
}

func TestDeactivationEndsSessions(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	adm := app.SignIn(t, admin)
	victim := app.SignIn(t, customer)
	other := app.SignIn(t, customer2)
	id := userID(t, app, customer)
	adm.Post(t, "/admin/users/"+strconv.FormatInt(id, 10)+"/deactivate", nil, http.StatusSeeOther)
	// Ended at once, not only at the person's next request.
	if n := sessionCount(t, app, customer); n != 0 {
		t.Errorf("%d sessions left after deactivation", n)
	}
	if p := victim.Get(t, "/account", http.StatusSeeOther); !strings.HasPrefix(p.Location(), "/login") {
		t.Errorf("deactivated user's session: went to %q", p.Location())
	}
	other.Get(t, "/", http.StatusOK)
	adm.Get(t, "/", http.StatusOK)
	signIn(t, app.Client(t), customer, demo.Password, http.StatusUnauthorized)
}

// A user deactivated behind the service's back (a direct database change) is signed out
// at their next request.
func TestInactiveUserSessionEnds(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, customer)
	app.DB.MustExec(`UPDATE users SET active = false WHERE email = $1`, customer)
	c.Get(t, "/", http.StatusSeeOther)
	if n := sessionCount(t, app, customer); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	form := func(current, next, confirm string) url.Values {
		return url.Values{"current_password": {current}, "new_password": {next}, "confirm_password": {confirm}}
	}

	t.Run("mistakes", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, employee)
		for _, tt := range []struct {
			name, current, next, confirm, field, msg string
		}{
			{"wrong current", wrongPassword, newPassword, newPassword, "current_password", "This is not your current password."},
			{"confirmation differs", demo.Password, newPassword, newPassword + "x", "confirm_password", "The two entries do not match."},
			{"too short", demo.Password, "short-pw", "short-pw", "new_password", "Use at least 12 characters."},
			{"same as before", demo.Password, demo.Password, demo.Password, "new_password", "Choose a password different from the current one."},
			{"empty current", "", newPassword, newPassword, "current_password", "Please fill this in."},
		} {
			p := c.Post(t, "/account/password", form(tt.current, tt.next, tt.confirm), http.StatusUnprocessableEntity)
			if got := p.FieldError(tt.field); got != tt.msg {
				t.Errorf("%s: beside %s %q, want %q", tt.name, tt.field, got, tt.msg)
			}
			for _, pw := range []string{tt.current, tt.next, tt.confirm} {
				if len(pw) > 4 && strings.Contains(p.Body, `value="`+pw) {
					t.Errorf("%s: a password is sent back in the page", tt.name)
				}
			}
		}
		signIn(t, app.Client(t), employee, demo.Password, http.StatusSeeOther)
	})

	t.Run("success", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, customer)
		other := app.SignIn(t, customer)
		before := c.Cookie(auth.CookieName)
		p := c.Post(t, "/account/password", form(demo.Password, newPassword, newPassword), http.StatusSeeOther)
		if p.Location() != "/account" {
			t.Fatalf("change: went to %q; page says %q", p.Location(), p.Text(".field-error"))
		}
		if c.Cookie(auth.CookieName) == before {
			t.Error("the session was not renewed")
		}
		acc := c.Get(t, "/account", http.StatusOK)
		if got := acc.Text(".flash"); got != "Your password has been changed and your other sessions were signed out." {
			t.Errorf("flash %q", got)
		}
		other.Get(t, "/", http.StatusSeeOther)
		signIn(t, app.Client(t), customer, newPassword, http.StatusSeeOther)
		signIn(t, app.Client(t), customer, demo.Password, http.StatusUnauthorized)
		if n := countEvents(t, app, "user.change_password", customer); n != 1 {
			t.Errorf("%d user.change_password events", n)
		}
	})

	t.Run("with no other session", func(t *testing.T) {
		t.Parallel()
		c := app.SignIn(t, "ciso@tugi.example")
		c.Post(t, "/account/password", form(demo.Password, newPassword, newPassword), http.StatusSeeOther)
		if got := c.Get(t, "/account", http.StatusOK).Text(".flash"); got != "Your password has been changed." {
			t.Errorf("flash %q", got)
		}
	})
}

func TestSetLanguage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, customer)
	c.Post(t, "/account/language", url.Values{"language": {"xx"}}, http.StatusUnprocessableEntity)
	c.Post(t, "/account/language", url.Values{"language": {"et"}}, http.StatusSeeOther)
	p := c.Get(t, "/account", http.StatusOK)
	if lang, _ := p.Doc.Find("html").Attr("lang"); lang != "et" {
		t.Errorf("html lang %q after choosing Estonian", lang)
	}
	if got := p.Text(".mainnav"); !strings.Contains(got, "Avaleht") {
		t.Errorf("navigation not in Estonian: %q", got)
	}
}

// A CSRF token seen before sign-in (or sign-out) is worth nothing after it.
func TestCSRFTokenIsRenewedAtSignInAndOut(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)
	before := c.CSRF()
	c.Post(t, "/login", url.Values{"email": {customer}, "password": {demo.Password}}, http.StatusSeeOther)
	c.Post(t, "/account/language", url.Values{"language": {"et"}, web.CSRFField: {before}}, http.StatusForbidden)
	during := c.CSRF()
	if during == before || during == "" {
		t.Fatalf("token not renewed at sign-in: %q", during)
	}
	c.Post(t, "/logout", nil, http.StatusSeeOther)
	if after := c.CSRF(); after == during {
		t.Error("token not renewed at sign-out")
	}
}

// A session keeps who it is for and how they signed in in columns of their own; nothing
// else is gob-encoded while nothing else is kept. A session stored before that, with
// those values in its gob-encoded data, still signs in.
func TestSessionKeepsItsValuesInColumns(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, customer)
	var data []byte
	var method string
	if err := app.DB.QueryRow(`SELECT data, auth_method FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
		c.Cookie(auth.CookieName)).Scan(&data, &method); err != nil {
		t.Fatal(err)
	}
	if len(data) != 0 || method != "password" {
		t.Errorf("a fresh session: %d bytes of data, auth_method %q; want none and password", len(data), method)
	}

	var userID int64
	if err := app.DB.Get(&userID, `SELECT id FROM users WHERE email = $1`, customer2); err != nil {
		t.Fatal(err)
	}
	var old bytes.Buffer
	if err := gob.NewEncoder(&old).Encode(map[any]any{"user_id": userID, "auth_method": "password"}); err != nil {
		t.Fatal(err)
	}
	const token = "a-session-stored-by-an-earlier-version-0123456789"
	if _, err := app.DB.Exec(`INSERT INTO sessions (token_hash, user_id, auth_method, data, expires_at)
		VALUES (sha256(convert_to($1, 'UTF8')), $2, 'password', $3, now() + interval '1 hour')`, token, userID, old.Bytes()); err != nil {
		t.Fatal(err)
	}
	earlier := app.Client(t)
	earlier.SetCookie(auth.CookieName, token)
	if p := earlier.Get(t, "/", http.StatusOK); p.Text(".who-name") != "Jaan Tamm" {
		t.Errorf("an earlier session: home for %q", p.Text(".who-name"))
	}
}

// guessAtOnce sends n wrong passwords for the customer at the same moment, each from a client
// of its own that prepare (when not nil) readies, and returns how many were checked (401);
// every other guess must have been refused as throttled (429).
func guessAtOnce(t *testing.T, app *apptest.App, n int, prepare func(*apptest.Client)) int {
	t.Helper()
	clients := make([]*apptest.Client, n)
	for i := range clients {
		clients[i] = app.Client(t)
		if prepare != nil {
			prepare(clients[i])
		}
		clients[i].CSRF()
	}
	pages := make([]*apptest.Page, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { pages[i], errs[i] = c.TryPost("/login", signInForm(customer, wrongPassword)) })
	}
	wg.Wait()
	checked := 0
	for i, p := range pages {
		switch {
		case errs[i] != nil:
			t.Fatal(errs[i])
		case p.Status == http.StatusUnauthorized:
			checked++
		case p.Status != http.StatusTooManyRequests:
			t.Errorf("guess %d: status %d, want 401 (checked) or 429 (throttled)", i, p.Status)
		}
	}
	return checked
}
