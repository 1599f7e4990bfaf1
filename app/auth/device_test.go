package auth_test

import (
	"crypto/rand"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/config"
	"tugi/app/demo"
)

// knownBrowser returns a client that has signed in as email with the right password, and
// out again: a browser the account has been used on.
func knownBrowser(t *testing.T, app *apptest.App, email string) *apptest.Client {
	t.Helper()
	c := app.SignIn(t, email)
	c.Post(t, "/logout", nil, http.StatusSeeOther)
	return c
}

// guess sends n wrong passwords for email from a new browser, each of which must be
// checked and refused (401).
func guess(t *testing.T, app *apptest.App, email string, n int) {
	t.Helper()
	attacker := app.Client(t)
	for range n {
		signIn(t, attacker, email, wrongPassword, http.StatusUnauthorized)
	}
}

// The default limits: an attacker's guesses lock the account for browsers it has not
// been used on, never for the owner's own.
func TestGuessingDoesNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	owner := knownBrowser(t, app, customer)
	guess(t, app, customer, 5)

	// A typo on the owner's browser is still checked, and said to be one.
	signIn(t, owner, customer, wrongPassword, http.StatusUnauthorized)
	signIn(t, owner, customer, demo.Password, http.StatusSeeOther)
	owner.Get(t, "/account", http.StatusOK)
	var devices []string
	err := app.DB.Select(&devices, `SELECT changes->'device'->>'new' FROM audit_events
		WHERE action = 'auth.sign_in' AND object_id = $1 ORDER BY id`, strconv.FormatInt(userID(t, app, customer), 10))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"new", "known"}; !slices.Equal(devices, want) {
		t.Errorf("the sign-ins' audit events say the browser was %q, want %q", devices, want)
	}

	// A browser the account was never used on waits, whatever the password.
	p := signIn(t, app.Client(t), customer, demo.Password, http.StatusTooManyRequests)
	if got := p.Text("#form-error"); got != msgNewBrowsers {
		t.Errorf("a new browser after 5 guesses: %q, want %q", got, msgNewBrowsers)
	}
}

// Failures from one address, at many accounts, refuse that address (except to browsers an
// account was used on) and lock no account.
func TestAddressLimitLocksNoAccount(t *testing.T) {
	t.Parallel()
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) {
		_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
		c.TrustedProxies = []*net.IPNet{loopback}
	}})
	const crowd, elsewhere = "203.0.113.9", "198.51.100.7"
	owner := knownBrowser(t, app, customer)
	attacker := app.Client(t)
	for i := range 30 {
		f := signInForm("guess"+strconv.Itoa(i)+"@demo-customer.example", wrongPassword)
		attacker.Post(t, "/login", f, http.StatusUnauthorized, "X-Forwarded-For", crowd)
	}

	// The owner, behind the same address (a proxy, a shared network), still signs in.
	owner.Post(t, "/login", signInForm(customer, demo.Password), http.StatusSeeOther, "X-Forwarded-For", crowd)
	// A new browser there is refused, and told why.
	p := app.Client(t).Post(t, "/login", signInForm(customer, demo.Password), http.StatusTooManyRequests, "X-Forwarded-For", crowd)
	if got := p.Text("#form-error"); got != msgAddress {
		t.Errorf("a new browser at the guessing address: %q, want %q", got, msgAddress)
	}
	// From another address, the account is open to any browser.
	app.Client(t).Post(t, "/login", signInForm(customer, demo.Password), http.StatusSeeOther, "X-Forwarded-For", elsewhere)
}

// strict are limits small enough for a test: 3 failures per account from new browsers,
// 3 per known browser.
var strict = apptest.Options{Throttle: auth.Throttle{PerAccount: 3, PerDevice: 3, PerClient: 100, Window: time.Hour}}

func TestDeviceCookie(t *testing.T) {
	t.Parallel()

	t.Run("is bound to its account", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, strict)
		other := knownBrowser(t, app, customer2)
		guess(t, app, customer, 3)
		guess(t, app, customer2, 3)
		// Known to customer2, the browser is new to customer.
		p := signIn(t, other, customer, demo.Password, http.StatusTooManyRequests)
		if got := p.Text("#form-error"); got != msgNewBrowsers {
			t.Errorf("another account's device cookie: %q, want %q", got, msgNewBrowsers)
		}
		signIn(t, other, customer2, demo.Password, http.StatusSeeOther)
	})

	t.Run("tampered or forged gives no trust", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, strict)
		owner := knownBrowser(t, app, customer)
		value := owner.Cookie(auth.DeviceCookie)
		if value == "" {
			t.Fatal("no device cookie after signing in")
		}
		guess(t, app, customer, 3)

		tampered := []byte(value)
		i := len(tampered) / 2
		tampered[i] ^= 'A' ^ 'B'
		// Signed with a key that is not Tugi's, for the right account.
		key := make([]byte, 32)
		rand.Read(key)
		codec := securecookie.New(key, nil)
		codec.SetSerializer(securecookie.JSONEncoder{})
		forged, err := codec.Encode(auth.DeviceCookie, map[string]any{"u": userID(t, app, customer), "n": "forged"})
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"tampered": string(tampered), "forged": forged} {
			c := app.Client(t)
			c.SetCookie(auth.DeviceCookie, v)
			if p := signIn(t, c, customer, demo.Password, http.StatusTooManyRequests); p.Text("#form-error") != msgNewBrowsers {
				t.Errorf("%s device cookie: %q, want %q", name, p.Text("#form-error"), msgNewBrowsers)
			}
		}
		// The cookie as signed passes, whichever client sends it.
		c := app.Client(t)
		c.SetCookie(auth.DeviceCookie, value)
		signIn(t, c, customer, demo.Password, http.StatusSeeOther)
	})

	t.Run("that fails too often is locked", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, strict)
		owner := knownBrowser(t, app, customer)
		for range 3 { // the device's limit: its cookie may have been stolen
			signIn(t, owner, customer, wrongPassword, http.StatusUnauthorized)
		}
		guess(t, app, customer, 3)
		p := signIn(t, owner, customer, demo.Password, http.StatusTooManyRequests)
		if got := p.Text("#form-error"); got != msgNewBrowsers {
			t.Errorf("a locked device cookie: %q, want %q (counted as a new browser)", got, msgNewBrowsers)
		}
	})

	// Guesses sent together with a stolen device cookie are each counted before any is
	// checked: no more than the device's limit, then a new browser's, are ever checked.
	t.Run("concurrent guesses with one cookie", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, strict)
		value := knownBrowser(t, app, customer).Cookie(auth.DeviceCookie)
		checked := guessAtOnce(t, app, 30, func(c *apptest.Client) { c.SetCookie(auth.DeviceCookie, value) })
		if checked > 6 {
			t.Errorf("%d of 30 concurrent guesses were checked, limit 3 for the device and 3 for new browsers", checked)
		}
		// The cookie has lost its trust: with the right password it is refused (when the
		// guesses filled the new browsers' bucket too) or signs in as a new browser, never as
		// a known one (which of the two depends on how the guesses interleaved).
		c := app.Client(t)
		c.SetCookie(auth.DeviceCookie, value)
		c.CSRF()
		p, err := c.TryPost("/login", signInForm(customer, demo.Password))
		switch {
		case err != nil:
			t.Fatal(err)
		case p.Status == http.StatusSeeOther:
			var device string
			if err := app.DB.Get(&device, `SELECT changes->'device'->>'new' FROM audit_events
				WHERE action = 'auth.sign_in' AND object_id = $1 ORDER BY id DESC LIMIT 1`, strconv.FormatInt(userID(t, app, customer), 10)); err != nil {
				t.Fatal(err)
			}
			if device != "new" {
				t.Errorf("after the guesses, the cookie signed in as a %q browser, want new", device)
			}
		case p.Status != http.StatusTooManyRequests:
			t.Errorf("after the guesses, the cookie with the right password: %d, want 429 or 303", p.Status)
		}
	})

	t.Run("over http", func(t *testing.T) {
		t.Parallel()
		app := apptest.New(t)
		p := signIn(t, app.Client(t), customer, demo.Password, http.StatusSeeOther)
		ck := cookie(p, auth.DeviceCookie)
		if ck == nil {
			t.Fatal("no device cookie set at sign-in")
		}
		year := int((365 * 24 * time.Hour).Seconds())
		if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/" || ck.MaxAge != year {
			t.Errorf("device cookie: HttpOnly %v, SameSite %v, Secure %v, Path %q, MaxAge %d; want HttpOnly, Strict, not Secure over http, /, %d",
				ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path, ck.MaxAge, year)
		}
	})

	// Under HTTPS the cookie is __Host-tugi_device, and the name without the prefix, which
	// another host or plain http could set, gives no trust.
	t.Run("over https", func(t *testing.T) {
		t.Parallel()
		app := apptest.NewWith(t, apptest.Options{Throttle: strict.Throttle, Configure: func(c *config.Config) {
			u, _ := url.Parse("https://tugi.example")
			c.PublicURL = u
		}})
		// Each request comes from a new client and sends the cookies it means by hand.
		post := func(password string, want int, cookies string) *apptest.Page {
			t.Helper()
			c := app.Client(t)
			page := c.Get(t, "/login", http.StatusOK)
			pre := cookie(page, "__Host-tugi_csrf") // the sign-in form's pre-session cookie, under HTTPS
			if pre == nil {
				t.Fatal("no pre-session cookie")
			}
			form := url.Values{"email": {customer}, "password": {password}, "_csrf": {apptest.PageCSRF(page)}}
			return c.Do(t, http.MethodPost, "/login", form, want, "Cookie", "__Host-tugi_csrf="+pre.Value+cookies)
		}
		ck := cookie(post(demo.Password, http.StatusSeeOther, ""), "__Host-"+auth.DeviceCookie)
		if ck == nil || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
			t.Fatalf("device cookie: %+v, want __Host-%s, Secure, HttpOnly, Path /, no Domain", ck, auth.DeviceCookie)
		}
		for range 3 {
			post(wrongPassword, http.StatusUnauthorized, "")
		}
		post(demo.Password, http.StatusTooManyRequests, "; "+auth.DeviceCookie+"="+ck.Value)
		post(demo.Password, http.StatusSeeOther, "; __Host-"+auth.DeviceCookie+"="+ck.Value)
	})
}
