package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
)

// TestLive runs the live pages in the browser across two processes on one database:
// two agents on one ticket see each other's presence (viewing, then replying), and a
// ticket a customer opens on one process appears on the other's open queue, marked.
func TestLive(t *testing.T) {
	app := apptest.New(t)
	beside := app.Beside(t)
	b := browser(t)
	customer := beside.SignIn(t, "customer@demo-customer.example")
	var category int64
	if err := app.DB.Get(&category, `SELECT id FROM categories WHERE name = 'Question'`); err != nil {
		t.Fatal(err)
	}
	newTicket := func(subject string) string {
		return customer.Post(t, "/tickets", url.Values{"subject": {subject}, "body": {"Details of " + subject},
			"category_id": {strconv.FormatInt(category, 10)}, "impact": {"one_person"}}, http.StatusSeeOther).Location()
	}
	ticket := newTicket("Two agents on one ticket")

	// Two agents and a page each, on a machine that may be busy: more time than one tab's.
	andres := newTabWithin(t, b, app, 3*time.Minute)
	andres.signIn("agent@tugi.example")
	kadri := newTabWithin(t, b, beside, 3*time.Minute)
	kadri.signIn("agent2@tugi.example")

	andres.open("Andres opens the ticket", app.URL+ticket, http.StatusOK)
	andres.waitFor("Andres's stream", `document.querySelector("#ticket-live")`)
	kadri.open("Kadri opens it on the other process", beside.URL+ticket, http.StatusOK)
	andres.waitFor("Kadri viewing, on Andres's page", `document.querySelector("#presence")?.innerText.includes("Kadri Kask is viewing")`)
	kadri.waitFor("Andres viewing, on Kadri's page", `document.querySelector("#presence")?.innerText.includes("Andres Agent is viewing")`)
	if eval[bool](andres, `document.querySelector("#presence").innerText.includes("Andres")`) {
		t.Error("Andres sees himself")
	}
	kadri.do("Kadri types a reply", chromedp.SendKeys(chromedp.ID("body"), "Looking into it"))
	andres.waitFor("Kadri replying, on Andres's page", `document.querySelector("#presence")?.innerText.includes("Kadri Kask is replying")`)

	andres.checkConsole()
	kadri.checkConsole()

	queue := newTabWithin(t, b, app, 2*time.Minute)
	queue.signIn("agent@tugi.example")
	queue.open("Andres opens the queue", app.URL+"/queue", http.StatusOK)
	queue.waitFor("the queue's stream", `document.querySelector("#queue-live")`)
	rows := eval[int](queue, `document.querySelectorAll("#queue tbody tr").length`)
	newTicket("Arrived while the queue was open")
	queue.waitFor("the new ticket's row, marked", `[...document.querySelectorAll("#queue tbody tr.live-new")].some(r => r.innerText.includes("Arrived while the queue was open"))`)
	if n := eval[int](queue, `document.querySelectorAll("#queue tbody tr").length`); n != rows+1 {
		t.Errorf("the queue holds %d rows after the live one, had %d", n, rows)
	}
	queue.checkConsole()
}
