package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"tugi/app/access"
)

func postContext(form url.Values) echo.Context {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
	return echo.New().NewContext(req, httptest.NewRecorder())
}

type testForm struct {
	Email    string   `form:"email" validate:"required,email,max=20"`
	Password string   `form:"password" validate:"required,min=12" trim:"no"`
	Confirm  string   `form:"confirm" validate:"eqfield=Password" trim:"no"`
	Roles    []string `form:"roles" validate:"min=1,dive,oneof=a b"`
	Note     string   `form:"note"`
}

func TestBind(t *testing.T) {
	v := NewValidator()
	for _, tt := range []struct {
		name   string
		form   url.Values
		errors map[string]string
	}{
		{"valid", url.Values{"email": {"a@b.example"}, "password": {"twelve chars"}, "confirm": {"twelve chars"}, "roles": {"a"}}, nil},
		{"spaces around the e-mail are fine", url.Values{"email": {"  a@b.example "}, "password": {"twelve chars"}, "confirm": {"twelve chars"}, "roles": {"b"}}, nil},
		{"empty", url.Values{}, map[string]string{
			"email": "Please fill this in.", "password": "Please fill this in.", "roles": "Choose at least one.",
		}},
		{"only spaces is empty", url.Values{"email": {"   "}, "password": {"twelve chars"}, "confirm": {"twelve chars"}, "roles": {"a"}},
			map[string]string{"email": "Please fill this in."}},
		{"bad values", url.Values{"email": {"nope"}, "password": {"short"}, "confirm": {"other"}, "roles": {"a", "z"}}, map[string]string{
			"email": "Enter an e-mail address such as name@example.com.", "password": "Use at least 12 characters.",
			"confirm": "The two entries do not match.", "roles": "Choose one of the options offered.",
		}},
		{"too long", url.Values{"email": {"someone@a-long-domain.example"}, "password": {"twelve chars"}, "confirm": {"twelve chars"}, "roles": {"a"}},
			map[string]string{"email": "Use at most 20 characters."}},
		// Passwords are taken as typed: a space at the end is part of it.
		{"passwords are not trimmed", url.Values{"email": {"a@b.example"}, "password": {"twelve chars "}, "confirm": {"twelve chars"}, "roles": {"a"}},
			map[string]string{"confirm": "The two entries do not match."}},
	} {
		var f testForm
		form, err := v.Bind(postContext(tt.form), &f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(form.Errors) != len(tt.errors) {
			t.Errorf("%s: errors %v, want %v", tt.name, form.Errors, tt.errors)
		}
		for field, msg := range tt.errors {
			if form.Errors[field] != msg {
				t.Errorf("%s: %s says %q, want %q", tt.name, field, form.Errors[field], msg)
			}
		}
		if form.Invalid() != (len(tt.errors) > 0) {
			t.Errorf("%s: Invalid() = %v", tt.name, form.Invalid())
		}
		// The form shows back exactly what was typed.
		for k := range tt.form {
			if form.Value(k) != tt.form.Get(k) {
				t.Errorf("%s: Value(%s) = %q, want %q", tt.name, k, form.Value(k), tt.form.Get(k))
			}
		}
	}

	var f testForm
	v.Bind(postContext(url.Values{"email": {"  a@b.example\t"}, "password": {" pw "}, "note": {" hi "}}), &f)
	if f.Email != "a@b.example" || f.Note != "hi" || f.Password != " pw " {
		t.Errorf("bound %+v: want e-mail and note trimmed, password as typed", f)
	}
}

func TestFormFailKeepsFirstMessage(t *testing.T) {
	var f Form
	f.Fail("name", "first")
	f.Fail("name", "second")
	if f.Errors["name"] != "first" || !f.Invalid() {
		t.Errorf("errors %v", f.Errors)
	}
	f = Form{Values: url.Values{"roles": {"a", "b"}}}
	if !f.Has("roles", "b") || f.Has("roles", "c") || f.Value("missing") != "" {
		t.Error("Has/Value")
	}
}

func TestBindSpeaksTheViewersLanguage(t *testing.T) {
	c := postContext(url.Values{"email": {"a@b.example"}, "password": {"short"}, "confirm": {"short"}, "roles": {"a"}})
	SetViewer(c, &access.Viewer{UserID: 1, Lang: "et"})
	var f testForm
	form, err := NewValidator().Bind(c, &f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := form.Errors["password"], "Sisestage vähemalt 12 tähemärki."; got != want {
		t.Errorf("password says %q, want %q", got, want)
	}
}

// A NUL or bytes that are not UTF-8, which PostgreSQL refuses, are refused beside their
// field, and the struct holds none of them for a handler that reads it anyway.
func TestBindRefusesBadBytes(t *testing.T) {
	v := NewValidator()
	var f testForm
	form, err := v.Bind(postContext(url.Values{"email": {"a@b.example"}, "password": {"twelve chars"}, "confirm": {"twelve chars"},
		"roles": {"a", "b\xff"}, "note": {"a\x00b"}}), &f)
	if err != nil {
		t.Fatal(err)
	}
	const msg = "This holds characters Tugi cannot use, such as a control character. Type it again as plain text."
	for _, field := range []string{"note", "roles"} {
		if form.Errors[field] != msg {
			t.Errorf("%s: %q, want %q", field, form.Errors[field], msg)
		}
	}
	if len(form.Errors) != 2 {
		t.Errorf("errors %v, want note and roles alone", form.Errors)
	}
	if f.Note != "" || f.Roles[1] != "" || f.Email != "a@b.example" {
		t.Errorf("bound %+v: the bad values are kept or a good one lost", f)
	}
	if form.Value("note") != "a\x00b" {
		t.Errorf("the form shown again holds %q, not what was sent", form.Value("note"))
	}
	for _, ok := range []string{"", "plain", "Tänavu õun", "tab\tand\nnewline"} {
		if !Storable(ok) {
			t.Errorf("Storable(%q) is false", ok)
		}
	}
}
