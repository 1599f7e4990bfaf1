package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/demo"
	"tugi/app/user"
)

const (
	agent       = "agent@tugi.example"
	ciso        = "ciso@tugi.example"
	msgBadCode  = "That code is not right, or it has been used already. Wait for the next code and try again."
	secondStep  = auth.SecondFactorPath
	secondStepQ = auth.SecondFactorPath + "?next="
)

// passwordStep signs in with email's demo password and returns where it was sent.
func passwordStep(t *testing.T, c *apptest.Client, email, next string) string {
	t.Helper()
	c.Get(t, "/login", http.StatusOK)
	return signIn(t, c, email, demo.Password, http.StatusSeeOther, "next", next).Location()
}

// newPerson makes a person with roles and the demo password, and no second factor.
func newPerson(t *testing.T, app *apptest.App, email string, roles ...string) int64 {
	t.Helper()
	hash, err := user.HashPassword(demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := user.ParseRoles(roles)
	if err != nil {
		t.Fatal(err)
	}
	id, err := user.NewService(app.DB, app.Server.Sessions).Create(context.Background(), audit.Job("test"),
		user.NewUser{Email: email, Name: "New " + roles[0], Roles: rl, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// enrol sets up an authenticator on the second step's page p, as a person would with
// the key it shows, and returns the secret, the recovery codes page and the codes.
func enrol(t *testing.T, app *apptest.App, c *apptest.Client, p *apptest.Page, next string) (string, *apptest.Page, []string) {
	t.Helper()
	secret := p.Text("#totp-secret")
	if secret == "" || p.Doc.Find("#totp-qr").Length() != 1 {
		t.Fatalf("no enrolment on the second step: %s", p.Text("main"))
	}
	if src, _ := p.Doc.Find("#totp-qr").Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("QR code src %.40q, want a PNG data URI", src)
	}
	code, err := auth.TOTPCode(secret, auth.TOTPStep(app.Now()))
	if err != nil {
		t.Fatal(err)
	}
	codes := c.Post(t, secondStep, url.Values{"code": {code}, "next": {next}}, http.StatusOK)
	var list []string
	codes.Doc.Find("#recovery-codes li code").Each(func(_ int, s *goquery.Selection) { list = append(list, s.Text()) })
	if len(list) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(list))
	}
	return secret, codes, list
}

func sessionMethod(t *testing.T, app *apptest.App, email string) []string {
	t.Helper()
	var m []string
	if err := app.DB.Select(&m, `SELECT auth_method FROM sessions WHERE user_id = $1 ORDER BY id`, userID(t, app, email)); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSecondStep(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)

	t.Run("staff pass the second step and go where they were going", func(t *testing.T) {
		c := app.Client(t)
		if loc := passwordStep(t, c, agent, "/queue"); loc != secondStepQ+"%2Fqueue" {
			t.Fatalf("after the password went to %q, want the second step", loc)
		}
		// Nobody is signed in between the steps.
		if p := c.Get(t, "/queue", http.StatusSeeOther); !strings.HasPrefix(p.Location(), "/login") {
			t.Errorf("between the steps /queue went to %q, want the sign-in page", p.Location())
		}
		p := c.Get(t, secondStepQ+"%2Fqueue", http.StatusOK)
		if p.Doc.Find(`form[action="/login/second-factor"] input[name="code"]`).Length() != 1 {
			t.Fatal("the second step has no field named code")
		}
		if p.Doc.Find("#totp-qr").Length() != 0 {
			t.Error("a person with an authenticator is offered a new one")
		}
		bad := c.Post(t, secondStep, url.Values{"code": {wrongCode(t, app, 0)}, "next": {"/queue"}}, http.StatusUnauthorized)
		if got := bad.FieldError("code"); got != msgBadCode {
			t.Errorf("wrong code: %q", got)
		}
		if bad.InputValue("next") != "/queue" {
			t.Errorf("next lost after a wrong code: %q", bad.InputValue("next"))
		}
		ok := c.Post(t, secondStep, url.Values{"code": {app.TOTPCode(t, agent)}, "next": {"/queue"}}, http.StatusSeeOther)
		if ok.Location() != "/queue" {
			t.Errorf("after the code went to %q, want /queue", ok.Location())
		}
		c.Get(t, "/queue", http.StatusOK)
		acc := c.Get(t, "/account", http.StatusOK)
		if got := acc.Text("#sessions .method"); got != "Password and authenticator app" {
			t.Errorf("account page shows the sign-in method %q", got)
		}
		var method string
		app.DB.Get(&method, `SELECT changes->'method'->>'new' FROM audit_events WHERE action = 'auth.sign_in' AND object_id = $1::text ORDER BY id DESC LIMIT 1`, userID(t, app, agent))
		if method != "password+totp" {
			t.Errorf("audited sign-in method %q", method)
		}
	})

	t.Run("a code is accepted once", func(t *testing.T) {
		code := app.TOTPCode(t, ciso)
		first := app.Client(t)
		passwordStep(t, first, ciso, "/")
		first.Post(t, secondStep, url.Values{"code": {code}}, http.StatusSeeOther)
		second := app.Client(t)
		passwordStep(t, second, ciso, "/")
		second.Post(t, secondStep, url.Values{"code": {code}}, http.StatusUnauthorized)
		second.Get(t, "/", http.StatusSeeOther)
	})

	t.Run("customers sign in with the password alone", func(t *testing.T) {
		c := app.Client(t)
		if loc := passwordStep(t, c, customer, "/tickets"); loc != "/tickets" {
			t.Errorf("customer went to %q", loc)
		}
		if m := sessionMethod(t, app, customer); len(m) != 1 || m[0] != "password" {
			t.Errorf("customer's sessions %v", m)
		}
	})

	t.Run("without a password first there is no second step", func(t *testing.T) {
		c := app.Client(t)
		if p := c.Get(t, secondStep, http.StatusSeeOther); p.Location() != "/login" {
			t.Errorf("went to %q", p.Location())
		}
		c.Post(t, secondStep, url.Values{"code": {"123456"}}, http.StatusSeeOther)
	})
}

// Wrong codes count as failed sign-ins, with the password's: a stolen password gives
// five guesses at the code from new browsers, and typing the password again gives none.
func TestSecondStepIsThrottled(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)
	passwordStep(t, c, employee, "/")
	for i := range 4 {
		c.Post(t, secondStep, url.Values{"code": {wrongCode(t, app, i)}}, http.StatusUnauthorized)
	}
	again := app.Client(t) // the right password is no failure, and forgets none
	passwordStep(t, again, employee, "/")
	again.Post(t, secondStep, url.Values{"code": {wrongCode(t, app, 4)}}, http.StatusUnauthorized)
	p := c.Post(t, secondStep, url.Values{"code": {app.TOTPCode(t, employee)}}, http.StatusTooManyRequests)
	if got := p.FieldError("code"); got != msgNewBrowsers {
		t.Errorf("throttled: %q", got)
	}
	c.Get(t, "/", http.StatusSeeOther)
	signIn(t, app.Client(t), employee, demo.Password, http.StatusTooManyRequests)
	if got := signInFailures(t, app); len(got) != 7 || got[0] != "wrong_code" || got[5] != "throttled_account" {
		t.Errorf("failures audited %v", got)
	}
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	const email = "new.agent@tugi.example"
	newPerson(t, app, email, "employee", "agent")
	c := app.Client(t)
	passwordStep(t, c, email, "/")
	_, _, codes := enrol(t, app, c, c.Get(t, secondStep, http.StatusOK), "/")

	use := func(code string, want int) *apptest.Page {
		c := app.Client(t)
		passwordStep(t, c, email, "/")
		return c.Post(t, secondStep, url.Values{"code": {code}}, want)
	}
	use(strings.ToUpper(codes[3]), http.StatusSeeOther) // as typed from paper
	use(codes[3], http.StatusUnauthorized)              // once only
	c2 := app.Client(t)
	passwordStep(t, c2, email, "/")
	c2.Post(t, secondStep, url.Values{"code": {codes[4]}}, http.StatusSeeOther)
	if got := c2.Get(t, "/", http.StatusOK).Text(".flash"); !strings.Contains(got, "8 are left") {
		t.Errorf("flash after a recovery code: %q", got)
	}
	if got := c2.Get(t, "/account", http.StatusOK).Text("#totp-status"); !strings.Contains(got, "Recovery codes left: 8.") {
		t.Errorf("account page: %q", got)
	}
	// New codes replace the old.
	fresh := c2.Post(t, "/account/recovery-codes", nil, http.StatusOK)
	if n := fresh.Doc.Find("#recovery-codes li").Length(); n != 10 {
		t.Errorf("%d new codes", n)
	}
	use(codes[5], http.StatusUnauthorized)
}

// A person whose role needs a second factor and who has none sets one up at sign-in,
// once: afterwards they are signed in and never sent back to it (DFIR-IRIS #904), and the
// next sign-in asks for a code.
func TestEnrolmentAtSignInDoesNotLoop(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	const email = "fresh.agent@tugi.example"
	newPerson(t, app, email, "employee", "agent")
	c := app.Client(t)
	if loc := passwordStep(t, c, email, "/queue"); loc != secondStepQ+"%2Fqueue" {
		t.Fatalf("went to %q", loc)
	}
	page := c.Get(t, secondStepQ+"%2Fqueue", http.StatusOK)
	// The page shown again (a reload) offers the same key.
	if again := c.Get(t, secondStepQ+"%2Fqueue", http.StatusOK); again.Text("#totp-secret") != page.Text("#totp-secret") {
		t.Error("the key changed on reload: the app set up first would not work")
	}
	secret, codes, _ := enrol(t, app, c, page, "/queue")
	if href, _ := codes.Doc.Find("#continue").Attr("href"); href != "/queue" {
		t.Errorf("continue goes to %q", href)
	}
	for _, path := range []string{"/queue", "/", "/account"} {
		c.Get(t, path, http.StatusOK)
	}
	if p := c.Get(t, secondStepQ+"%2Fqueue", http.StatusSeeOther); p.Location() != "/queue" {
		t.Errorf("the second step, done, sends to %q", p.Location())
	}
	if m := sessionMethod(t, app, email); len(m) != 1 || m[0] != "password+totp" {
		t.Errorf("sessions %v", m)
	}
	// Next time: a code, not a new key.
	c2 := app.Client(t)
	passwordStep(t, c2, email, "/")
	p := c2.Get(t, secondStep, http.StatusOK)
	if p.Doc.Find("#totp-qr").Length() != 0 {
		t.Fatal("asked to set up again")
	}
	code, _ := auth.TOTPCode(secret, auth.TOTPStep(app.Now())+1)
	c2.Post(t, secondStep, url.Values{"code": {code}}, http.StatusSeeOther)
	c2.Get(t, "/queue", http.StatusOK)
}

// A session weaker than a route needs is asked for the second factor and brought back;
// what cannot be replayed after it is refused.
func TestStepUp(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)

	t.Run("a password session steps up with its code and comes back", func(t *testing.T) {
		c := app.SignIn(t, admin)
		// As a session opened before second factors were asked for.
		app.DB.MustExec(`UPDATE sessions SET auth_method = 'password' WHERE user_id = $1`, userID(t, app, admin))
		c.Get(t, "/", http.StatusOK) // no more is needed here
		p := c.Get(t, "/admin/users?q=toomas", http.StatusSeeOther)
		if want := secondStepQ + url.QueryEscape("/admin/users?q=toomas"); p.Location() != want {
			t.Fatalf("went to %q, want %q", p.Location(), want)
		}
		c.Post(t, "/admin/sign-in", url.Values{"roles": {"admin"}}, http.StatusForbidden)
		c.Get(t, "/audit/export.csv", http.StatusSeeOther)
		step := c.Get(t, p.Location(), http.StatusOK)
		if !strings.Contains(step.Text("main"), "This page needs a second factor") {
			t.Errorf("step-up page: %q", step.Text("main"))
		}
		back := c.Post(t, secondStep, url.Values{"code": {app.TOTPCode(t, admin)}, "next": {step.InputValue("next")}}, http.StatusSeeOther)
		if back.Location() != "/admin/users?q=toomas" {
			t.Errorf("came back to %q", back.Location())
		}
		c.Get(t, "/admin/users?q=toomas", http.StatusOK)
		c.Get(t, "/audit", http.StatusOK)
		var n int
		app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'auth.step_up'`)
		if n != 1 {
			t.Errorf("%d step-ups audited", n)
		}
	})

	t.Run("the way back is only ever a path here", func(t *testing.T) {
		c := app.SignIn(t, ciso)
		app.DB.MustExec(`UPDATE sessions SET auth_method = 'password' WHERE user_id = $1`, userID(t, app, ciso))
		p := c.Post(t, secondStep, url.Values{"code": {app.TOTPCode(t, ciso)}, "next": {"//evil.example/x"}}, http.StatusSeeOther)
		if p.Location() != "/" {
			t.Errorf("went to %q", p.Location())
		}
	})

	t.Run("htmx is told where to go", func(t *testing.T) {
		c := app.SignIn(t, admin)
		app.DB.MustExec(`UPDATE sessions SET auth_method = 'password' WHERE user_id = $1`, userID(t, app, admin))
		p := c.Get(t, "/audit", http.StatusUnauthorized, "HX-Request", "true")
		if got := p.Header.Get("HX-Redirect"); got != secondStepQ+"%2Faudit" {
			t.Errorf("HX-Redirect %q", got)
		}
	})

	t.Run("a person without a factor sets one up to step up", func(t *testing.T) {
		const email = "second.admin@tugi.example"
		newPerson(t, app, email, "employee", "admin")
		boss := app.SignIn(t, admin)
		boss.Post(t, "/admin/sign-in", url.Values{"roles": {"agent", "ciso"}}, http.StatusSeeOther)
		defer boss.Post(t, "/admin/sign-in", url.Values{"roles": {"agent", "ciso", "admin"}}, http.StatusSeeOther)
		c := app.Client(t)
		if loc := passwordStep(t, c, email, "/"); loc != "/" {
			t.Fatalf("not asked for a factor, yet went to %q", loc)
		}
		p := c.Get(t, "/audit", http.StatusSeeOther)
		_, codes, _ := enrol(t, app, c, c.Get(t, p.Location(), http.StatusOK), "/audit")
		if href, _ := codes.Doc.Find("#continue").Attr("href"); href != "/audit" {
			t.Errorf("continue goes to %q", href)
		}
		c.Get(t, "/audit", http.StatusOK)
	})
}

func TestSecondFactorPolicy(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.SignIn(t, admin)
	p := c.Get(t, "/admin/sign-in", http.StatusOK)
	if got := p.FormValues("#policy-form")["roles"]; strings.Join(got, ",") != "agent,ciso,admin" {
		t.Errorf("default policy %v", got)
	}
	bad := c.Post(t, "/admin/sign-in", url.Values{"roles": {"agent", "owner"}}, http.StatusUnprocessableEntity)
	if bad.FieldError("roles") == "" {
		t.Error("an unknown role is not refused")
	}
	c.Post(t, "/admin/sign-in", url.Values{"roles": {"employee", "agent", "ciso", "admin"}}, http.StatusSeeOther)
	var change string
	app.DB.Get(&change, `SELECT changes->'roles'->>'new' FROM audit_events WHERE action = 'auth.second_factor_policy'`)
	if change != "admin, agent, ciso, employee" {
		t.Errorf("audited %q", change)
	}
	// An employee without a factor now sets one up at sign-in.
	const email = "plain.employee@tugi.example"
	newPerson(t, app, email, "employee")
	e := app.Client(t)
	passwordStep(t, e, email, "/")
	if e.Get(t, secondStep, http.StatusOK).Doc.Find("#totp-qr").Length() != 1 {
		t.Error("an employee is not asked to set up a factor")
	}
	// Nobody else may change it.
	app.SignIn(t, ciso).Post(t, "/admin/sign-in", url.Values{"roles": {"admin"}}, http.StatusForbidden)
}

func TestAdminResetsFactorsAndSessions(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	a := app.SignIn(t, agent)
	boss := app.SignIn(t, admin)
	id := userID(t, app, agent)
	page := boss.Get(t, "/admin/users/"+itoa(id), http.StatusOK)
	if page.Doc.Find(`#sign-in form[action$="/second-factor/reset"]`).Length() != 1 {
		t.Fatal("no reset on the admin's user page")
	}
	boss.Post(t, "/admin/users/"+itoa(id)+"/second-factor/reset", nil, http.StatusSeeOther)
	var subject string
	app.DB.Get(&subject, `SELECT subject FROM mail_outbox WHERE kind = 'auth.second_factor_reset'`)
	if subject != "Your second factor for Tugi was reset" {
		t.Errorf("mail %q", subject)
	}
	a.Get(t, "/queue", http.StatusOK) // the session stays until ended
	boss.Post(t, "/admin/users/"+itoa(id)+"/sessions/end", nil, http.StatusSeeOther)
	a.Get(t, "/queue", http.StatusSeeOther)
	var actions []string
	app.DB.Select(&actions, `SELECT action FROM audit_events WHERE action IN ('auth.second_factor_reset', 'session.revoke_all') ORDER BY id`)
	if strings.Join(actions, ",") != "auth.second_factor_reset,session.revoke_all" {
		t.Errorf("audited %v", actions)
	}
	// Signing in again sets up a new authenticator.
	c := app.Client(t)
	passwordStep(t, c, agent, "/")
	enrol(t, app, c, c.Get(t, secondStep, http.StatusOK), "/")
	// Only admins reset.
	a2 := app.SignIn(t, ciso)
	a2.Post(t, "/admin/users/"+itoa(id)+"/second-factor/reset", nil, http.StatusForbidden)
}

func TestAccountSecondFactor(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	// An employee (not needed by the policy) sets one up from the account page, and
	// removes it.
	const email = "own.choice@tugi.example"
	newPerson(t, app, email, "employee")
	c := app.Client(t)
	if loc := passwordStep(t, c, email, "/"); loc != "/" {
		t.Fatalf("went to %q", loc)
	}
	acc := c.Get(t, "/account", http.StatusOK)
	href, _ := acc.Doc.Find("#totp-setup").Attr("href")
	enrol(t, app, c, c.Get(t, href, http.StatusOK), "/account")
	if !strings.Contains(c.Get(t, "/account", http.StatusOK).Text("#totp-status"), "An authenticator app is set up") {
		t.Error("the account page does not say it is set up")
	}
	c.Post(t, "/account/totp/remove", nil, http.StatusSeeOther)
	if loc := passwordStep(t, app.Client(t), email, "/"); loc != "/" {
		t.Errorf("after removing it, sign-in went to %q", loc)
	}
	// The agent's policy keeps theirs.
	a := app.SignIn(t, agent)
	a.Post(t, "/account/totp/remove", nil, http.StatusSeeOther)
	var n int
	app.DB.Get(&n, `SELECT count(*) FROM totp_factors WHERE user_id = $1`, userID(t, app, agent))
	if n != 1 {
		t.Error("the agent's authenticator was removed")
	}
}

// Every demo staff person has the demo authenticator; customers have none; the secret
// is kept sealed under the factor key file.
func TestDemoAuthenticators(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	for _, p := range demo.People {
		var row struct {
			Secret []byte `db:"secret"`
			KeyID  string `db:"key_id"`
		}
		err := app.DB.Get(&row, `SELECT secret, key_id FROM totp_factors WHERE user_id = $1`, userID(t, app, p.Email))
		if p.Staff() != (err == nil) {
			t.Errorf("%s: staff %v, authenticator %v", p.Email, p.Staff(), err == nil)
		}
		if strings.Contains(string(row.Secret), demo.TOTPSecret) {
			t.Errorf("%s: the secret is stored in the clear", p.Email)
		}
		if p.Staff() && row.KeyID != app.FactorKey.ID() {
			t.Errorf("%s: sealed with key %q, want the file's %s", p.Email, row.KeyID, app.FactorKey.ID())
		}
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// wrongCode returns a six-digit code, the i-th of several, that the demo authenticator
// does not show now, nor just before or after.
func wrongCode(t *testing.T, app *apptest.App, i int) string {
	t.Helper()
	right := map[string]bool{}
	now := auth.TOTPStep(app.Now())
	for s := now - 2; s <= now+2; s++ {
		code, err := auth.TOTPCode(demo.TOTPSecret, s)
		if err != nil {
			t.Fatal(err)
		}
		right[code] = true
	}
	for n := 100000 + i*10; ; n++ {
		if c := strconv.Itoa(n); !right[c] {
			return c
		}
	}
}
