package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
)

// docShot saves what the viewport shows as docs/screenshots/<name>.png when
// TUGI_DOC_SCREENSHOTS is set (go tool task screenshots), for the documentation to
// show; otherwise it does nothing, so a test run leaves the tree as it was.
func (tb *tab) docShot(name string) {
	tb.t.Helper()
	if os.Getenv("TUGI_DOC_SCREENSHOTS") == "" {
		return
	}
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join("..", "..", "docs", "screenshots", name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// fits is true while the page is no wider than the window: nothing scrolls sideways.
const fits = `document.documentElement.scrollWidth <= document.documentElement.clientWidth`

// TestWorkspace walks the agent's workspace in a browser at a laptop's width (1,366 px)
// and a phone's (390 px): the queue, the ticket page with its one composer, and the
// customer's ticket, and takes the documentation's screenshots of them.
func TestWorkspace(t *testing.T) {
	app := apptest.New(t)
	b := browser(t)
	var question int64
	if err := app.DB.Get(&question, `SELECT id FROM categories WHERE name = 'Question'`); err != nil {
		t.Fatal(err)
	}
	mari := app.SignIn(t, "customer@demo-customer.example")
	newTicket := func(subject string) string {
		return mari.Post(t, "/tickets", url.Values{"subject": {subject}, "body": {"Since this morning the invoices export stops half way with an empty file."},
			"category_id": {strconv.FormatInt(question, 10)}, "impact": {"several_people"}}, http.StatusSeeOther).Location()
	}
	ticketPath := newTicket("The monthly invoice export stops half way and leaves an empty file behind for the accountants")
	newTicket("Printer in the second-floor office")

	agent := newTab(t, b, app)
	agent.do("a laptop's window", chromedp.EmulateViewport(1366, 768))
	agent.signIn("agent@tugi.example")

	t.Run("queue at 1366 px", func(t *testing.T) {
		agent.t = t
		agent.open("the queue", app.URL+"/queue?view=all", http.StatusOK)
		agent.waitFor("the queue's rows", `document.querySelectorAll("#queue tbody tr[data-ticket]").length >= 2`)
		if !eval[bool](agent, fits) {
			t.Error("the queue scrolls sideways at 1,366 px")
		}
		if w := eval[int](agent, `document.querySelector("#queue").getBoundingClientRect().width|0`); w < 1250 {
			t.Errorf("the queue's table is %d px wide at 1,366 px: it does not use the screen", w)
		}
		// The long subject is one line, cut with an ellipsis: every row is as tall as one.
		if h := eval[[]int](agent, `[...document.querySelectorAll("#queue tbody tr")].map(r => Math.round(r.getBoundingClientRect().height))`); len(h) < 2 || h[0] > 56 || h[0] != h[1] {
			t.Errorf("row heights %v: a subject wraps", h)
		}
		if s := eval[string](agent, `getComputedStyle(document.querySelector("#queue td.subject")).textOverflow`); s != "ellipsis" {
			t.Errorf("the subject's overflow: %q", s)
		}
		if due := agent.text("#queue tbody tr .due"); len(due) < 3 || (due[:3] != "in " && due[:3] != "ove") {
			t.Errorf("the due time reads %q", due)
		}
		agent.docShot("queue-1366")
		agent.checkConsole()
	})

	t.Run("the one composer at 1366 px", func(t *testing.T) {
		// A tab of its own: each tab has 40 seconds, and a loaded machine is slow.
		agent := newTab(t, b, app)
		agent.do("a laptop's window", chromedp.EmulateViewport(1366, 768))
		agent.signIn("agent@tugi.example")
		agent.open("the ticket", app.URL+ticketPath, http.StatusOK)
		agent.waitFor("the composer", `document.querySelector("#compose-form")`)
		// Two columns: the fields beside the conversation.
		if !eval[bool](agent, `document.querySelector(".ticket-side").getBoundingClientRect().left > document.querySelector("#conversation").getBoundingClientRect().right`) {
			t.Error("the fields are not beside the conversation at 1,366 px")
		}
		// Fields save on change: their Save buttons are hidden while JavaScript runs.
		if d := eval[string](agent, `getComputedStyle(document.querySelector("#field-status button")).display`); d != "none" {
			t.Errorf("a field's Save button shows (display %q) though it saves on change", d)
		}
		visible := func(id string) bool {
			return eval[bool](agent, fmt.Sprintf(`!!document.getElementById(%q)?.offsetParent`, id))
		}
		write := func(kind, text, button string) {
			t.Helper()
			agent.do("choose "+kind, chromedp.Click(chromedp.ID("kind-"+kind)))
			if !visible(button) {
				t.Fatalf("%s chosen, but its button %s does not show", kind, button)
			}
			for _, other := range []string{"reply-wait", "note-add", "call-open"} {
				if other != button && visible(other) {
					t.Errorf("%s chosen, yet %s shows", kind, other)
				}
			}
			agent.do("write the "+kind, chromedp.SendKeys(chromedp.ID("body"), text), chromedp.Click(chromedp.ID(button)))
			agent.waitFor("the "+kind+" in the conversation", fmt.Sprintf(`[...document.querySelectorAll("#conversation .message")].some(m => m.innerText.includes(%q))`, text))
		}
		write("note", "Export job logs show a timeout at row 50,000.", "note-add")
		if !eval[bool](agent, `[...document.querySelectorAll("#conversation .message.internal")].some(m => m.innerText.includes("timeout at row"))`) {
			t.Error("the note is not shown as internal")
		}
		write("call", "Called Mari: the export runs again after the fix.", "call-open")
		if !eval[bool](agent, `[...document.querySelectorAll("#conversation .message")].some(m => m.querySelector("[data-channel=phone]") && m.innerText.includes("runs again"))`) {
			t.Error("the call is not shown as a phone call")
		}
		write("reply", "Please try the export again; it should finish now.", "reply-wait")
		agent.waitText("#ticket-status", "Waiting for customer")
		agent.do("top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		agent.docShot("agent-ticket-1366")
		agent.checkConsole()
	})

	t.Run("a phone, 390 px", func(t *testing.T) {
		phone := newTab(t, b, app)
		phone.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		phone.signIn("agent@tugi.example")
		phone.open("the queue", app.URL+"/queue?view=all", http.StatusOK)
		phone.waitFor("the queue's rows", `document.querySelector("#queue tbody tr[data-ticket]")`)
		if !eval[bool](phone, fits) {
			t.Errorf("the queue is wider than the phone: %d px", eval[int](phone, `document.documentElement.scrollWidth`))
		}
		if bottom, h := eval[int](phone, `document.querySelector("#queue tbody tr[data-ticket]").getBoundingClientRect().bottom`+"|0"), eval[int](phone, `innerHeight`); bottom > h {
			t.Errorf("the first ticket ends at %d px, below the fold at %d px", bottom, h)
		}
		phone.docShot("queue-390")

		phone.open("the ticket", app.URL+ticketPath, http.StatusOK)
		phone.waitFor("the composer", `document.querySelector("#compose-form")`)
		if !eval[bool](phone, fits) {
			t.Errorf("the ticket page is wider than the phone: %d px", eval[int](phone, `document.documentElement.scrollWidth`))
		}
		if !eval[bool](phone, `document.querySelector(".ticket-side").getBoundingClientRect().top >= document.querySelector("#composer").getBoundingClientRect().bottom`) {
			t.Error("on a phone the fields are not below the conversation")
		}
		phone.docShot("agent-ticket-390")
		phone.checkConsole()

		customer := newTab(t, b, app)
		customer.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		customer.signIn("customer@demo-customer.example")
		customer.open("the ticket", app.URL+ticketPath, http.StatusOK)
		customer.waitFor("the conversation", `document.querySelector("#conversation .message.from-staff")`)
		if !eval[bool](customer, fits) {
			t.Error("the customer's ticket is wider than the phone")
		}
		customer.docShot("customer-ticket-390")
		customer.do("a laptop", chromedp.EmulateViewport(1366, 768))
		customer.docShot("customer-ticket-1366")
		customer.checkConsole()
	})
}
