package privacy_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
)

// TestErasePages: the admin previews an erasure (counts per kind, the backups' seven
// days), must confirm, and then finds the person shown by their pseudonym; an admin
// cannot be erased, and a customer cannot reach the pages.
func TestErasePages(t *testing.T) {
	app := apptest.New(t)
	zelda := newPerson(t, app, "Zelda Quorrin", "zelda.quorrin@demo-customer.example", "Demo Customer OÜ")
	customerLife(t, app, zelda)
	admin := app.SignIn(t, toomas)
	path := "/admin/users/" + strconv.FormatInt(zelda.ID, 10) + "/erase"

	user := admin.Get(t, "/admin/users/"+strconv.FormatInt(zelda.ID, 10), http.StatusOK)
	if user.Doc.Find(`#personal-data a[href="`+path+`"]`).Length() != 1 {
		t.Error("the user's page has no link to erase them")
	}
	p := admin.Get(t, path, http.StatusOK)
	rows := p.Text("#erase-preview")
	for _, want := range []string{"Sessions ended", "Ticket messages they wrote, text removed", "Files they attached to tickets, deleted",
		"Chat messages they wrote, text removed", "Mail they sent in, deleted with the raw message", "Their values in the audit log made unreadable"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the preview lacks %q:\n%s", want, rows)
		}
	}
	if b := p.Text("#erase-backups"); !strings.Contains(b, "seven more days") || !strings.Contains(b, "Europe/Tallinn") {
		t.Errorf("the preview says of backups: %q", b)
	}
	// Keeping the chat's text changes the preview, and the form carries the choice.
	p = admin.Get(t, path+"?chosen=1&remove=ticket&remove=incident&remove=mail", http.StatusOK)
	if strings.Contains(p.Text("#erase-preview"), "Chat messages they wrote, text removed") {
		t.Error("the preview still removes the chat's text that was kept")
	}
	form := p.FormValues("#erase-form")
	if strings.Join(form["remove"], ",") != "ticket,incident,mail" {
		t.Errorf("the erasure's form sends remove=%v", form["remove"])
	}
	// Without the confirmation nothing happens.
	p = admin.Post(t, path, form, http.StatusUnprocessableEntity)
	if p.FieldError("confirm") == "" {
		t.Error("no message beside the confirmation")
	}
	var name string
	if err := app.DB.Get(&name, `SELECT name FROM users WHERE id = $1`, zelda.ID); err != nil || name != zelda.Name {
		t.Fatalf("an unconfirmed erasure changed the name to %q (%v)", name, err)
	}
	form.Set("confirm", "1")
	p = admin.Post(t, path, form, http.StatusSeeOther)
	p = admin.Get(t, p.Location(), http.StatusOK)
	if h := p.Text("h1"); !strings.HasPrefix(h, "Erased person ") {
		t.Errorf("after the erasure the user's page is headed %q", h)
	}
	if !strings.Contains(p.Text(".flash"), "seven more days") {
		t.Errorf("the confirmation says %q", p.Text(".flash"))
	}
	// The same event now shows the value erased: the key is gone, the event unchanged.
	if h := p.Text("#history"); strings.Contains(h, personalCode(zelda.ID)) || !strings.Contains(h, "(erased)") {
		t.Errorf("after the erasure the history shows: %s", h)
	}
	var chat string
	if err := app.DB.Get(&chat, `SELECT body FROM chat_messages WHERE author_id = $1 ORDER BY id DESC LIMIT 1`, zelda.ID); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(chat, "I am Erased person ") {
		t.Errorf("the kept chat message reads %q", chat)
	}
	// Again: refused, on the page.
	if p := admin.Get(t, path, http.StatusOK); !strings.Contains(p.Text("#erase-refused"), "erased already") {
		t.Errorf("a second erasure's page says %q", p.Text("#erase-refused"))
	}
	admin.Post(t, path, url.Values{"confirm": {"1"}}, http.StatusConflict)

	// A customer is refused the admin's pages (as every admin page refuses them).
	var agentID int64
	if err := app.DB.Get(&agentID, `SELECT id FROM users WHERE email = $1`, andres); err != nil {
		t.Fatal(err)
	}
	mari := app.SignIn(t, "customer@demo-customer.example")
	mari.Get(t, "/admin/users/"+strconv.FormatInt(agentID, 10)+"/erase", http.StatusForbidden)
	mari.Get(t, "/admin/users/"+strconv.FormatInt(agentID, 10)+"/export", http.StatusForbidden)
}
