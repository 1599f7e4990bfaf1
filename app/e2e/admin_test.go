package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
)

// visible is a JavaScript test that the element sel selects is shown.
func visible(sel string) string {
	return fmt.Sprintf(`(e => !!e && e.checkVisibility({visibilityProperty: true}))(document.querySelector(%q))`, sel)
}

// TestAdminMenu: an admin's navigation fits one row on a laptop (1,366 px), the admin's
// pages folded under "Admin"; on a phone (390 px) the whole navigation folds under
// "Menu", and both open without JavaScript's help (details and summary).
func TestAdminMenu(t *testing.T) {
	app := apptest.New(t)
	b := browser(t)

	t.Run("1366 px", func(t *testing.T) {
		tb := newTab(t, b, app)
		tb.do("a laptop's window", chromedp.EmulateViewport(1366, 768))
		tb.signIn("admin@tugi.example")
		if !eval[bool](tb, visible(".mainnav")) || eval[bool](tb, visible(".menu-fold > summary")) {
			t.Fatal("at 1,366 px the navigation is folded")
		}
		if tops := eval[[]int](tb, `[...document.querySelectorAll(".mainnav > ul > li")].map(li => Math.round(li.getBoundingClientRect().top))`); len(tops) < 4 || tops[0] != tops[len(tops)-1] {
			t.Errorf("the navigation's entries start at heights %v: more than one row", tops)
		}
		if h := eval[int](tb, `document.querySelector(".topbar").getBoundingClientRect().height|0`); h > 64 {
			t.Errorf("the top bar is %d px tall: it wraps", h)
		}
		if !eval[bool](tb, fits) {
			t.Error("the page scrolls sideways")
		}
		if eval[bool](tb, visible(`.mainnav a[href="/admin/teams"]`)) {
			t.Error("the admin's pages show before the Admin menu is opened")
		}
		tb.do("open the Admin menu", chromedp.Click(chromedp.CSS(".nav-group summary")))
		tb.waitFor("the admin's pages", visible(`.mainnav a[href="/admin/teams"]`))
		if !eval[bool](tb, `(r => r.right <= innerWidth && r.bottom <= innerHeight)(document.querySelector(".nav-group ul").getBoundingClientRect())`) {
			t.Error("the Admin menu's panel does not fit the window")
		}
		tb.screenshot("admin-menu-1366")
		tb.do("go to Teams", chromedp.Click(chromedp.CSS(`.mainnav a[href="/admin/teams"]`)))
		tb.waitFor("the teams page", `location.pathname === "/admin/teams" && document.querySelector("#new-team")`)
		if !eval[bool](tb, `document.querySelector(".nav-group summary").classList.contains("current")`) {
			t.Error("on the teams page the Admin menu is not marked as the current place")
		}
		tb.checkConsole()
	})

	t.Run("390 px", func(t *testing.T) {
		tb := newTab(t, b, app)
		tb.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tb.signIn("admin@tugi.example")
		if eval[bool](tb, visible(".mainnav")) || !eval[bool](tb, visible(".menu-fold > summary")) {
			t.Fatal("on a phone the navigation is not folded under Menu")
		}
		if !eval[bool](tb, fits) {
			t.Errorf("the page is wider than the phone: %d px", eval[int](tb, `document.documentElement.scrollWidth`))
		}
		if h := eval[int](tb, `document.querySelector(".topbar").getBoundingClientRect().height|0`); h > 130 {
			t.Errorf("the folded top bar is %d px tall", h)
		}
		tb.screenshot("admin-menu-390-folded")
		tb.do("open the menu", chromedp.Click(chromedp.CSS(".menu-fold > summary")))
		tb.waitFor("the navigation", visible(`.mainnav a[href="/audit"]`))
		tb.do("open Admin", chromedp.Click(chromedp.CSS(".nav-group summary")))
		tb.waitFor("the admin's pages", visible(`.mainnav a[href="/admin/organisations"]`))
		if !eval[bool](tb, fits) {
			t.Errorf("the open menu is wider than the phone: %d px", eval[int](tb, `document.documentElement.scrollWidth`))
		}
		tb.screenshot("admin-menu-390-open")
		tb.do("go to Organisations", chromedp.Click(chromedp.CSS(`.mainnav a[href="/admin/organisations"]`)))
		tb.waitFor("the organisations", `location.pathname === "/admin/organisations" && document.querySelector("#organisations")`)
		tb.checkConsole()
	})
}

// controlLook is what makes a form control look as it does, read from the browser.
const controlLook = `[...document.querySelectorAll(%q)].filter(e => e.checkVisibility()).map(e => {
	const s = getComputedStyle(e);
	return [e.tagName.toLowerCase() + "[" + (e.getAttribute("type") || "") + "]#" + e.id,
		[s.borderTopColor, s.borderTopWidth, s.borderRadius, s.backgroundColor, s.fontSize, s.minHeight].join(" ")];
})`

// TestFormControlsAlike: the text, number and date inputs, the type-ahead and the selects
// of the admin's and the agent's pages have one look (the stylesheet's one rule), not the
// browser's default boxes.
func TestFormControlsAlike(t *testing.T) {
	app := apptest.New(t)
	b := browser(t)
	check := func(tb *tab, path, sel string) {
		t.Helper()
		tb.open(path, app.URL+path, http.StatusOK)
		looks := eval[[][2]string](tb, fmt.Sprintf(controlLook, sel))
		if len(looks) < 2 {
			t.Fatalf("%s: only %d controls %s", path, len(looks), sel)
		}
		want := eval[[][2]string](tb, fmt.Sprintf(controlLook, `input[type=text], input[type=search]`))
		for _, l := range looks {
			if len(want) > 0 && l[1] != want[0][1] {
				t.Errorf("%s: %s looks like %q, a text field like %q", path, l[0], l[1], want[0][1])
			}
			if strings.Contains(l[1], "rgb(118, 118, 118)") || strings.Contains(l[1], "rgb(133, 133, 133)") {
				t.Errorf("%s: %s has the browser's default border: %q", path, l[0], l[1])
			}
		}
	}
	admin := newTab(t, b, app)
	admin.do("a laptop's window", chromedp.EmulateViewport(1366, 768))
	admin.signIn("admin@tugi.example")
	check(admin, "/admin/teams", `main input[type=number], main select, main input[type=text]`)
	check(admin, "/audit", `main input[type=date], main input:not([type]), main input[type=text]`)
	check(admin, "/admin/routing", `main select, main input:not([type]), main input[type=text]`)
	check(admin, "/admin/sla", `main input[type=number], main select`)
	admin.checkConsole()

	agent := newTab(t, b, app)
	agent.do("a laptop's window", chromedp.EmulateViewport(1366, 768))
	agent.signIn("agent@tugi.example")
	check(agent, "/queue?view=all", `main select, main input:not([type]), main input[type=search], main input[type=date]`)
	agent.checkConsole()
}

// TestSupportHoursFollowTheCalendar: after the admin changes the support calendar's
// weekly hours in the browser, every place a customer reads the hours (the footer, the
// home page, the chat page while support is closed or open) says what the calendar says,
// not the hours it had before.
func TestSupportHoursFollowTheCalendar(t *testing.T) {
	app := apptest.New(t)
	b := browser(t)
	customer := newTab(t, b, app)
	customer.signIn("customer@demo-customer.example")
	before := customer.text("footer .support")
	if !strings.Contains(before, "Mon–Fri 09:00–17:00") {
		t.Fatalf("the footer before the change: %q", before)
	}

	admin := newTab(t, b, app)
	admin.do("a laptop's window", chromedp.EmulateViewport(1366, 768))
	admin.signIn("admin@tugi.example")
	admin.open("the calendar", app.URL+"/admin/calendar", http.StatusOK)
	admin.waitFor("the weekly hours", `document.querySelector("#weekly-hours #monday")`)
	for _, day := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		admin.do("hours of "+day, chromedp.SetValue(chromedp.ID(day), "08:00-16:00"))
	}
	admin.do("Saturday's hours", chromedp.SetValue(chromedp.ID("saturday"), "10:00-14:00"))
	admin.do("save", chromedp.Click(chromedp.CSS(`#weekly-hours button[type=submit]`)))
	admin.waitFor("the saved calendar", `document.querySelector(".flash") && document.querySelector("#monday").value === "08:00-16:00"`)
	admin.checkConsole()

	want := "Mon–Fri 08:00–16:00; Sat 10:00–14:00 (Europe/Tallinn)"
	customer.open("the home page", app.URL+"/", http.StatusOK)
	if got := customer.text("footer .support"); !strings.Contains(got, want) || strings.Contains(got, "09:00–17:00") {
		t.Errorf("the footer after the change: %q, want %q", got, want)
	}
	if got := customer.text("main"); !strings.Contains(got, want) {
		t.Errorf("the home page after the change: %q", got)
	}
	customer.open("the chat page", app.URL+"/chat", http.StatusOK)
	if got := customer.text("body"); !strings.Contains(got, want) || strings.Contains(got, "09:00–17:00") {
		t.Errorf("the chat page after the change: %q", got)
	}
	customer.screenshot("support-hours-after-change")
	customer.checkConsole()
}
