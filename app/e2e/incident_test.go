package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
)

// TestIncidentJourney: an employee reports a security incident from a phone-sized window,
// with a file; the CISO triages it and names a handler; the named agent sees it; an agent
// who is not named finds nothing of it on /incidents and "not found" at its address.
func TestIncidentJourney(t *testing.T) {
	app := apptest.New(t)
	b := browser(t)
	fits := `document.documentElement.scrollWidth <= document.documentElement.clientWidth`

	employee := newTab(t, b, app.URL)
	employee.do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	employee.signIn("employee@tugi.example")
	first := eval[string](employee, `document.querySelector("#home-employee .actions a")?.getAttribute("href") ?? ""`)
	if first != "/incidents/new" {
		t.Errorf("the employee's first action on the home page goes to %q, want /incidents/new", first)
	}
	employee.do("report an incident", chromedp.Click(chromedp.ID("home-report-incident")))
	employee.waitFor("the report form", `location.pathname === "/incidents/new" && document.querySelector("form#report-incident")`)
	if !eval[bool](employee, fits) {
		t.Errorf("the report form is wider than the phone: %d", eval[int](employee, `document.documentElement.scrollWidth`))
	}
	log := filepath.Join(t.TempDir(), "suspicious-login.log")
	if err := os.WriteFile(log, []byte("2026-12-06 03:12 login admin from 203.0.113.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	employee.do("describe it and attach the log",
		chromedp.SendKeys(chromedp.ID("summary"), "The admin account signed in at 3 am from an address I do not know."),
		chromedp.SendKeys(chromedp.ID("system_or_data"), "Admin console"),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{log}),
		chromedp.Click(chromedp.CSS(`#report-incident button[type=submit]`)),
	)
	employee.waitFor("the reporter's view", `/^\/incidents\/\d+$/.test(location.pathname) && document.querySelector("h1 .ref")`)
	ref := employee.text("h1 .ref")
	if !regexp.MustCompile(`^INC-\d{4}-\d{4,}$`).MatchString(ref) || !strings.Contains(employee.text(".flash"), ref) {
		t.Errorf("reference %q, flash %q", ref, employee.text(".flash"))
	}
	if s := employee.text("#incident-status"); s != "Received" {
		t.Errorf("the reporter sees the status %q", s)
	}
	if !eval[bool](employee, fits) {
		t.Error("the reporter's view is wider than the phone")
	}
	employee.screenshot("incident-reported-phone")
	path := employee.path()
	employee.checkConsole()

	ciso := newTab(t, b, app.URL)
	ciso.signIn("ciso@tugi.example")
	ciso.open("open the incident", app.URL+path, http.StatusOK)
	ciso.waitFor("the full page", `document.querySelector("#classify-form")`)
	if !strings.Contains(ciso.text("#evidence-list"), "suspicious-login.log") {
		t.Errorf("the evidence list: %q", ciso.text("#evidence-list"))
	}
	eval[chromedp.Void](ciso, `(() => {
		const set = (id, v) => { document.getElementById(id).value = v; };
		set("taxonomy", "intrusions/privileged-account-compromise");
		set("impact_c", "high"); set("impact_i", "medium"); set("impact_a", "low"); set("urgency", "high");
	})()`)
	ciso.do("save the classification", chromedp.Click(chromedp.CSS(`#classify-form button[type=submit]`)))
	ciso.waitText("#incident-severity", "Critical")
	eval[chromedp.Void](ciso, `(() => { const s = document.getElementById("user_id");
		s.value = [...s.options].find(o => o.text === "Andres Agent").value; })()`)
	ciso.do("name Andres a handler", chromedp.Click(chromedp.CSS(`#handler-form button[type=submit]`)))
	ciso.waitFor("Andres among the handlers", `document.querySelector('#handler-list li[data-handler="agent@tugi.example"]')`)
	ciso.screenshot("incident-triaged")
	ciso.checkConsole()

	agent := newTab(t, b, app.URL)
	agent.signIn("agent@tugi.example")
	agent.open("the board", app.URL+"/incidents", http.StatusOK)
	row := fmt.Sprintf(`document.querySelector('#board tr[data-incident=%q] a')`, ref)
	agent.waitFor("the incident on the board", row)
	agent.do("open it", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#board tr[data-incident=%q] a`, ref))))
	agent.waitFor("the full page", `document.querySelector("#incident-summary")`)
	if s := agent.text("#incident-summary"); !strings.Contains(s, "3 am") {
		t.Errorf("the handler reads %q", s)
	}
	agent.checkConsole()

	agent2 := newTab(t, b, app.URL)
	agent2.signIn("agent2@tugi.example")
	agent2.open("the board", app.URL+"/incidents", http.StatusOK)
	agent2.waitFor("the incidents page", `document.querySelector("#reported")`)
	if n := eval[int](agent2, `document.querySelectorAll("tr[data-incident]").length`); n != 0 {
		t.Errorf("agent2, named on nothing, sees %d incidents", n)
	}
	if strings.Contains(agent2.text("main"), ref) {
		t.Error("agent2 sees the reference")
	}
	agent2.open("the incident's address", app.URL+path, http.StatusNotFound)
	agent2.checkConsole(regexp.MustCompile(`status of 404`))
}
