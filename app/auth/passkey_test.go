package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"tugi/app/apptest"
	"tugi/app/auth"
	"tugi/app/config"
)

// origin is where the passkey tests' Tugi says it is: passkeys need a domain name. The
// requests still go to the test server; only the browser's word for the origin (which
// the software authenticator signs) names it.
const origin = "http://localhost:8080"

func passkeyApp(t *testing.T) *apptest.App {
	t.Helper()
	return apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) {
		c.PublicURL = &url.URL{Scheme: "http", Host: "localhost:8080"}
	}})
}

// device is a software authenticator: what a browser and a security key do together,
// reduced to the messages Tugi checks. It holds one passkey (a P-256 key pair).
type device struct {
	key    *ecdsa.PrivateKey
	credID []byte
	user   []byte // the user handle Tugi gave at registration
	count  uint32 // the signature counter
}

func newDevice(t *testing.T) *device {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &device{key: key, credID: id}
}

var b64 = base64.RawURLEncoding

// ceremonyOptions reads the options a page's passkey form carries (data-options).
func ceremonyOptions(t *testing.T, p *apptest.Page, form string) (challenge string, rpID string, userID string) {
	t.Helper()
	raw, ok := p.Doc.Find(form).Attr("data-options")
	if !ok {
		t.Fatalf("no %s with options on the page: %s", form, p.Text("main"))
	}
	var o struct {
		PublicKey struct {
			Challenge string `json:"challenge"`
			RPID      string `json:"rpId"`
			RP        struct {
				ID string `json:"id"`
			} `json:"rp"`
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		t.Fatalf("options %s: %v", raw, err)
	}
	rpID = o.PublicKey.RPID
	if rpID == "" {
		rpID = o.PublicKey.RP.ID
	}
	return o.PublicKey.Challenge, rpID, o.PublicKey.User.ID
}

func clientData(kind, challenge, from string) []byte {
	b, _ := json.Marshal(map[string]any{"type": kind, "challenge": challenge, "origin": from, "crossOrigin": false})
	return b
}

// authData is the authenticator data: the relying party's hash, the flags (user present
// and verified, and attested credential data when att is given), the counter.
func (d *device) authData(rpID string, att []byte) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(0x01 | 0x04)
	if att != nil {
		flags |= 0x40
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, d.count)
	return append(out, att...)
}

// create answers a registration page's options, as navigator.credentials.create does.
func (d *device) create(t *testing.T, p *apptest.Page, from string) string {
	t.Helper()
	challenge, rpID, userID := ceremonyOptions(t, p, "#passkey-add")
	var err error
	if d.user, err = b64.DecodeString(userID); err != nil {
		t.Fatal(err)
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1,
		-2: d.key.PublicKey.X.FillBytes(make([]byte, 32)), -3: d.key.PublicKey.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		t.Fatal(err)
	}
	att := make([]byte, 16) // AAGUID: none
	att = binary.BigEndian.AppendUint16(att, uint16(len(d.credID)))
	att = append(append(att, d.credID...), cose...)
	obj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": d.authData(rpID, att)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(d.credID), "rawId": b64.EncodeToString(d.credID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(clientData("webauthn.create", challenge, from)),
			"attestationObject": b64.EncodeToString(obj), "transports": []string{"internal"}}})
	return string(b)
}

// get answers a second step's options, as navigator.credentials.get does, signing with
// the counter one on.
func (d *device) get(t *testing.T, p *apptest.Page, from string) string {
	t.Helper()
	challenge, rpID, _ := ceremonyOptions(t, p, "#passkey-signin")
	d.count++
	ad := d.authData(rpID, nil)
	cd := clientData("webauthn.get", challenge, from)
	h := sha256.Sum256(cd)
	sum := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, d.key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"id": b64.EncodeToString(d.credID), "rawId": b64.EncodeToString(d.credID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(ad),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(d.user)}})
	return string(b)
}

// addPasskey registers d as c's passkey called name from the account page, and returns
// the answer's page (status want).
func addPasskey(t *testing.T, c *apptest.Client, d *device, name string, want int) *apptest.Page {
	t.Helper()
	acc := c.Get(t, "/account", http.StatusOK)
	return c.Post(t, "/account/passkeys", url.Values{"name": {name}, "credential": {d.create(t, acc, origin)}}, want)
}

func countRow(t *testing.T, app *apptest.App, query string, args ...any) int {
	t.Helper()
	var n int
	if err := app.DB.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// An agent adds two passkeys; signs in with one at the second step (the session says
// password+passkey, the passkey when it was used); an answer replayed, another origin's,
// or another person's passkey is refused and counted as a failure; the code still works.
func TestPasskeySignIn(t *testing.T) {
	t.Parallel()
	app := passkeyApp(t)
	a := app.SignIn(t, agent)
	laptop, phone := newDevice(t), newDevice(t)
	addPasskey(t, a, laptop, "Laptop", http.StatusSeeOther)
	if got := a.Get(t, "/account", http.StatusOK).Text(".flash"); got != "Your passkey Laptop has been added." {
		t.Errorf("flash %q", got)
	}
	// The name is the person's to tell them apart: a second of the same name is refused
	// beside the field, the name kept.
	again := addPasskey(t, a, phone, "Laptop", http.StatusUnprocessableEntity)
	if again.FieldError("name") != "You have a passkey of this name already. Choose another name." || again.InputValue("name") != "Laptop" {
		t.Errorf("a second Laptop: %q, name %q", again.FieldError("name"), again.InputValue("name"))
	}
	addPasskey(t, a, phone, "Phone", http.StatusSeeOther)
	// The same answer again: its challenge was answered once.
	acc0 := a.Get(t, "/account", http.StatusOK)
	answerPhone := newDevice(t).create(t, acc0, origin)
	a.Post(t, "/account/passkeys", url.Values{"name": {"Tablet"}, "credential": {answerPhone}}, http.StatusSeeOther)
	if p := a.Post(t, "/account/passkeys", url.Values{"name": {"Tablet 2"}, "credential": {answerPhone}}, http.StatusUnprocessableEntity); !strings.HasPrefix(p.FieldError("name"), "Your browser did not make a passkey.") {
		t.Errorf("a registration replayed: %q", p.FieldError("name"))
	}
	var tablet int64
	app.DB.Get(&tablet, `SELECT id FROM passkeys WHERE name = 'Tablet'`)
	a.Post(t, "/account/passkeys/"+itoa(tablet)+"/remove", nil, http.StatusSeeOther)
	acc := a.Get(t, "/account", http.StatusOK)
	if got := acc.Text("#passkey-list td.name"); got != "LaptopPhone" {
		t.Errorf("listed %q", got)
	}
	if n := countRow(t, app, `SELECT count(*) FROM audit_events WHERE action = 'auth.passkey_add'`); n != 3 {
		t.Errorf("%d passkeys added in the audit log, want 3", n)
	}
	// Sealed: neither the public key nor anything else of the record in the clear.
	var sealed []byte
	app.DB.Get(&sealed, `SELECT credential FROM passkeys WHERE name = 'Laptop'`)
	if strings.Contains(string(sealed), "publicKey") || len(sealed) < 100 {
		t.Errorf("the credential record is not sealed: %.60q", sealed)
	}

	c := app.Client(t)
	passwordStep(t, c, agent, "/queue")
	step := c.Get(t, secondStepQ+"%2Fqueue", http.StatusOK)
	if step.Doc.Find("#passkey-signin").Length() != 1 || step.Doc.Find(`#code[name="code"]`).Length() != 1 {
		t.Fatalf("the second step lacks the passkey or the code: %s", step.Text("main"))
	}
	answer := laptop.get(t, step, origin)
	done := c.Post(t, auth.PasskeyPath, url.Values{"credential": {answer}, "next": {"/queue"}}, http.StatusSeeOther)
	if done.Location() != "/queue" {
		t.Errorf("went to %q", done.Location())
	}
	c.Get(t, "/queue", http.StatusOK)
	if m := sessionMethod(t, app, agent); m[len(m)-1] != "password+passkey" {
		t.Errorf("session methods %v", m)
	}
	if countRow(t, app, `SELECT count(*) FROM passkeys WHERE name = 'Laptop' AND last_used_at IS NOT NULL`) != 1 ||
		countRow(t, app, `SELECT count(*) FROM passkeys WHERE name = 'Phone' AND last_used_at IS NULL`) != 1 {
		t.Error("last use not kept for the passkey used alone")
	}

	// The same answer again, to a new sign-in: its challenge is not this one.
	c2 := app.Client(t)
	passwordStep(t, c2, agent, "/")
	c2.Get(t, secondStep, http.StatusOK)
	refused := c2.Post(t, auth.PasskeyPath, url.Values{"credential": {answer}}, http.StatusUnauthorized)
	if refused.Text("#passkey-error") != "That passkey was not accepted. Try again, or type a code." {
		t.Errorf("replay: %q", refused.Text("#passkey-error"))
	}
	// Signed for another site.
	c2.Post(t, auth.PasskeyPath, url.Values{"credential": {laptop.get(t, refused, "http://evil.example")}}, http.StatusUnauthorized)
	// Another person's passkey (the CISO's device, on the agent's sign-in).
	stranger := newDevice(t)
	s := app.SignIn(t, ciso)
	addPasskey(t, s, stranger, "CISO's key", http.StatusSeeOther)
	stranger.user = laptop.user
	page := c2.Get(t, secondStep, http.StatusOK)
	c2.Post(t, auth.PasskeyPath, url.Values{"credential": {stranger.get(t, page, origin)}}, http.StatusUnauthorized)
	// A counter that goes back: a copy of the key in use.
	page = c2.Get(t, secondStep, http.StatusOK)
	laptop.count = 0
	c2.Post(t, auth.PasskeyPath, url.Values{"credential": {laptop.get(t, page, origin)}}, http.StatusUnauthorized)
	if n := countRow(t, app, `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in_failed'
		AND changes->'reason'->>'new' IN ('passkey_refused', 'passkey_cloned')`); n != 4 {
		t.Errorf("%d refused passkeys audited, want 4", n)
	}
	if n := countRow(t, app, `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in_failed'
		AND changes->'reason'->>'new' = 'passkey_cloned'`); n != 1 {
		t.Errorf("%d cloned passkeys audited, want 1", n)
	}
	// The code form works as before beside it.
	c2.Post(t, secondStep, url.Values{"code": {app.TOTPCode(t, agent)}}, http.StatusSeeOther)
	c2.Get(t, "/queue", http.StatusOK)
}

// A password session steps up with a passkey to reach the audit log, and comes back.
func TestPasskeyStepUp(t *testing.T) {
	t.Parallel()
	app := passkeyApp(t)
	const email = "passkey.stepup@tugi.example"
	newPerson(t, app, email, "employee")
	c := app.Client(t)
	passwordStep(t, c, email, "/")
	d := newDevice(t)
	codes := addPasskey(t, c, d, "Key", http.StatusOK) // the first factor: recovery codes with it
	if n := codes.Doc.Find("#recovery-codes li").Length(); n != 10 {
		t.Fatalf("%d recovery codes with the first passkey, want 10", n)
	}
	// Made an admin meanwhile; the password session is too weak for the admin pages.
	if _, err := app.DB.Exec(`UPDATE users SET roles = '{employee,admin}' WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	loc := c.Get(t, "/admin/sign-in", http.StatusSeeOther).Location()
	if loc != secondStepQ+"%2Fadmin%2Fsign-in" {
		t.Fatalf("sent to %q", loc)
	}
	step := c.Get(t, loc, http.StatusOK)
	if step.Doc.Find("#totp-qr").Length() != 0 {
		t.Fatal("asked to set up an app, though a passkey is there")
	}
	if got := step.Text("label[for=code]"); got != "Recovery code" {
		t.Errorf("the code field is labelled %q for a person without an app", got)
	}
	back := c.Post(t, auth.PasskeyPath, url.Values{"credential": {d.get(t, step, origin)}, "next": {"/admin/sign-in"}}, http.StatusSeeOther)
	if back.Location() != "/admin/sign-in" {
		t.Errorf("returned to %q", back.Location())
	}
	c.Get(t, "/admin/sign-in", http.StatusOK)
	if n := countRow(t, app, `SELECT count(*) FROM audit_events WHERE action = 'auth.step_up' AND changes->'method'->>'new' = 'password+passkey'`); n != 1 {
		t.Errorf("%d step-ups with a passkey audited", n)
	}

	// An authenticator app beside the passkey, from the account page, in this session
	// that proved the passkey.
	href, _ := c.Get(t, "/account", http.StatusOK).Doc.Find("#totp-setup").Attr("href")
	setup := c.Get(t, href, http.StatusOK)
	secret := setup.Text("#totp-secret")
	if secret == "" || setup.InputValue("setup") != "app" {
		t.Fatalf("no set-up of an app from %s: %s", href, setup.Text("main"))
	}
	code, err := auth.TOTPCode(secret, auth.TOTPStep(app.Now()))
	if err != nil {
		t.Fatal(err)
	}
	c.Post(t, secondStep, url.Values{"code": {code}, "setup": {"app"}, "next": {"/account"}}, http.StatusOK)
	if !strings.Contains(c.Get(t, "/account", http.StatusOK).Text("#totp-status"), "An authenticator app is set up") {
		t.Error("the app was not set up beside the passkey")
	}

	// Never with a password alone: a sign-in half done (the password right) that asks to
	// set up an app is asked for a factor it has.
	if _, err := app.DB.Exec(`DELETE FROM totp_factors WHERE user_id = $1`, userID(t, app, email)); err != nil {
		t.Fatal(err)
	}
	thief := app.Client(t)
	passwordStep(t, thief, email, "/")
	p := thief.Get(t, secondStep+"?setup=app", http.StatusOK)
	if p.Doc.Find("#totp-qr").Length() != 0 {
		t.Fatal("a password alone was offered to set up an app")
	}
	thief.Post(t, secondStep, url.Values{"code": {wrongCode(t, app, 0)}, "setup": {"app"}}, http.StatusUnauthorized)
	if countRow(t, app, `SELECT count(*) FROM totp_factors WHERE user_id = $1`, userID(t, app, email)) != 0 {
		t.Error("an app was set up with a password alone")
	}
}

// Removing: a person whose roles need a second factor keeps the last one, with a word
// why; with another factor left, it goes (audited). A passkey is added only by a session
// that proved a factor when the person has one; nobody removes another's.
func TestPasskeyRemoval(t *testing.T) {
	t.Parallel()
	app := passkeyApp(t)
	const email = "passkey.only@tugi.example"
	id := newPerson(t, app, email, "agent")
	if _, err := app.DB.Exec(`UPDATE second_factor_policy SET roles = '{ciso,admin}'`); err != nil { // not agents, for now
		t.Fatal(err)
	}
	c := app.Client(t)
	passwordStep(t, c, email, "/")
	d := newDevice(t)
	addPasskey(t, c, d, "Only key", http.StatusOK)
	if _, err := app.DB.Exec(`UPDATE second_factor_policy SET roles = '{agent,ciso,admin}'`); err != nil {
		t.Fatal(err)
	}
	// Sign in again with it: a strong session.
	c = app.Client(t)
	passwordStep(t, c, email, "/")
	c.Post(t, auth.PasskeyPath, url.Values{"credential": {d.get(t, c.Get(t, secondStep, http.StatusOK), origin)}}, http.StatusSeeOther)
	acc := c.Get(t, "/account", http.StatusOK)
	if acc.Doc.Find(`#passkey-list form[action$="/remove"]`).Length() != 0 || acc.Text("#passkey-last") == "" {
		t.Error("the last passkey of an agent offers removal")
	}
	var pk int64
	app.DB.Get(&pk, `SELECT id FROM passkeys WHERE user_id = $1`, id)
	c.Post(t, "/account/passkeys/"+itoa(pk)+"/remove", nil, http.StatusSeeOther)
	if got := c.Get(t, "/account", http.StatusOK).Text(".flash"); !strings.HasPrefix(got, "This is your only second factor and your roles need one") {
		t.Errorf("flash %q", got)
	}
	if countRow(t, app, `SELECT count(*) FROM passkeys WHERE user_id = $1`, id) != 1 {
		t.Fatal("the last passkey was removed")
	}
	// With a second one, the first goes.
	addPasskey(t, c, newDevice(t), "Spare", http.StatusSeeOther)
	c.Post(t, "/account/passkeys/"+itoa(pk)+"/remove", nil, http.StatusSeeOther)
	if got := c.Get(t, "/account", http.StatusOK).Text("#passkey-list td.name"); got != "Spare" {
		t.Errorf("left %q", got)
	}
	if n := countRow(t, app, `SELECT count(*) FROM audit_events WHERE action = 'auth.passkey_remove' AND changes->'passkey'->>'old' = 'Only key'`); n != 1 {
		t.Errorf("%d removals audited", n)
	}
	// Someone else's passkey: not found, and still there.
	var spare int64
	app.DB.Get(&spare, `SELECT id FROM passkeys WHERE user_id = $1`, id)
	app.SignIn(t, agent).Post(t, "/account/passkeys/"+itoa(spare)+"/remove", nil, http.StatusNotFound)
	if countRow(t, app, `SELECT count(*) FROM passkeys WHERE id = $1`, spare) != 1 {
		t.Error("another person removed the passkey")
	}
	// The admin's reset takes passkeys too; the person is told; at the next sign-in they
	// set up an app (their roles need a factor).
	boss := app.SignIn(t, admin)
	boss.Post(t, "/admin/users/"+itoa(id)+"/second-factor/reset", nil, http.StatusSeeOther)
	if countRow(t, app, `SELECT count(*) FROM passkeys WHERE user_id = $1`, id) != 0 {
		t.Error("the reset left passkeys")
	}
	if n := countRow(t, app, `SELECT count(*) FROM audit_events WHERE action = 'auth.second_factor_reset' AND changes->'passkeys_removed'->>'new' = '1'`); n != 1 {
		t.Errorf("%d resets audited with the passkeys removed", n)
	}
	var body string
	app.DB.Get(&body, `SELECT body_text FROM mail_outbox WHERE kind = 'auth.second_factor_reset' AND user_id = $1`, id)
	if !strings.Contains(body, "passkeys") {
		t.Errorf("the mail says %q", body)
	}
	c = app.Client(t)
	passwordStep(t, c, email, "/")
	if c.Get(t, secondStep, http.StatusOK).Doc.Find("#totp-qr").Length() != 1 {
		t.Error("after the reset, no set-up at sign-in")
	}
}

// A password session of a person who has a factor (opened before they set it up) does
// not add a passkey: a stolen password must not add a way in.
func TestPasskeyAddNeedsAFactorProved(t *testing.T) {
	t.Parallel()
	app := passkeyApp(t)
	const email = "weak.session@tugi.example"
	newPerson(t, app, email, "employee")
	c := app.Client(t)
	passwordStep(t, c, email, "/")
	first := newDevice(t)
	addPasskey(t, c, first, "First", http.StatusOK)
	// This session is still the password's.
	addPasskey(t, c, newDevice(t), "Second", http.StatusForbidden)
	// Without the browser's answer (no JavaScript): a message beside the name.
	c = app.Client(t)
	passwordStep(t, c, email, "/")
	c.Post(t, auth.PasskeyPath, url.Values{"credential": {first.get(t, c.Get(t, secondStep, http.StatusOK), origin)}}, http.StatusSeeOther)
	c.Get(t, "/account", http.StatusOK)
	p := c.Post(t, "/account/passkeys", url.Values{"name": {"No JS"}}, http.StatusUnprocessableEntity)
	if !strings.HasPrefix(p.FieldError("name"), "Your browser did not make a passkey.") || p.InputValue("name") != "No JS" {
		t.Errorf("without an answer: %q, name %q", p.FieldError("name"), p.InputValue("name"))
	}
}

// Where Tugi is reached by an IP address, browsers take no passkeys: the account page
// says why, and nothing offers them.
func TestNoPasskeysOnAnAddress(t *testing.T) {
	t.Parallel()
	app := apptest.New(t) // http://127.0.0.1:8080
	a := app.SignIn(t, agent)
	acc := a.Get(t, "/account", http.StatusOK)
	if acc.Doc.Find("#passkey-add").Length() != 0 || acc.Text("#passkeys-unavailable") == "" {
		t.Error("passkeys offered on an IP address")
	}
	a.Post(t, "/account/passkeys", url.Values{"name": {"x"}}, http.StatusNotFound)
}
