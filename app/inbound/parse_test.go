package inbound

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseCorpus(t *testing.T, name string) *Parsed {
	t.Helper()
	p, err := Parse(readCorpus(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func TestParseGmailNew(t *testing.T) {
	p := parseCorpus(t, "gmail_new.eml")
	if p.MessageID != "CAH8yC8mKq3Vx1pQe7b0Zr2u4n=Lw6tJ9sD@mail.gmail.com" {
		t.Errorf("Message-ID %q", p.MessageID)
	}
	if p.From != "mari.magi@example-customer.ee" || p.FromName != "Mari Mägi" {
		t.Errorf("from %q %q", p.FromName, p.From)
	}
	if p.Subject != "Arve PDF ei avane – palun abi" {
		t.Errorf("subject %q", p.Subject)
	}
	if !strings.Contains(p.Text, "ei avane ühelgi meie arvutil") || strings.Contains(p.Text, "<div") {
		t.Errorf("the text part should be preferred: %q", p.Text)
	}
	if len(p.Files) != 1 || p.Files[0].Name != "arve-2026-12.pdf" || !strings.HasPrefix(string(p.Files[0].Data), "%PDF-1.4") {
		t.Fatalf("files %+v", p.Files)
	}
	if p.Auto != NotAuto || p.IsReport {
		t.Errorf("a person's mail taken as automatic: %q %v", p.Auto, p.IsReport)
	}
}

func TestParseGmailReplyFoldsTheQuote(t *testing.T) {
	p := parseCorpus(t, "gmail_reply.eml")
	if len(p.References) != 2 || p.References[1] != "ticket-42.abcdefghijklmnopqrstuvwx@tugi.example" {
		t.Errorf("references %q", p.References)
	}
	if len(p.InReplyTo) != 1 || p.InReplyTo[0] != "ticket-42.abcdefghijklmnopqrstuvwx@tugi.example" {
		t.Errorf("in-reply-to %q", p.InReplyTo)
	}
	f := Fold(p.Text)
	if f.Latest != "Aitäh, nüüd avaneb!" {
		t.Errorf("latest %q", f.Latest)
	}
	if !strings.HasPrefix(f.Folded, "On Mon, 7 Dec 2026") || !strings.Contains(f.Folded, "> Dear Mari") {
		t.Errorf("folded %q", f.Folded)
	}
	if !strings.Contains(p.HTML, "gmail_quote") && !strings.Contains(p.HTML, "blockquote") {
		t.Errorf("html %q", p.HTML)
	}
}

func TestParseOutlookWindows1257(t *testing.T) {
	p := parseCorpus(t, "outlook_reply_windows1257.eml")
	if p.FromName != "Jānis Bērziņš" {
		t.Errorf("from name %q", p.FromName)
	}
	if p.Subject != "RE: [T-2026-00042] Sūtījums nav pienācis" {
		t.Errorf("subject %q", p.Subject)
	}
	f := Fold(p.Text)
	if !strings.Contains(f.Latest, "Sūtījums joprojām nav pienācis. Lūdzu pārbaudiet vēlreiz.") {
		t.Errorf("latest %q", f.Latest)
	}
	if strings.Contains(f.Latest, "has been received") || !strings.HasPrefix(f.Folded, "From: Tugi Support") {
		t.Errorf("Outlook's quoted header block should fold: latest %q folded %q", f.Latest, f.Folded)
	}
	// The topmost Authentication-Results is the receiving server's; the one below was
	// added by anyone.
	if p.Auth != (Auth{SPF: "pass", DKIM: "pass", DMARC: "pass"}) {
		t.Errorf("auth %+v", p.Auth)
	}
	for _, bad := range []string{"<script", "alert(", "tracker.example", "javascript:"} {
		if strings.Contains(p.HTML, bad) {
			t.Errorf("sanitised HTML keeps %q: %s", bad, p.HTML)
		}
	}
}

func TestParseAppleInlineImage(t *testing.T) {
	p := parseCorpus(t, "apple_inline_image.eml")
	if p.MessageID != "5B8C7D6E-4F3A-4B2C-9D1E-0F2A3B4C5D6E@example-customer.ee" {
		t.Errorf("Message-Id %q", p.MessageID)
	}
	if len(p.Files) != 1 || !p.Files[0].Inline || p.Files[0].Name != "viga.png" || p.Files[0].ContentID != "E1F2A3B4-C5D6-4E7F-8091-A2B3C4D5E6F7" {
		t.Fatalf("inline image %+v", p.Files)
	}
	f := Fold(p.Text)
	if f.Folded != "Sent from my iPhone" || !strings.HasSuffix(f.Latest, "Kadri") {
		t.Errorf("signature fold %+v", f)
	}
	if !strings.Contains(p.HTML, `src="cid:E1F2A3B4`) {
		t.Errorf("the inline image's cid link should stay: %s", p.HTML)
	}
}

func TestParseThunderbirdForwardISO885913(t *testing.T) {
	p := parseCorpus(t, "thunderbird_forward_iso8859-13.eml")
	if p.Subject != "Fwd: Sąskaita Nr. 118" {
		t.Errorf("subject %q", p.Subject)
	}
	if !strings.Contains(p.Text, "persiunčiu klientų laišką") || !strings.Contains(p.Text, "Prašome patikslinti sąskaitą") {
		t.Errorf("text %q", p.Text)
	}
	if f := Fold(p.Text); f.Folded != "" {
		t.Errorf("a forward is what the sender wants read, not folded: %+v", f)
	}
}

func TestParseThunderbirdWindows1257Signature(t *testing.T) {
	p := parseCorpus(t, "thunderbird_reply_windows1257_8bit.eml")
	if p.FromName != "Jüri Šalanin" {
		t.Errorf("from %q", p.FromName)
	}
	f := Fold(p.Text)
	if f.Latest != "Tere,\n\nJätkan Mari asemel: šifreeritud fail on nüüd üleval, žurnaal täidetud." {
		t.Errorf("latest %q", f.Latest)
	}
	if !strings.HasPrefix(f.Folded, "--\nJüri Šalanin\nExample OÜ") {
		t.Errorf("folded %q", f.Folded)
	}
	if len(p.References) != 2 {
		t.Errorf("folded References header: %q", p.References)
	}
}

func TestParseLegacyCharsets(t *testing.T) {
	p := parseCorpus(t, "no_message_id_iso8859-4.eml")
	if p.MessageID != "" {
		t.Errorf("message id %q", p.MessageID)
	}
	if p.Subject != "Žurnaal ja šifrid" || !strings.Contains(p.Text, "žurnaal ja šifrid: õun, ä, ö, ü.") {
		t.Errorf("ISO-8859-4: %q %q", p.Subject, p.Text)
	}
	if p.FromName != "Ülle Õunapuu" {
		t.Errorf("8-bit UTF-8 header: %q", p.FromName)
	}
	p = parseCorpus(t, "windows1252.eml")
	if p.Subject != "„Hinta“ – € 12" || !strings.Contains(p.Text, "Hinta € 12 – šokolaati ž") {
		t.Errorf("Windows-1252: %q %q", p.Subject, p.Text)
	}
}

func TestParseOutOfOffice(t *testing.T) {
	p := parseCorpus(t, "outlook_out_of_office.eml")
	if p.Auto != AutoReply || !p.SuppressAuto {
		t.Errorf("auto %q suppress %v", p.Auto, p.SuppressAuto)
	}
	if !strings.Contains(p.Text, "Kiireloomuliste küsimustega pöörduge") {
		t.Errorf("ISO-8859-1 text %q", p.Text)
	}
}

func TestParseBounce(t *testing.T) {
	p := parseCorpus(t, "postfix_bounce.eml")
	if !p.IsReport || len(p.Bounces) != 1 {
		t.Fatalf("report %v bounces %+v", p.IsReport, p.Bounces)
	}
	b := p.Bounces[0]
	if b.Address != "left.company@example-customer.ee" || b.Status != "5.1.1" || !strings.Contains(b.Reason, "User unknown") {
		t.Errorf("bounce %+v", b)
	}
}

func TestParseWinmailIsNamed(t *testing.T) {
	p := parseCorpus(t, "outlook_winmail.eml")
	if len(p.Files) != 1 || p.Files[0].Name != "winmail.dat" || p.Files[0].ContentType != "application/ms-tnef" {
		t.Errorf("files %+v", p.Files)
	}
	if p.MessageID != "000001db4891$1a2b3c40$4e5f6a70$@example-customer.ee" {
		t.Errorf("Outlook's Message-ID %q", p.MessageID)
	}
}

func TestAutoHeaders(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Auto
	}{
		{"Auto-Submitted: auto-generated", AutoGenerated},
		{"Auto-Submitted: no", NotAuto},
		{"Auto-Submitted: auto-replied", AutoReply},
		{"X-Autoreply: yes", AutoReply},
		{"Precedence: bulk", Bulk},
		{"Precedence: junk", Bulk},
		{"Precedence: list", List},
		{"List-Id: <users.lists.example.org>", List},
		{"X-Auto-Response-Suppress: All", NotAuto},
	} {
		raw := "From: a@b.example\r\nSubject: hello\r\n" + tc.header + "\r\n\r\nbody\r\n"
		p, err := Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if p.Auto != tc.want {
			t.Errorf("%s: %q, want %q", tc.header, p.Auto, tc.want)
		}
	}
}

func TestHTMLOnlyBecomesText(t *testing.T) {
	raw := "From: a@b.example\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{color:red}</style></head><body><p>Esimene&nbsp;rida</p><p>Teine &amp; kolmas</p><script>x()</script></body></html>"
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "Esimene rida\n\nTeine & kolmas" {
		t.Errorf("text %q", p.Text)
	}
}

func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			f.Add(readCorpus(f, e.Name()))
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		if err != nil {
			return
		}
		_ = Fold(p.Text)
	})
}
