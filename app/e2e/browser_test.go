// Package e2e drives Tugi in a real browser (Debian's Chromium, headless): the journeys
// people take, with htmx, the Content-Security-Policy and the stylesheet all in play.
package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/demo"
	"tugi/app/testdb"
	"tugi/app/user"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// browser starts one headless Chromium for the whole test and returns a context whose
// children are tabs of it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("no chromium on PATH: install Chromium: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), // the network is closed here; no noise
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// No timeout here: the first Do ties the browser's life to its context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// tab is one journey's tab, in a browser context of its own (its own cookies), with
// everything the page writes to the console kept for checkConsole.
type tab struct {
	t    *testing.T
	ctx  context.Context
	app  *apptest.App
	base string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

func newTab(t *testing.T, browserCtx context.Context, app *apptest.App) *tab {
	t.Helper()
	return newTabWithin(t, browserCtx, app, 40*time.Second)
}

// newTabWithin is newTab for a journey that may take up to d in all.
func newTabWithin(t *testing.T, browserCtx context.Context, app *apptest.App, d time.Duration) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	tb := &tab{t: t, ctx: ctx, app: app, base: app.URL}
	messages := chromedp.Console(ctx) // opens the tab and subscribes before any page loads
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m)
			tb.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancelTimeout(); cancel(); <-done })
	return tb
}

// do runs steps, failing the test with what the page shows if one fails.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v\npage: %s", what, err, tb.text("body"))
	}
}

// open loads target and fails the test unless the page the browser lands on (after any
// redirect) answered with status want.
func (tb *tab) open(what, target string, want int) {
	tb.t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Navigate(target))
	if err != nil {
		tb.t.Fatalf("%s: %v\npage: %s", what, err, tb.text("body"))
	}
	if res.Status != int64(want) {
		tb.t.Fatalf("%s: %s answered %d, want %d\npage: %s", what, res.URL, res.Status, want, tb.text("body"))
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// text returns the trimmed text of the first element sel selects ("" if none).
func (tb *tab) text(sel string) string {
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(document.querySelector(%q)?.innerText ?? "").trim()`, sel)))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return v
}

// waitFor waits until the JavaScript condition holds. It polls from Go, so it also
// works across a full page load, which would end a poll inside the page.
func (tb *tab) waitFor(what, cond string) {
	tb.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || tb.ctx.Err() != nil {
			tb.t.Fatalf("waiting for %s (%s): %v\nat %s, page: %s", what, cond, err, tb.path(), tb.text("body"))
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// waitText waits until the first element sel selects has exactly the text want.
func (tb *tab) waitText(sel, want string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf("%s to read %q", sel, want),
		fmt.Sprintf(`(document.querySelector(%q)?.innerText ?? "").trim() === %q`, sel, want))
}

func (tb *tab) path() string {
	p, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`location.pathname`))
	return p
}

func (tb *tab) signIn(email string) {
	tb.t.Helper()
	tb.open("open the sign-in page", tb.base+"/login", http.StatusOK)
	tb.waitFor("the sign-in form", `document.querySelector("#email")`)
	tb.do("sign in as "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	)
	// Staff pass the second step with a code of the demo authenticator.
	tb.waitFor("the home page or the second step", `(location.pathname === "/" && document.querySelector("h1")?.innerText.startsWith("Welcome, ")) ||
		(location.pathname === "/login/second-factor" && document.querySelector("#code"))`)
	if tb.path() == auth.SecondFactorPath {
		tb.do("type the code from the authenticator",
			chromedp.SendKeys(chromedp.ID("code"), tb.app.TOTPCode(tb.t, email)),
			chromedp.Click(chromedp.CSS(`form[action="/login/second-factor"] button[type=submit]`)),
		)
		tb.waitFor("the home page", `location.pathname === "/" && document.querySelector("h1")?.innerText.startsWith("Welcome, ")`)
	}
}

func (tb *tab) navLabels() []string {
	tb.t.Helper()
	return eval[[]string](tb, `[...document.querySelectorAll(".mainnav a")].map(a => a.textContent.trim())`)
}

// screenshot saves the page as TUGI_SCREENSHOTS/tugi-<name>.png when that variable names
// a folder, for a person to look at; otherwise it does nothing.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("TUGI_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, "tugi-"+name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", path)
}

// tolerated is console noise that is not the page's fault: the browser asks every site
// for /favicon.ico, which Tugi does not have.
var tolerated = regexp.MustCompile(`/favicon\.ico`)

// checkConsole fails the test for anything the pages wrote to the console, such as a
// script error or a Content-Security-Policy violation, except what allowed matches.
func (tb *tab) checkConsole(allowed ...*regexp.Regexp) {
	tb.t.Helper()
	time.Sleep(100 * time.Millisecond) // let the last events arrive
	tb.mu.Lock()
	defer tb.mu.Unlock()
	allowed = append(allowed, tolerated)
	for _, m := range tb.console {
		if slices.ContainsFunc(allowed, func(re *regexp.Regexp) bool { return re.MatchString(m.URL + " " + m.Text) }) {
			continue
		}
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() ||
			m.Source == "security" || strings.Contains(m.Text, "Content Security Policy") {
			tb.t.Errorf("console %s (%s %s:%d): %s", m.Type, m.Source, m.URL, m.Line+1, m.Text)
		}
	}
}

// saw reports whether the console got a message that re matches.
func (tb *tab) saw(re *regexp.Regexp) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return slices.ContainsFunc(tb.console, func(m chromedp.ConsoleMessage) bool { return re.MatchString(m.Text) })
}

func TestBrowser(t *testing.T) {
	app := apptest.New(t)
	b := browser(t)

	t.Run("customer signs in", func(t *testing.T) {
		tb := newTab(t, b, app)
		tb.open("open /", app.URL+"/", http.StatusOK)
		tb.waitFor("the sign-in page", `location.pathname === "/login" && document.querySelector("#email")`)
		if title := eval[string](tb, `document.title`); !strings.HasPrefix(title, "Sign in") {
			t.Errorf("title %q", title)
		}
		if focused := eval[string](tb, `document.activeElement?.id ?? ""`); focused != "email" {
			t.Errorf("the cursor is in %q, not in the e-mail field", focused)
		}
		tb.do("sign in",
			chromedp.SendKeys(chromedp.ID("email"), "customer@demo-customer.example"),
			chromedp.SendKeys(chromedp.ID("password"), demo.Password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		)
		tb.waitText("h1", "Welcome, Mari Maasikas")
		if p := tb.path(); p != "/" {
			t.Errorf("the address bar shows %q after sign-in, want /", p)
		}
		if s := tb.text("#home-customer"); !strings.Contains(s, "Demo Customer OÜ") {
			t.Errorf("the home page does not name the organisation: %q", s)
		}
		if s := tb.text(".who"); !strings.Contains(s, "Mari Maasikas") || !strings.Contains(s, "Demo Customer OÜ") {
			t.Errorf("the top bar shows %q", s)
		}
		if s := tb.text("footer"); !strings.Contains(s, "+372 671 8578") || !strings.Contains(s, "info@directo.ee") {
			t.Errorf("the footer lacks the support contact: %q", s)
		}
		if nav := tb.navLabels(); slices.Contains(nav, "Users") || slices.Contains(nav, "Organisations") || !slices.Contains(nav, "Home") {
			t.Errorf("a customer's navigation: %v", nav)
		}
		// The stylesheet and htmx are loaded and in force (the CSP allows them).
		if !eval[bool](tb, `typeof htmx === "object" && getComputedStyle(document.body).display === "flex"`) {
			t.Error("htmx or the stylesheet is not in force")
		}
		tb.checkConsole()

		// The console check sees a CSP violation: an inline script, refused.
		eval[chromedp.Void](tb, `document.body.append(Object.assign(document.createElement("script"), {textContent: "window.inline = 1"}))`)
		tb.waitFor("the refusal", `window.inline === undefined`)
		deadline := time.Now().Add(5 * time.Second)
		for !tb.saw(regexp.MustCompile(`Content Security Policy`)) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !tb.saw(regexp.MustCompile(`Content Security Policy`)) {
			t.Error("an inline script ran or its CSP violation did not reach the console check")
		}
	})

	t.Run("admin creates a user", func(t *testing.T) {
		tb := newTab(t, b, app)
		tb.signIn("admin@tugi.example")
		tb.waitText("h1", "Welcome, Toomas Admin")
		if nav := tb.navLabels(); !slices.Contains(nav, "Users") || !slices.Contains(nav, "Organisations") {
			t.Errorf("an admin's navigation: %v", nav)
		}
		tb.waitFor("the admin figures", `document.querySelector("#home-admin .stats")`)
		tb.screenshot("admin-home")

		tb.do("go to Users", chromedp.Click(chromedp.CSS(".nav-group summary")), chromedp.Click(chromedp.CSS(`.mainnav a[href="/admin/users"]`)))
		tb.waitFor("the user list", `location.pathname === "/admin/users" && document.querySelectorAll("#users tbody tr").length === 8`)
		tb.screenshot("admin-users")
		if cur := eval[string](tb, `document.querySelector(".mainnav a[aria-current=page]")?.textContent.trim() ?? ""`); cur != "Users" {
			t.Errorf("the navigation marks %q as the current page", cur)
		}
		tb.do("open the new-user form", chromedp.Click(chromedp.CSS(`a[href="/admin/users/new"]`)))
		tb.waitFor("the new-user form", `document.querySelector("form#new-user")`)

		const password = "liis has a long password"
		tb.do("fill the form with a bad e-mail address",
			chromedp.SendKeys(chromedp.ID("email"), "liis.lepik-at-tugi.example"),
			chromedp.SendKeys(chromedp.ID("name"), "Liis Lepik"),
			chromedp.Click(chromedp.CSS(`input[name=roles][value=agent]`)),
			chromedp.Click(chromedp.CSS(`input[name=roles][value=employee]`)),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`#new-user button[type=submit]`)),
		)
		tb.waitFor("the message beside the e-mail field", `document.querySelector("#email-error")`)
		if msg := tb.text("#email-error"); !strings.Contains(msg, "e-mail address") {
			t.Errorf("beside the e-mail field: %q", msg)
		}
		if v := eval[string](tb, `document.querySelector("#name").value`); v != "Liis Lepik" {
			t.Errorf("the name field holds %q after the 422, want the typed name", v)
		}
		if v := eval[string](tb, `document.querySelector("#email").value`); v != "liis.lepik-at-tugi.example" {
			t.Errorf("the e-mail field holds %q after the 422", v)
		}
		if v := eval[string](tb, `document.querySelector("#password").value`); v != "" {
			t.Error("the password came back in the form")
		}
		if !eval[bool](tb, `document.querySelector("input[name=roles][value=agent]").checked && document.querySelector("input[name=roles][value=employee]").checked`) {
			t.Error("the roles are no longer checked after the 422")
		}
		// tugi.js puts the cursor there once htmx has settled the swap.
		tb.waitFor("the cursor in the e-mail field", `document.activeElement?.id === "email"`)
		tb.screenshot("admin-new-user-422")
		if n := eval[int](tb, `document.querySelectorAll("header.topbar").length`); n != 1 {
			t.Errorf("%d top bars after the 422 swap, want 1", n)
		}

		tb.do("fix the e-mail address and send again",
			chromedp.Clear(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), "liis.lepik@tugi.example"),
			chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.CSS(`#new-user button[type=submit]`)),
		)
		tb.waitText("h1", "Liis Lepik")
		// The agent role waits for a second admin's approval (app/user/rolechanges_test.go).
		if flash := tb.text(".flash"); flash != "User liis.lepik@tugi.example created. The roles agent, CISO and admin wait for another admin's approval." {
			t.Errorf("flash %q", flash)
		}
		if p := tb.path(); !regexp.MustCompile(`^/admin/users/\d+$`).MatchString(p) {
			t.Errorf("the address bar shows %q, want the new user's page", p)
		}
		if roles := eval[[]string](tb, `[...document.querySelectorAll("#roles-form input[name=roles]:checked")].map(i => i.value)`); !slices.Equal(roles, []string{"employee"}) {
			t.Errorf("the new user's roles: %v", roles)
		}

		tb.do("sign out", chromedp.Click(chromedp.CSS(`.who button[type=submit]`)))
		tb.waitText(".flash", "You have signed out.")
		tb.waitText("h1", "Sign in")
		if nav := tb.navLabels(); len(nav) != 0 {
			t.Errorf("navigation after sign-out: %v", nav)
		}
		tb.open("open /admin/users signed out", app.URL+"/admin/users", http.StatusOK)
		tb.waitFor("the sign-in page", `location.pathname === "/login" && document.querySelector("#email")`)

		tb.checkConsole(
			// The deliberate mistake: Chromium logs the 422, and htmx, configured to swap it
			// in as an error response, logs it too.
			regexp.MustCompile(`/admin/users .*status of 422`),
			regexp.MustCompile(`htmx.*Error Code 422 from /admin/users`),
		)
	})

	t.Run("employee on a phone", func(t *testing.T) {
		tb := newTab(t, b, app)
		tb.do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		tb.open("open the sign-in page", app.URL+"/login", http.StatusOK)
		tb.waitFor("the sign-in form", `document.querySelector("#email")`)
		fits := `document.documentElement.scrollWidth <= document.documentElement.clientWidth`
		if !eval[bool](tb, fits) {
			t.Errorf("the sign-in page is wider than the phone: %d > %d", eval[int](tb, `document.documentElement.scrollWidth`), eval[int](tb, `document.documentElement.clientWidth`))
		}
		tb.signIn("employee@tugi.example")
		tb.waitText("h1", "Welcome, Eva Employee")
		if w := eval[int](tb, `document.documentElement.clientWidth`); w != 390 {
			t.Errorf("the page is %d CSS pixels wide, want the phone's 390 (viewport meta)", w)
		}
		if !eval[bool](tb, fits) {
			t.Errorf("the home page is wider than the phone: %d > %d", eval[int](tb, `document.documentElement.scrollWidth`), eval[int](tb, `document.documentElement.clientWidth`))
		}
		if s := tb.text("#home-employee"); !strings.Contains(s, "information-security incidents") {
			t.Errorf("the employee's home: %q", s)
		}
		tb.screenshot("phone")
		tb.checkConsole()
	})

	t.Run("a ticket from question to closing", func(t *testing.T) {
		customer := newTab(t, b, app)
		customer.signIn("customer@demo-customer.example")
		customer.do("go to Tickets", chromedp.Click(chromedp.CSS(`.mainnav a[href="/tickets"]`)))
		customer.waitFor("the ticket list", `location.pathname === "/tickets" && document.querySelector("#tickets")`)
		customer.do("open the new-ticket form", chromedp.Click(chromedp.CSS(`a[href="/tickets/new"]`)))
		customer.waitFor("the new-ticket form", `document.querySelector("form#new-ticket")`)
		customer.do("fill in the ticket",
			chromedp.SendKeys(chromedp.ID("subject"), "Cannot log in to the mobile app"),
			chromedp.SendKeys(chromedp.ID("body"), "Since the update the app says my password is wrong."),
		)
		// limit.js counts beside the limit as the person types, and marks a text over it.
		customer.waitText("#body-limit", "At most 20,000 characters. 51 / 20,000")
		eval[chromedp.Void](customer, `(() => { const b = document.querySelector("#body"); const was = b.value;
			b.value = "x".repeat(25000); b.dispatchEvent(new Event("input", {bubbles: true}));
			window.overLimit = document.querySelector("#body-limit .counter.over")?.innerText;
			b.value = was; b.dispatchEvent(new Event("input", {bubbles: true})); })()`)
		if over := eval[string](customer, `window.overLimit ?? ""`); over != "⚠ 25,000 / 20,000" {
			t.Errorf("the counter over the limit reads %q", over)
		}
		eval[chromedp.Void](customer, `(() => { const s = document.querySelector("#category_id");
			s.value = [...s.options].find(o => o.text === "Problem or error").value; })()`)
		// A screenshot of the error goes with it, chosen in the file input.
		shot := filepath.Join(t.TempDir(), "app-error.png")
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), make([]byte, 64)...)
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		customer.do("attach a screenshot", chromedp.SetUploadFiles(chromedp.ID("files"), []string{shot}))
		customer.do("send it", chromedp.Click(chromedp.CSS(`#new-ticket button[type=submit]`)))
		customer.waitFor("the new ticket's page", `/^\/tickets\/\d+$/.test(location.pathname) && document.querySelector("#conversation")`)
		if flash := customer.text(".flash"); !strings.Contains(flash, "has been received") {
			t.Errorf("flash %q", flash)
		}
		if name := customer.text("#conversation .message .attachments a"); name != "app-error.png" {
			t.Errorf("the customer's first message lists the attachment %q, want app-error.png", name)
		}
		ref := eval[string](customer, `document.querySelector("h1 .ref").innerText.trim()`)
		ticketPath := customer.path()

		agent := newTab(t, b, app)
		agent.signIn("agent@tugi.example")
		agent.do("go to the queue", chromedp.Click(chromedp.CSS(`.mainnav a[href="/queue"]`)))
		agent.waitFor("the unassigned queue", `location.pathname === "/queue" && document.querySelector("#queue-views a[aria-current=page]")?.innerText === "Unassigned"`)
		row := fmt.Sprintf(`[...document.querySelectorAll("#queue tbody tr")].find(r => r.querySelector(".ref")?.innerText.trim() === %q)`, ref)
		agent.waitFor("the new ticket in the queue", row)
		agent.screenshot("queue")
		eval[chromedp.Void](agent, `(`+row+`).querySelector("form.take button").click()`)
		agent.waitFor("the ticket, taken", `location.pathname === `+fmt.Sprintf("%q", ticketPath)+` && document.querySelector("#assignee strong")?.innerText === "Andres Agent"`)
		// The agent sees the customer's screenshot under their message, and gets it whole.
		if name := agent.text("#conversation .message .attachments a"); name != "app-error.png" {
			t.Errorf("the agent sees the attachment %q, want app-error.png", name)
		}
		href := eval[string](agent, `document.querySelector("#conversation .message .attachments a").getAttribute("href")`)
		if !regexp.MustCompile(`^/tickets/\d+/attachments/\d+/app-error\.png$`).MatchString(href) {
			t.Errorf("the attachment links to %q", href)
		}
		if got := app.SignIn(t, "agent@tugi.example").Get(t, href, http.StatusOK); got.Body != string(png) || got.Header.Get("Content-Type") != "image/png" {
			t.Errorf("the agent's download: %q, %d bytes", got.Header.Get("Content-Type"), len(got.Body))
		}

		// A field changes without a page load: the panel is swapped in place.
		eval[chromedp.Void](agent, `window.stillThisPage = true`)
		eval[chromedp.Void](agent, `(() => { const s = document.querySelector("#priority"); s.value = "urgent";
			s.dispatchEvent(new Event("change", {bubbles: true})); })()`)
		agent.waitText("#ticket-priority", "Urgent")
		if !eval[bool](agent, `window.stillThisPage === true`) {
			t.Error("changing the priority loaded a new page")
		}
		agent.do("answer",
			chromedp.SendKeys(chromedp.ID("body"), "Please update the app to version 4.2 and sign in again."),
			chromedp.Click(chromedp.ID("reply-wait")),
		)
		agent.waitFor("the answer in the conversation", `[...document.querySelectorAll("#conversation .message")].some(m => m.innerText.includes("version 4.2"))`)
		agent.waitText("#ticket-status", "Waiting for customer")
		agent.screenshot("agent-ticket")
		agent.checkConsole()

		customer.open("look at the ticket again", app.URL+ticketPath, http.StatusOK)
		customer.waitFor("the answer", `[...document.querySelectorAll("#conversation .message.from-staff")].some(m => m.innerText.includes("version 4.2"))`)
		customer.waitText("#ticket-status", "Waiting for your reply")
		customer.do("close the ticket", chromedp.Click(chromedp.CSS(`#close-form button`)))
		customer.waitText("#ticket-status", "Closed")
		if flash := customer.text(".flash"); !strings.Contains(flash, "is closed") {
			t.Errorf("flash after closing %q", flash)
		}
		if eval[bool](customer, `!!document.querySelector("#reply-form")`) {
			t.Error("a closed ticket still offers a reply")
		}
		customer.screenshot("customer-closed")
		customer.checkConsole()
	})

	t.Run("a new agent sets up an authenticator and signs in with it", func(t *testing.T) {
		const email = "new.agent@tugi.example"
		hash, err := user.HashPassword(demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		_, err = user.NewService(app.DB, app.Server.Sessions).Create(context.Background(), audit.Job("test"),
			user.NewUser{Email: email, Name: "Uus Agent", Roles: user.RoleList{access.Employee, access.Agent}, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		tb := newTab(t, b, app)
		password := func() {
			tb.open("open the sign-in page", app.URL+"/login", http.StatusOK)
			tb.waitFor("the sign-in form", `document.querySelector("#email")`)
			tb.do("sign in with the password",
				chromedp.SendKeys(chromedp.ID("email"), email),
				chromedp.SendKeys(chromedp.ID("password"), demo.Password),
				chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
			)
			tb.waitFor("the second step", `location.pathname === "/login/second-factor" && document.querySelector("#code")`)
		}
		password()
		tb.waitFor("the QR code, drawn", `document.querySelector("#totp-qr")?.naturalWidth > 0`)
		tb.screenshot("totp-enrol")
		secret := tb.text("#totp-secret")
		code, err := auth.TOTPCode(secret, auth.TOTPStep(app.Now()))
		if err != nil {
			t.Fatal(err)
		}
		tb.do("type the app's first code", chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.Click(chromedp.CSS(`form[action="/login/second-factor"] button[type=submit]`)))
		tb.waitFor("the recovery codes", `document.querySelectorAll("#recovery-codes li").length === 10`)
		tb.do("continue", chromedp.Click(chromedp.ID("continue")))
		tb.waitText("h1", "Welcome, Uus Agent")
		tb.do("sign out", chromedp.Click(chromedp.CSS(`.who button[type=submit]`)))
		tb.waitText("h1", "Sign in")

		password()
		if eval[bool](tb, `!!document.querySelector("#totp-qr")`) {
			t.Fatal("asked to set up the authenticator again")
		}
		code, _ = auth.TOTPCode(secret, auth.TOTPStep(app.Now())+1)
		tb.do("type the next code", chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.Click(chromedp.CSS(`form[action="/login/second-factor"] button[type=submit]`)))
		tb.waitText("h1", "Welcome, Uus Agent")
		tb.checkConsole()
	})
}
