package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/demo"
)

// virtualAuthenticator gives the tab a passkey device of Chromium's own (the WebAuthn
// domain): a platform authenticator that keeps passkeys, verifies its person and answers
// at once, as a laptop's fingerprint reader would. It returns its id.
func (tb *tab) virtualAuthenticator() webauthn.AuthenticatorID {
	tb.t.Helper()
	id, err := chromedp.Run(tb.ctx, func(ctx context.Context, t *chromedp.Target) (webauthn.AuthenticatorID, error) {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return "", err
		}
		res, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true}})
		return res.AuthenticatorID, err
	})
	if err != nil {
		tb.t.Fatalf("add a virtual authenticator: %v", err)
	}
	return id
}

// passkeysOn returns how many passkeys the virtual authenticator id holds.
func (tb *tab) passkeysOn(id webauthn.AuthenticatorID) int {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, func(ctx context.Context, t *chromedp.Target) (int, error) {
		res, err := cdp.Call(ctx, t, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
		return len(res.Credentials), err
	})
	if err != nil {
		tb.t.Fatalf("read the virtual authenticator: %v", err)
	}
	return n
}

// passwordOnly signs email in up to the second step (or home, when there is none).
func (tb *tab) password(email string) {
	tb.t.Helper()
	tb.open("open the sign-in page", tb.base+"/login", http.StatusOK)
	tb.waitFor("the sign-in form", `document.querySelector("#email")`)
	tb.do("sign in with the password",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
}

// TestPasskeys: an agent adds a passkey on the account page (Chromium's virtual
// authenticator stands in for the device), signs out, and signs in again with it at the
// second step; the CISO, in a session that signed in with a password alone, is asked for a
// second factor on the way to an incident, gives a code, and lands on the incident.
// Tugi is served at localhost: browsers take passkeys only for a domain name.
func TestPasskeys(t *testing.T) {
	app := apptest.NewWith(t, apptest.Options{Localhost: true})
	b := browser(t)
	ctx := context.Background()

	t.Run("an agent registers a passkey and signs in with it", func(t *testing.T) {
		tb := newTab(t, b, app)
		device := tb.virtualAuthenticator()
		tb.signIn("agent@tugi.example")
		tb.open("open the account page", app.URL+"/account", http.StatusOK)
		tb.waitFor("the passkey form, shown by the script", `document.querySelector("#passkey-add")?.hidden === false`)
		if got := tb.text("#passkeys-none"); got != "You have no passkeys yet." {
			t.Errorf("before: %q", got)
		}
		tb.do("name the passkey and add it",
			chromedp.SendKeys(chromedp.ID("passkey-name"), "Work laptop"),
			chromedp.Click(chromedp.ID("passkey-add-button")))
		tb.waitFor("the passkey listed", `document.querySelector("#passkey-list td.name")?.innerText.trim() === "Work laptop"`)
		if got := tb.text(".flash"); got != "Your passkey Work laptop has been added." {
			t.Errorf("flash %q", got)
		}
		if got := tb.text("#passkey-list td.used"); got != "Not yet" {
			t.Errorf("last used %q before any use", got)
		}
		if n := tb.passkeysOn(device); n != 1 {
			t.Fatalf("the device holds %d passkeys, want 1", n)
		}
		tb.screenshot("passkey-added")

		tb.do("sign out", chromedp.Click(chromedp.CSS(`.who button[type=submit]`)))
		tb.waitText("h1", "Sign in")
		tb.password("agent@tugi.example")
		tb.waitFor("the passkey button on the second step", `location.pathname === "/login/second-factor" && document.querySelector("#passkey-signin")?.hidden === false`)
		if !eval[bool](tb, `!!document.querySelector("#code")`) {
			t.Error("the code field is gone beside the passkey")
		}
		tb.screenshot("passkey-second-step")
		tb.do("use the passkey", chromedp.Click(chromedp.ID("passkey-use")))
		tb.waitText("h1", "Welcome, Andres Agent")

		tb.open("open the account page again", app.URL+"/account", http.StatusOK)
		method := eval[string](tb, `[...document.querySelectorAll("#sessions tr")].find(tr => tr.querySelector(".badge"))?.querySelector(".method")?.innerText.trim() ?? ""`)
		if method != "Password and passkey" {
			t.Errorf("this session signed in by %q", method)
		}
		if got := tb.text("#passkey-list td.used"); got == "Not yet" || got == "" {
			t.Errorf("last used %q after signing in with it", got)
		}
		var audited int
		if err := app.DB.Get(&audited, `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in'
			AND changes->'method'->>'new' = 'password+passkey' AND changes->'passkey'->>'new' = 'Work laptop'`); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Errorf("%d sign-ins with the passkey audited, want 1", audited)
		}
		tb.checkConsole()
	})

	t.Run("the CISO steps up to reach an incident and is returned to it", func(t *testing.T) {
		// A session that signed in with a password alone: the CISO's, from before she set
		// up her app, while the policy did not yet name her role.
		var ciso int64
		if err := app.DB.Get(&ciso, `SELECT id FROM users WHERE email = 'ciso@tugi.example'`); err != nil {
			t.Fatal(err)
		}
		if _, err := app.DB.Exec(`DELETE FROM totp_factors WHERE user_id = $1`, ciso); err != nil {
			t.Fatal(err)
		}
		if _, err := app.DB.Exec(`UPDATE second_factor_policy SET roles = '{agent,admin}'`); err != nil {
			t.Fatal(err)
		}
		tb := newTab(t, b, app)
		tb.password("ciso@tugi.example")
		tb.waitText("h1", "Welcome, Sirje Security")
		if err := auth.EnrolTOTP(ctx, app.DB, app.FactorKey, audit.Job("test"), ciso, demo.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		if _, err := app.DB.Exec(`UPDATE second_factor_policy SET roles = '{agent,ciso,admin}'`); err != nil {
			t.Fatal(err)
		}

		var incident int64
		if err := app.DB.Get(&incident, `SELECT min(id) FROM incidents`); err != nil {
			t.Fatal(err)
		}
		path := "/incidents/" + strconv.FormatInt(incident, 10)
		tb.open("open an incident", app.URL+path, http.StatusOK)
		tb.waitFor("the second step", `location.pathname === "/login/second-factor" && document.querySelector("#code")`)
		if got := tb.text("#second-factor p.muted"); got != "This page needs a second factor. Type the code from your authenticator app to go on." {
			t.Errorf("the step-up page says %q", got)
		}
		tb.screenshot("step-up")
		tb.do("type the code", chromedp.SendKeys(chromedp.ID("code"), app.TOTPCode(t, "ciso@tugi.example")),
			chromedp.Click(chromedp.CSS(`form[action="/login/second-factor"] button[type=submit]`)))
		tb.waitFor("the incident's full page", `location.pathname === "`+path+`" && document.querySelector("#classify-form")`)
		tb.open("open the account page", app.URL+"/account", http.StatusOK)
		method := eval[string](tb, `[...document.querySelectorAll("#sessions tr")].find(tr => tr.querySelector(".badge"))?.querySelector(".method")?.innerText.trim() ?? ""`)
		if method != "Password and authenticator app" {
			t.Errorf("after the step up, this session signed in by %q", method)
		}
		tb.checkConsole()
	})
}
