package ticket_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/jmoiron/sqlx"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/ticket"
)

// Files as people attach them: the bytes decide the type, the name must fit it.
var (
	pngData  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	pdfData  = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + strings.Repeat("% padding, so a download is long enough to be worth compressing\n", 40) + "trailer << /Root 1 0 R >>\n%%EOF\n")
	logData  = []byte("2026-11-25 10:00:01 ERROR printer spooler stopped\n")
	htmlData = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	svgData  = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	exeData  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 200)...)
)

// docx returns a minimal Word document: a zip whose parts say what it is.
func docx(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"_rels/.rels", `<?xml version="1.0"?><Relationships/>`},
		{"word/document.xml", `<?xml version="1.0"?><w:document/>`},
	} {
		w, err := z.Create(f.name)
		if err == nil {
			_, err = w.Write([]byte(f.body))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func file(name string, data []byte) apptest.Upload {
	return apptest.Upload{Field: "files", Name: name, Data: data}
}

// newTicketForm is a valid new-ticket form.
func newTicketForm(t *testing.T, db *sqlx.DB, subject string) url.Values {
	return url.Values{"subject": {subject}, "body": {"See the attached files."},
		"category_id": {strconv.FormatInt(categoryID(t, db, "Question"), 10)}, "impact": {"one_person"}}
}

// openWithFiles opens a ticket as c with files attached and returns its id.
func openWithFiles(t *testing.T, app *apptest.App, c *apptest.Client, subject string, files ...apptest.Upload) int64 {
	t.Helper()
	p := c.PostFiles(t, "/tickets", newTicketForm(t, app.DB, subject), files, http.StatusSeeOther)
	m := ticketPath.FindStringSubmatch(p.Location())
	if m == nil {
		t.Fatalf("open %q with files: went to %q; page says %s", subject, p.Location(), p.Text("main"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// attachmentLinks returns the attachment links of the message at index i of the page's
// conversation: name → href.
func attachmentLinks(p *apptest.Page, sel string) map[string]string {
	out := map[string]string{}
	p.Doc.Find(sel + " .attachments a").Each(func(_ int, a *goquery.Selection) {
		out[strings.TrimSpace(a.Text())], _ = a.Attr("href")
	})
	return out
}

// files counts the stored attachments and blobs.
type fileCounts struct{ attachments, blobs int }

func takeFiles(t *testing.T, db *sqlx.DB) fileCounts {
	return fileCounts{count(t, db, `SELECT count(*) FROM ticket_attachments`), count(t, db, `SELECT count(*) FROM blobs`)}
}

func TestAttachmentsFromCustomerToAgentAndBack(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c, a := app.SignIn(t, mari), app.SignIn(t, andres)

	form := c.Get(t, "/tickets/new", http.StatusOK)
	in := form.Doc.Find(`form#new-ticket input[type=file][name=files][multiple]`)
	if enc, _ := form.Doc.Find("form#new-ticket").Attr("enctype"); enc != "multipart/form-data" || in.Length() != 1 {
		t.Fatalf("the new-ticket form: enctype %q, %d file inputs with multiple", enc, in.Length())
	}
	if accept, _ := in.Attr("accept"); !strings.Contains(accept, ".pdf") || !strings.Contains(accept, ".png") || strings.Contains(accept, ".html") {
		t.Errorf("accept hint %q", accept)
	}
	if hint := form.Text("#files-hint"); !strings.Contains(hint, "5 files") || !strings.Contains(hint, "10 MB") {
		t.Errorf("hint %q, want the limits", hint)
	}

	before := takeFiles(t, app.DB)
	audits := count(t, app.DB, `SELECT count(*) FROM audit_events`)
	const invoice = "Arve 2026 – märts.pdf"
	id := openWithFiles(t, app, c, "Printer shows this", file("screen.png", pngData), file(invoice, pdfData), file("letter.docx", docx(t)))
	if after := takeFiles(t, app.DB); after.attachments != before.attachments+3 || after.blobs != before.blobs+3 {
		t.Errorf("stored %+v after %+v, want 3 attachments and 3 blobs more", after, before)
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events`); n != audits+1 {
		t.Errorf("%d audit events written, want one (ticket.create)", n-audits)
	}
	var changes string
	app.DB.Get(&changes, `SELECT changes->'attachment_ids'->>'new' FROM audit_events WHERE action = 'ticket.create' AND object_id = $1`, strconv.FormatInt(id, 10))
	if strings.Count(changes, ",") != 2 {
		t.Errorf("ticket.create names attachments %s, want the 3 ids", changes)
	}
	var types []string
	app.DB.Select(&types, `SELECT content_type FROM ticket_attachments WHERE ticket_id = $1 ORDER BY id`, id)
	if strings.Join(types, " ") != "image/png application/pdf application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Errorf("detected types %v", types)
	}

	// Both see the files under the first message, and both can download them.
	page := c.Get(t, path(id, ""), http.StatusOK)
	links := attachmentLinks(page, "#conversation .message:first-child")
	if len(links) != 3 || links[invoice] == "" {
		t.Fatalf("the customer sees attachments %v", links)
	}
	if s := page.Text("#conversation .message:first-child .attachments li:first-child .muted"); s != strconv.Itoa(len(pngData))+" B" {
		t.Errorf("size shown %q", s)
	}
	agentLinks := attachmentLinks(a.Get(t, path(id, ""), http.StatusOK), "#conversation .message:first-child")
	if len(agentLinks) != 3 || agentLinks[invoice] != links[invoice] {
		t.Fatalf("the agent sees %v", agentLinks)
	}
	for who, cl := range map[string]*apptest.Client{mari: c, andres: a} {
		d := cl.Get(t, links[invoice], http.StatusOK)
		if d.Body != string(pdfData) {
			t.Fatalf("%s downloads the PDF: %d bytes", who, len(d.Body))
		}
		for h, want := range map[string]string{
			"Content-Type":            "application/pdf",
			"Content-Disposition":     `attachment; filename="Arve 2026 _ m_rts.pdf"; filename*=UTF-8''Arve%202026%20%E2%80%93%20m%C3%A4rts.pdf`,
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "private, no-store",
			"Content-Security-Policy": "sandbox; default-src 'none'",
			"Content-Length":          strconv.Itoa(len(pdfData)),
		} {
			if got := d.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", who, h, got, want)
			}
		}
		var ev struct {
			Actor   int64  `db:"actor_user_id"`
			OrgID   int64  `db:"org_id"`
			Changes string `db:"changes"`
		}
		err := app.DB.Get(&ev, `SELECT actor_user_id, org_id, changes::text FROM audit_events
			WHERE action = 'ticket.attachment_download' AND request_id = $1`, d.Header.Get("X-Request-Id"))
		if err != nil || ev.Actor != userID(t, app.DB, who) || !strings.Contains(ev.Changes, "attachment_id") {
			t.Errorf("%s's download is not audited as theirs: %+v %v", who, ev, err)
		}
	}

	// The agent answers with a log file; the customer sees and downloads it.
	p := a.PostFiles(t, path(id, "/reply"), url.Values{"body": {"Here is what the server logged."}, "then": {"wait"}},
		[]apptest.Upload{file("spooler.log", logData)}, http.StatusSeeOther)
	page = c.Get(t, path(id, ""), http.StatusOK)
	staff := attachmentLinks(page, "#conversation .message.from-staff")
	if staff["spooler.log"] == "" {
		t.Fatalf("the customer does not see the agent's file: %v", staff)
	}
	if d := c.Get(t, staff["spooler.log"], http.StatusOK); d.Body != string(logData) || !strings.HasPrefix(d.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("the log: %q %q", d.Header.Get("Content-Type"), d.Body)
	}

	// The same screenshot again, in a reply: one more attachment, no more blobs.
	before = takeFiles(t, app.DB)
	c.PostFiles(t, path(id, "/reply"), url.Values{"body": {"Same screen again."}}, []apptest.Upload{file("again.png", pngData)}, http.StatusSeeOther)
	if after := takeFiles(t, app.DB); after.attachments != before.attachments+1 || after.blobs != before.blobs {
		t.Errorf("the same content again: %+v after %+v, want one attachment more and no blob", after, before)
	}

	// htmx posts the form as FormData: the same multipart request, answered with HX-Redirect.
	p = c.PostFiles(t, path(id, "/reply"), url.Values{"body": {"From htmx."}}, []apptest.Upload{file("h.pdf", pdfData)}, http.StatusOK, "HX-Request", "true")
	if p.Header.Get("HX-Redirect") != path(id, "") {
		t.Errorf("htmx reply with a file: HX-Redirect %q", p.Header.Get("HX-Redirect"))
	}
}

func TestRefusedFilesWriteNothing(t *testing.T) {
	t.Parallel()
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) { c.AttachmentMaxSize = 1 << 10; c.AttachmentMaxFiles = 2 }})
	c, a := app.SignIn(t, mari), app.SignIn(t, andres)
	id := open(t, app, c, "Existing ticket")

	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 1<<10)...)
	for _, tt := range []struct {
		name  string
		files []apptest.Upload
		want  []string // in the message beside the field
	}{
		{"too large", []apptest.Upload{file("ok.png", pngData), file("big.pdf", big)}, []string{"big.pdf", "1 KB", "Choose the files again"}},
		{"too many", []apptest.Upload{file("a.png", pngData), file("b.png", pngData), file("c.png", pngData)}, []string{"at most 2 files", "Choose the files again"}},
		{"html", []apptest.Upload{file("page.html", htmlData)}, []string{"page.html", "not a kind of file", "Choose the files again"}},
		{"html called text", []apptest.Upload{file("notes.txt", htmlData)}, []string{"notes.txt", "not a kind of file"}},
		{"svg", []apptest.Upload{file("logo.svg", svgData)}, []string{"logo.svg", "not a kind of file"}},
		{"program", []apptest.Upload{file("setup.exe", exeData)}, []string{"setup.exe", "not a kind of file"}},
		{"program called a picture", []apptest.Upload{file("cat.png", exeData)}, []string{"cat.png", "not a kind of file"}},
		{"script called text", []apptest.Upload{file("run.js", []byte("fetch('/account').then(r => r.text())"))}, []string{"run.js", "not a kind of file"}},
		{"picture called a page", []apptest.Upload{file("x.html", pngData)}, []string{"x.html", "not a kind of file"}},
		{"empty", []apptest.Upload{file("empty.txt", nil)}, []string{"empty.txt", "is empty"}},
		{"path in the name", []apptest.Upload{file(`C:\Users\mari\evil<b>.svg`, svgData)}, []string{"evil<b>.svg", "not a kind of file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, files := take(t, app.DB), takeFiles(t, app.DB)
			for _, try := range []struct {
				who   *apptest.Client
				path  string
				form  url.Values
				field string
				kept  string // the selector of the text field that must come back as typed
				typed string
			}{
				{c, "/tickets", newTicketForm(t, app.DB, "Keep this subject"), "files", "textarea#body", "See the attached files."},
				{c, path(id, "/reply"), url.Values{"body": {"Keep this reply"}}, "files", "textarea#body", "Keep this reply"},
				{a, path(id, "/reply"), url.Values{"body": {"Keep this answer"}, "then": {"wait"}}, "files", "textarea#body", "Keep this answer"},
				{a, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"Keep this note"}}, "files", "textarea#body", "Keep this note"},
			} {
				uploads := make([]apptest.Upload, len(tt.files))
				for i, f := range tt.files {
					f.Field = try.field
					uploads[i] = f
				}
				p := try.who.PostFiles(t, try.path, try.form, uploads, http.StatusUnprocessableEntity)
				msg := p.FieldError(try.field)
				for _, w := range tt.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: beside the files %q, want it to say %q", try.path, msg, w)
					}
				}
				if got := p.Text(try.kept); got != try.typed {
					t.Errorf("%s: %s came back as %q", try.path, try.kept, got)
				}
				if try.path == "/tickets" && p.InputValue("subject") != "Keep this subject" {
					t.Errorf("the subject came back as %q", p.InputValue("subject"))
				}
			}
			before.unchanged(t, app.DB, tt.name)
			if now := takeFiles(t, app.DB); now != files {
				t.Errorf("%s stored files: %+v, then %+v", tt.name, files, now)
			}
		})
	}

	// Another field wrong, the files fine: the form says to choose them again.
	before := takeFiles(t, app.DB)
	p := c.PostFiles(t, "/tickets", url.Values{"subject": {""}, "body": {"Body kept"}}, []apptest.Upload{file("ok.png", pngData)}, http.StatusUnprocessableEntity)
	if p.FieldError("subject") == "" || !strings.Contains(p.FieldError("files"), "choose them again") {
		t.Errorf("missing subject with a file: subject %q, files %q", p.FieldError("subject"), p.FieldError("files"))
	}
	if now := takeFiles(t, app.DB); now != before {
		t.Errorf("a refused form stored files: %+v then %+v", before, now)
	}

	// htmx gets the refusal as a fragment with the message beside the field.
	p = c.PostFiles(t, "/tickets", newTicketForm(t, app.DB, "htmx"), []apptest.Upload{file("page.html", htmlData)}, http.StatusUnprocessableEntity, "HX-Request", "true")
	if strings.Contains(p.Body, "<html") || !strings.Contains(p.FieldError("files"), "page.html") {
		t.Errorf("htmx refusal: whole page %v, %q", strings.Contains(p.Body, "<html"), p.FieldError("files"))
	}

	// A body larger than the files could be is refused before it is read.
	huge := bytes.Repeat([]byte("y"), 2*(1<<10)+2<<20)
	p = c.PostFiles(t, "/tickets", newTicketForm(t, app.DB, "Huge"), []apptest.Upload{file("huge.txt", huge)}, http.StatusRequestEntityTooLarge)
	if p.Text("h1") != "Too large" {
		t.Errorf("a body over the limit: %q", p.Text("h1"))
	}
	if now := takeFiles(t, app.DB); now != before {
		t.Errorf("a refused form stored files: %+v then %+v", before, now)
	}
}

func TestInternalAttachmentsAreForStaffOnly(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c, a, ciso := app.SignIn(t, mari), app.SignIn(t, andres), app.SignIn(t, sirje)
	id := open(t, app, c, "Slow reports")
	a.PostFiles(t, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"Database plan attached."}},
		[]apptest.Upload{{Field: "files", Name: "plan.txt", Data: []byte("Seq Scan on reports")}}, http.StatusSeeOther)
	var aid int64
	if err := app.DB.Get(&aid, `SELECT id FROM ticket_attachments WHERE ticket_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	url := path(id, "/attachments/"+strconv.FormatInt(aid, 10)+"/plan.txt")
	if links := attachmentLinks(a.Get(t, path(id, ""), http.StatusOK), "#conversation .message.internal"); links["plan.txt"] != url {
		t.Errorf("the agent sees %v under the note, want %s", links, url)
	}
	if d := ciso.Get(t, url, http.StatusOK); d.Body != "Seq Scan on reports" {
		t.Errorf("the CISO downloads the note's file: %q", d.Body)
	}
	page := c.Get(t, path(id, ""), http.StatusOK)
	if strings.Contains(page.Body, "plan.txt") || page.Doc.Find(".attachments").Length() != 0 {
		t.Error("the customer's page shows the internal note's file")
	}
	audits := count(t, app.DB, `SELECT count(*) FROM audit_events`)
	if d := c.Get(t, url, http.StatusNotFound); strings.Contains(d.Body, "Seq Scan") {
		t.Error("the customer downloads the internal file")
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events`); n != audits {
		t.Errorf("a refused download wrote %d audit events", n-audits)
	}
}

func TestAnotherOrganisationsAttachmentIsNotFound(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	m, j := app.SignIn(t, mari), app.SignIn(t, jaan)
	mine := openWithFiles(t, app, m, "Mari's invoice", file("invoice.pdf", pdfData))
	theirs := openWithFiles(t, app, j, "Jaan's secret", file("secret.pdf", append([]byte("%PDF-1.4\nJaan's secret\n"), pdfData...)))
	aidOf := func(ticketID int64) string {
		var aid int64
		if err := app.DB.Get(&aid, `SELECT id FROM ticket_attachments WHERE ticket_id = $1`, ticketID); err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(aid, 10)
	}
	audits := count(t, app.DB, `SELECT count(*) FROM audit_events`)
	for _, p := range []string{
		path(theirs, "/attachments/"+aidOf(theirs)+"/secret.pdf"), // their ticket, their file
		path(mine, "/attachments/"+aidOf(theirs)+"/secret.pdf"),   // my ticket, their file
		path(theirs, "/attachments/"+aidOf(mine)+"/invoice.pdf"),  // their ticket, my file
		path(mine, "/attachments/999999/x.pdf"),
		path(mine, "/attachments/abc/x.pdf"),
	} {
		if d := m.Get(t, p, http.StatusNotFound); strings.Contains(d.Body, "secret") {
			t.Errorf("Mari GET %s: the answer holds the file", p)
		}
	}
	if n := count(t, app.DB, `SELECT count(*) FROM audit_events`); n != audits {
		t.Errorf("refused downloads wrote %d audit events", n-audits)
	}
	// Staff who are not ticket people (an employee, an admin) are refused by the route.
	for _, who := range []string{eva, toomas} {
		app.SignIn(t, who).Get(t, path(mine, "/attachments/"+aidOf(mine)+"/invoice.pdf"), http.StatusForbidden)
	}
}

func TestCleanFilename(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"report.pdf":                      "report.pdf",
		`C:\Users\mari\Desktop\a.png`:     "a.png",
		"../../etc/passwd":                "passwd",
		"  spaced.txt  ":                  "spaced.txt",
		"bad\x00\x1b[31mname.txt":         "bad[31mname.txt",
		"invoice\u202Efdp.exe":            "invoicefdp.exe",
		"\xff\xfeodd.txt":                 "\uFFFDodd.txt",
		"":                                "attachment",
		"..":                              "attachment",
		strings.Repeat("ä", 200) + ".pdf": strings.Repeat("ä", 125) + ".pdf",
	} {
		if got := ticket.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStorageQuotaPerOrganisation(t *testing.T) {
	t.Parallel()
	quota := int64(len(pdfData)) + 1<<10 // room for the PDF once, and a little more
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) { c.OrgStorageQuota = quota }})
	c, a, other := app.SignIn(t, mari), app.SignIn(t, andres), app.SignIn(t, jaan)
	id := openWithFiles(t, app, c, "The first report", file("report.pdf", pdfData))

	before, files := take(t, app.DB), takeFiles(t, app.DB)
	for _, try := range []struct {
		who   *apptest.Client
		path  string
		form  url.Values
		field string
	}{
		{c, "/tickets", newTicketForm(t, app.DB, "The second report"), "files"},
		{c, path(id, "/reply"), url.Values{"body": {"The report again"}}, "files"},
		{a, path(id, "/reply"), url.Values{"body": {"Your report, annotated"}, "then": {"wait"}}, "files"},
		{a, path(id, "/compose"), url.Values{"kind": {"note"}, "body": {"The report, for the team"}}, "files"},
	} {
		// A different file each time, so the refusal is not of content stored already.
		data := append(slices.Clone(pdfData), []byte(try.path+try.field)...)
		p := try.who.PostFiles(t, try.path, try.form, []apptest.Upload{{Field: try.field, Name: "report-2.pdf", Data: data}}, http.StatusUnprocessableEntity)
		if msg := p.FieldError(try.field); !strings.Contains(msg, "past "+ticket.FormatSize("en", quota)) || !strings.Contains(msg, "fewer or smaller files") {
			t.Errorf("%s: beside the files %q, want the organisation's storage named", try.path, msg)
		}
	}
	before.unchanged(t, app.DB, "uploads past the quota")
	if now := takeFiles(t, app.DB); now != files {
		t.Errorf("uploads past the quota stored files: %+v, then %+v", files, now)
	}

	// What still fits is taken; another organisation has its own room.
	c.PostFiles(t, path(id, "/reply"), url.Values{"body": {"The log"}}, []apptest.Upload{file("spooler.log", logData)}, http.StatusSeeOther)
	openWithFiles(t, app, other, "Their own report", file("theirs.pdf", append(slices.Clone(pdfData), "theirs"...)))
	if now := takeFiles(t, app.DB); now.attachments != files.attachments+2 {
		t.Errorf("files within the quota: %+v, then %+v", files, now)
	}
}
