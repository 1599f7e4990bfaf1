package chat_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/web"
)

// An Estonian customer reads chat's times in Estonian (issue 21): when support opens, on
// the page that does not offer chat, and when the chat started, in its mailed transcript;
// in the support calendar's zone, named.
func TestEstonianCustomerReadsChatDatesInEstonian(t *testing.T) {
	t.Parallel()
	clk := closedClock()
	app := apptest.NewWith(t, apptest.Options{Now: clk.Now})
	if _, err := app.DB.Exec(`UPDATE users SET language = 'et' WHERE email = $1`, mari); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, mari)
	tallinn, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		t.Fatal(err)
	}

	opens := clk.Now().Add(time.Minute).In(tallinn)
	want := web.DateIn("et", opens)
	p := c.Get(t, "/chat", http.StatusOK)
	for _, sel := range []string{"#chat-closed", "#chat-leave"} {
		if got := p.Text(sel); !strings.Contains(got, want) {
			t.Errorf("%s does not say support opens %q: %q", sel, want, got)
		}
	}

	clk.add(11 * time.Minute)
	app.SignIn(t, andres).Post(t, "/availability", url.Values{"available": {"true"}, "back": {"/"}}, http.StatusSeeOther)
	id := start(t, c, "Arve eksport ei tööta")
	c.Post(t, chatPath(id, "/mail"), nil, http.StatusSeeOther)
	var mail struct {
		Body    string    `db:"body_text"`
		Started time.Time `db:"created_at"`
	}
	if err := app.DB.Get(&mail, `SELECT o.body_text, c.created_at FROM mail_outbox o, chats c
		WHERE o.kind = 'chat.transcript' AND c.id = $1`, id); err != nil {
		t.Fatal(err)
	}
	started := mail.Started.In(tallinn)
	if want := web.DateIn("et", started); !strings.Contains(mail.Body, want) || strings.Contains(mail.Body, web.DateIn("en", started)) {
		t.Errorf("the transcript does not say it started %q:\n%s", want, mail.Body)
	}
}
