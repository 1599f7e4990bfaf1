package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tugi/app/apptest"
)

// TestLive runs the live pages in the browser across two processes on one database:
// two agents on one ticket see each other's presence (viewing, then replying), and a
// ticket a customer opens on one process appears on the other's open queue, marked; a due
// cell of the open queue turns amber and red at its instants.
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
	// The first ticket's nearest clock warns in 15 s and is due in 30 s: its due cell
	// turns amber and then red while the queue stays open, without a reload or an event.
	id := strings.TrimPrefix(ticket, "/tickets/")
	warnAt, dueAt := time.Now().Add(15*time.Second), time.Now().Add(30*time.Second)
	app.DB.MustExec(`UPDATE ticket_clocks SET warn_at = $2, breached = false WHERE ticket_id = $1`, id, warnAt)
	app.DB.MustExec(`UPDATE tickets SET next_due_at = $2 WHERE id = $1`, id, dueAt)
	queue.open("Andres opens the queue", app.URL+"/queue", http.StatusOK)
	queue.waitFor("the queue's stream", `document.querySelector("#queue-live")`)
	cell := `document.querySelector('#queue tr[data-ticket="` + id + `"] .due')`
	if time.Now().Before(warnAt) && !eval[bool](queue, cell+`.classList.contains("ok")`) {
		t.Errorf("before its warning time the due cell is %q", eval[string](queue, cell+`.className`))
	}
	queue.waitFor("the due cell turning amber", cell+`.classList.contains("warn")`)
	if time.Now().Before(warnAt) {
		t.Errorf("the due cell turned amber before %s", warnAt.Format(time.TimeOnly))
	}
	queue.waitFor("the due cell turning red", cell+`.classList.contains("breach")`)
	if time.Now().Before(dueAt) {
		t.Errorf("the due cell turned red before %s", dueAt.Format(time.TimeOnly))
	}
	rows := eval[int](queue, `document.querySelectorAll("#queue tbody tr").length`)
	newTicket("Arrived while the queue was open")
	queue.waitFor("the new ticket's row, marked", `[...document.querySelectorAll("#queue tbody tr.live-new")].some(r => r.innerText.includes("Arrived while the queue was open"))`)
	if n := eval[int](queue, `document.querySelectorAll("#queue tbody tr").length`); n != rows+1 {
		t.Errorf("the queue holds %d rows after the live one, had %d", n, rows)
	}
	queue.checkConsole()
}
