package server_test

import (
	"maps"
	"net/url"
	"strconv"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/calendar"
)

// The chat's routes' sample requests for TestEveryOperationIsAudited, kept beside the
// others (auditedRoutes) from this file of their own.
func init() { maps.Copy(auditedRoutes, chatAuditSamples) }

// supportOpen is a clock in the support calendar's opening hours, a day or more from now,
// so that chat is offered whatever the real time of day.
func supportOpen() func() time.Time {
	cal := calendar.Default()
	at := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for cal.IsOpen(at) {
		at = at.Add(time.Hour)
	}
	at = cal.NextOpen(at).Add(10 * time.Minute)
	start := time.Now()
	return func() time.Time { return at.Add(time.Since(start)) }
}

// chatOf starts a chat of the customer, in state (with agent, when active or ended),
// ending any chat of theirs still open, and returns its path with rest.
func chatOf(t *testing.T, app *apptest.App, customer, agent, state, rest string) string {
	t.Helper()
	if _, err := app.DB.Exec(`UPDATE chats SET state = 'ended', ended_at = now()
		WHERE customer_id = (SELECT id FROM users WHERE email = $1) AND state <> 'ended'`, customer); err != nil {
		t.Fatal(err)
	}
	var id int64
	err := app.DB.Get(&id, `
		WITH c AS (
			INSERT INTO chats (org_id, customer_id, agent_id, state, created_at, accepted_at, ended_at)
			SELECT u.org_id, u.id, a.id, $3, now(), CASE WHEN $3 <> 'waiting' THEN now() END, CASE WHEN $3 = 'ended' THEN now() END
			FROM users u LEFT JOIN users a ON a.email = $2 AND $3 <> 'waiting'
			WHERE u.email = $1
			RETURNING id, org_id, customer_id
		)
		INSERT INTO chat_messages (chat_id, org_id, author_id, by_staff, body, created_at)
		SELECT id, org_id, customer_id, false, 'A question for the route walk', now() FROM c
		RETURNING chat_id`, customer, agent, state)
	if err != nil {
		t.Fatal(err)
	}
	return "/chat/" + strconv.FormatInt(id, 10) + rest
}

var chatAuditSamples = map[string]auditSample{
	"POST /chat": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		if _, err := app.DB.Exec(`UPDATE users SET available = true WHERE email = $1`, andres); err != nil {
			t.Fatal(err)
		}
		return "/chat", url.Values{"body": {"Hello from the route walk"}}
	}},
	"POST /chat/ticket": {as: "customer@second-customer.example", form: url.Values{"body": {"Left while support was closed"}}},
	"POST /chat/:id/messages": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return chatOf(t, app, mari, andres, "active", "/messages"), url.Values{"body": {"More words"}}
	}},
	"POST /chat/:id/end": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return chatOf(t, app, mari, andres, "active", "/end"), nil
	}},
	"POST /chat/:id/ticket": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return chatOf(t, app, mari, "", "waiting", "/ticket"), nil
	}},
	"POST /chat/:id/mail": {as: mari, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return chatOf(t, app, mari, andres, "ended", "/mail"), nil
	}},
	"POST /chat/:id/keep": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		return chatOf(t, app, mari, andres, "active", "/keep"), nil
	}},
	"POST /chat/:id/attach": {as: andres, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		var tid int64
		if err := app.DB.Get(&tid, `SELECT t.id FROM tickets t JOIN users u ON u.org_id = t.org_id
			WHERE u.email = $1 AND t.status <> 'closed' ORDER BY t.id LIMIT 1`, mari); err != nil {
			t.Fatal(err)
		}
		return chatOf(t, app, mari, andres, "active", "/attach"), url.Values{"ticket_id": {strconv.FormatInt(tid, 10)}}
	}},
	"POST /queue/chats/:id/accept": {as: kadri, prepare: func(t *testing.T, app *apptest.App) (string, url.Values) {
		p := chatOf(t, app, mari, "", "waiting", "")
		return "/queue/chats/" + p[len("/chat/"):] + "/accept", nil
	}},
	"POST /admin/sla/chat": {as: toomas, form: url.Values{"chat_wait": {"3m"}, "chat_offer": {"5m"}, "chat_limit": {"3"}}},
}
