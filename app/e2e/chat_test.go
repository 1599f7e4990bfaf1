package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
	"tugi/app/calendar"
)

// A customer and an agent hold a chat across two tugi serve processes on one database:
// the customer starts it, the agent sees it arrive and accepts it, messages go both ways
// and appear without a reload, and the agent ends it and turns it into a ticket.
func TestChatAcrossTwoProcesses(t *testing.T) {
	// Support is open: ten minutes into the calendar's next opening hours, a day on.
	cal := calendar.Default()
	at := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for cal.IsOpen(at) {
		at = at.Add(time.Hour)
	}
	at = cal.NextOpen(at).Add(10 * time.Minute)
	app := apptest.NewWith(t, apptest.Options{Now: func() time.Time { return at }})
	other := app.Beside(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the second process's log:\n%s", other.Logs.String())
		}
	})
	app.SignIn(t, "agent@tugi.example").Post(t, "/availability", url.Values{"available": {"true"}, "back": {"/"}}, http.StatusSeeOther)
	b := browser(t)

	agent := newTabWithin(t, b, other, 3*time.Minute) // two tabs on a loaded machine take their time
	agent.signIn("agent@tugi.example")
	agent.open("the agent's chats", other.URL+"/queue/chats", http.StatusOK)
	agent.waitFor("no chat waiting", `document.querySelector("#no-waiting")`)

	cust := newTabWithin(t, b, app, 3*time.Minute)
	cust.signIn("customer@demo-customer.example")
	cust.waitFor("the offer to chat", `document.querySelector("#home-chat")`)
	cust.do("start a chat",
		chromedp.Click(chromedp.ID("home-chat")),
	)
	cust.waitFor("the chat form", `location.pathname === "/chat" && document.querySelector("#start-form textarea")`)
	cust.do("write the question",
		chromedp.SendKeys(chromedp.CSS("#start-form textarea"), "My export fails with error 42"),
		chromedp.Click(chromedp.CSS(`#start-form button[type=submit]`)),
	)
	cust.waitFor("the waiting chat", `/^\/chat\/\d+$/.test(location.pathname) && document.querySelector("#chat-state")?.innerText.trim() === "Waiting for an agent"`)
	cust.waitText("#chat-place", "You are number 1 in the queue.")
	eval[chromedp.Void](cust, `window.notReloaded = true`)

	// The chat appears in the agent's list, on the other process, without a reload.
	eval[chromedp.Void](agent, `window.notReloaded = true`)
	agent.waitFor("the waiting chat, live", `document.querySelector("#chats-waiting tbody tr")?.innerText.includes("Demo Customer OÜ")
		&& !document.querySelector("#chat-lists.htmx-request, #chat-lists.htmx-settling, #chat-lists .htmx-swapping")`)
	if !eval[bool](agent, `window.notReloaded === true`) {
		t.Error("the agent's page was reloaded")
	}
	agent.do("accept it", chromedp.Click(chromedp.CSS(`#chats-waiting form button[type=submit]`)))
	agent.waitFor("the chat", `/^\/chat\/\d+$/.test(location.pathname) && document.querySelector("#chat-form")`)
	if s := agent.text("#chat-org"); s != "Demo Customer OÜ" {
		t.Errorf("the agent's chat names %q", s)
	}

	cust.waitText("#chat-state", "Chatting with Andres Agent")
	agent.do("write to the customer",
		chromedp.SendKeys(chromedp.CSS("#chat-form textarea"), "Hello! Which browser do you use?"),
		chromedp.Click(chromedp.CSS(`#chat-form button[type=submit]`)),
	)
	cust.waitFor("the agent's message, without a reload", `document.querySelector("#chat-messages")?.innerText.includes("Which browser do you use?")`)
	agent.waitFor("the form emptied", `document.querySelector("#chat-form textarea").value === ""`)
	agent.waitFor("seen by the customer", `[...document.querySelectorAll(".chat-message.mine .receipt")].some(e => e.innerText.trim() === "Seen")`)

	cust.do("answer",
		chromedp.SendKeys(chromedp.CSS("#chat-form textarea"), "Firefox 140"),
		chromedp.Click(chromedp.CSS(`#chat-form button[type=submit]`)),
	)
	agent.waitFor("the customer's answer, without a reload", `document.querySelector("#chat-messages")?.innerText.includes("Firefox 140")`)
	if !eval[bool](cust, `window.notReloaded === true`) {
		t.Error("the customer's page was reloaded")
	}
	cust.screenshot("chat-customer")
	agent.screenshot("chat-agent")

	agent.do("end the chat", chromedp.Click(chromedp.CSS(`#end-form button[type=submit]`)))
	agent.waitFor("the ended chat", `document.querySelector("#chat-state")?.innerText.trim() === "Chat ended" && document.querySelector("#keep-form")`)
	cust.waitText("#chat-state", "Chat ended")
	agent.do("turn it into a ticket", chromedp.Click(chromedp.CSS(`#keep-form button[type=submit]`)))
	agent.waitFor("the ticket", `/^\/tickets\/\d+$/.test(location.pathname) && document.querySelector("#conversation")`)
	conv := agent.text("#conversation")
	for _, w := range []string{"My export fails with error 42", "Which browser do you use?", "Firefox 140"} {
		if !strings.Contains(conv, w) {
			t.Errorf("the ticket lacks %q: %q", w, conv)
		}
	}
	cust.checkConsole()
	agent.checkConsole()
}
