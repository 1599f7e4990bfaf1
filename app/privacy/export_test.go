package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"tugi/app/access"
	"tugi/app/apptest"
	"tugi/app/audit"
	"tugi/app/blob"
	"tugi/app/privacy"
)

// unzip reads an export: export.json decoded, and every file's content by path.
func unzip(t *testing.T, b []byte) (map[string]any, map[string]string) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	files := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(data)
	}
	name := "export.json"
	if _, ok := files[name]; !ok {
		name = "organisation.json"
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(files[name]), &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc, files
}

// everything is the whole archive as one text, to look for strings in.
func everything(files map[string]string) string {
	var b strings.Builder
	for _, c := range files {
		b.WriteString(c)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestExportHoldsThePersonAndNoOneElse exports a customer, through the admin's route, and
// a staff member who reported an incident, through the service: each archive holds their
// profile, tickets and messages, chat, files, mail, sessions and audit events (their
// personal code opened), and nothing of a colleague in the same organisation, of a
// customer of another one, or of what the incident's handlers kept to themselves.
func TestExportHoldsThePersonAndNoOneElse(t *testing.T) {
	app := apptest.New(t)
	ctx := context.Background()
	zelda := newPerson(t, app, "Zelda Quorrin", "zelda.quorrin@demo-customer.example", "Demo Customer OÜ")
	orvo := newPerson(t, app, "Orvo Plimsoll", "orvo.plimsoll@demo-customer.example", "Demo Customer OÜ")
	yannick := newPerson(t, app, "Yannick Drabble", "yannick.drabble@second-customer.example", "Second Customer AS")
	ilmar := newPerson(t, app, "Ilmar Vesterlund", "ilmar.vesterlund@tugi.example", "", access.Employee)
	customerLife(t, app, zelda)
	customerLife(t, app, orvo)
	customerLife(t, app, yannick)
	ip := staffLife(t, app, ilmar)
	app.SignIn(t, sirje).Post(t, ip+"/notes", url.Values{"note": {"Internal: we suspect Orvo Plimsoll's laptop"}}, http.StatusSeeOther)

	admin := app.SignIn(t, toomas)
	res, err := admin.HTTP().Get(app.URL + "/admin/users/" + strconv.FormatInt(zelda.ID, 10) + "/export")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the export answered %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	doc, files := unzip(t, body)
	all := everything(files)
	profile := doc["profile"].(map[string]any)
	if profile["email"] != zelda.Email || profile["name"] != zelda.Name || profile["personal_code"] != personalCode(zelda.ID) {
		t.Errorf("profile %v", profile)
	}
	for _, want := range []string{
		"Printer of " + zelda.Name,                    // the ticket's subject
		"Hello " + zelda.Name + ", please try again.", // the agent's answer
		"Andres",                    // the other party's name
		"Still jams. " + zelda.Name, // their reply
		"I am " + zelda.Name + ", reach me at " + zelda.Email, "Thank you, " + zelda.Name + ".", // the chat
		"Scanned by " + zelda.Name, "photo of " + zelda.Name, // their files' contents
		"It is " + zelda.Name + " again.",                               // the raw mail they sent in
		"Dear " + zelda.Name,                                            // mail to them
		"auth.sign_in", "auth.sign_in_failed", "user.set_personal_code", // audit events about them
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the export lacks %q", want)
		}
	}
	var code bool
	for _, ev := range doc["audit_events"].([]any) {
		e := ev.(map[string]any)
		if e["action"] == "user.set_personal_code" {
			code = e["changes"].(map[string]any)["personal_code"] == personalCode(zelda.ID)
		}
	}
	if !code {
		t.Errorf("the audit event of the personal code does not show it opened: %v", doc["audit_events"])
	}
	if n := len(doc["sessions"].([]any)); n == 0 {
		t.Error("no sessions in the export")
	}
	for _, p := range []someone{orvo, yannick} {
		for _, w := range p.words() {
			if strings.Contains(all, w) {
				t.Errorf("the export of %s holds %q of %s", zelda.Name, w, p.Name)
			}
		}
	}
	var exported int
	if err := app.DB.Get(&exported, `SELECT count(*) FROM audit_events WHERE action = 'person.export' AND object_id = $1::text`, zelda.ID); err != nil || exported != 1 {
		t.Errorf("%d person.export events (%v), want 1", exported, err)
	}

	// The staff member: their incident report and what they were told; not the handlers'
	// internal note, which names someone else.
	var buf bytes.Buffer
	if err := privacy.NewExporter(app.DB, blob.Postgres{}, nil).Export(ctx, audit.Job("test"), ilmar.ID, &buf); err != nil {
		t.Fatal(err)
	}
	_, files = unzip(t, buf.Bytes())
	all = everything(files)
	for _, want := range []string{ilmar.Name + " found a USB stick", "Thanks " + ilmar.Name + ", we are looking."} {
		if !strings.Contains(all, want) {
			t.Errorf("the staff export lacks %q", want)
		}
	}
	for _, p := range []someone{zelda, orvo, yannick} {
		for _, w := range p.words() {
			if strings.Contains(all, w) {
				t.Errorf("the export of %s holds %q of %s", ilmar.Name, w, p.Name)
			}
		}
	}

	// An agent's export lists the messages they wrote in customers' tickets without the
	// text, and the mail they were sent without what it said.
	var andresID int64
	if err := app.DB.Get(&andresID, `SELECT id FROM users WHERE email = $1`, andres); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := privacy.NewExporter(app.DB, blob.Postgres{}, nil).Export(ctx, audit.Job("test"), andresID, &buf); err != nil {
		t.Fatal(err)
	}
	doc, files = unzip(t, buf.Bytes())
	all = everything(files)
	if len(doc["messages_in_other_tickets"].([]any)) < 3 {
		t.Errorf("the agent's messages in others' tickets are not listed: %v", doc["messages_in_other_tickets"])
	}
	for _, p := range []someone{zelda, orvo, yannick} {
		for _, w := range p.words() {
			if strings.Contains(all, w) {
				t.Errorf("the agent's export holds %q of %s", w, p.Name)
			}
		}
	}
}
