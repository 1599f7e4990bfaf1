package privacy_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/auth"
	"tugi/app/demo"
)

// TestOrganisationExport: an admin gives a customer the right to export their
// organisation; with a second factor they download everyone's data of their organisation
// and nothing of another; without the right, or without a second factor, they do not.
func TestOrganisationExport(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	zelda := newPerson(t, app, "Zelda Quorrin", "zelda.quorrin@demo-customer.example", "Demo Customer OÜ")
	orvo := newPerson(t, app, "Orvo Plimsoll", "orvo.plimsoll@demo-customer.example", "Demo Customer OÜ")
	yannick := newPerson(t, app, "Yannick Drabble", "yannick.drabble@second-customer.example", "Second Customer AS")
	customerLife(t, app, orvo)
	customerLife(t, app, yannick)
	if err := auth.EnrolTOTP(ctx, app.DB, app.FactorKey, audit.Job("test"), zelda.ID, demo.TOTPSecret); err != nil {
		t.Fatal(err)
	}

	z := app.SignIn(t, zelda.Email)
	z.Get(t, "/organisation/data", http.StatusNotFound)
	z.Get(t, "/organisation/export", http.StatusNotFound)

	admin := app.SignIn(t, toomas)
	userPage := "/admin/users/" + strconv.FormatInt(zelda.ID, 10)
	form := admin.Get(t, userPage, http.StatusOK).FormValues("#org-export-form")
	p := admin.Post(t, userPage+"/org-export", form, http.StatusSeeOther)
	if !strings.Contains(admin.Get(t, p.Location(), http.StatusOK).Text("#org-export-right"), "may export the data of everyone") {
		t.Error("the user page does not show the right given")
	}

	page := z.Get(t, "/organisation/data", http.StatusOK)
	if page.Doc.Find(`a#org-export[href="/organisation/export"]`).Length() != 1 {
		t.Error("the page has no download")
	}
	res, err := z.HTTP().Get(app.URL + "/organisation/export")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the organisation's export answered %d", res.StatusCode)
	}
	_, files := unzip(t, body)
	all := everything(files)
	for _, want := range []string{"Printer of " + orvo.Name, "Scanned by " + orvo.Name, zelda.Email, "Demo Customer OÜ"} {
		if !strings.Contains(all, want) {
			t.Errorf("the organisation's export lacks %q", want)
		}
	}
	for _, w := range yannick.words() {
		if strings.Contains(all, w) {
			t.Errorf("the organisation's export holds %q of %s, of another organisation", w, yannick.Name)
		}
	}
	if _, ok := files["people/"+strconv.FormatInt(orvo.ID, 10)+"/export.json"]; !ok {
		t.Errorf("no folder of Orvo's in %d files", len(files))
	}
	var n int
	if err := app.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE action = 'person.export_organisation' AND actor_user_id = $1`, zelda.ID); err != nil || n != 1 {
		t.Errorf("%d organisation exports audited (%v)", n, err)
	}

	// A password alone is not enough: the same right, without a second factor.
	if _, err := app.DB.Exec(`INSERT INTO org_export_rights (user_id) VALUES ($1)`, orvo.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := app.SignIn(t, orvo.Email).Try(http.MethodGet, "/organisation/export", nil); err != nil || p.Status == http.StatusOK {
		t.Errorf("a customer signed in with a password only downloads the organisation (%v)", err)
	}

	// Withdrawn: gone.
	form = admin.Get(t, userPage, http.StatusOK).FormValues("#org-export-form")
	if form.Get("allow") != "no" {
		t.Fatalf("the form offers allow=%q", form.Get("allow"))
	}
	admin.Post(t, userPage+"/org-export", form, http.StatusSeeOther)
	z.Get(t, "/organisation/data", http.StatusNotFound)
	// Staff have no organisation to export.
	var agentID int64
	if err := app.DB.Get(&agentID, `SELECT id FROM users WHERE email = $1`, andres); err != nil {
		t.Fatal(err)
	}
	admin.Post(t, "/admin/users/"+strconv.FormatInt(agentID, 10)+"/org-export", url.Values{"allow": {"yes"}}, http.StatusNotFound)
}
