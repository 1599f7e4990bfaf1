package server_test

import (
	"net/http"
	"testing"
	"tugi/app/apptest"
)

// TestSignInSpeaksTheBrowsersLanguage: before anyone has chosen, the sign-in page follows
// Accept-Language; it offers the languages, and the choice is kept.
func TestSignInSpeaksTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	c := app.Client(t)
	p := c.Get(t, "/login", http.StatusOK, "Accept-Language", "et-EE,et;q=0.9,en;q=0.8")
	if h := p.Text("h1"); h != "Logi sisse" {
		t.Errorf("an Estonian browser reads %q", h)
	}
	if got := p.Doc.Find("#languages a").Length(); got != 2 {
		t.Errorf("the sign-in page offers %d languages, want English and Estonian", got)
	}
	if h := c.Get(t, "/login?lang=en", http.StatusOK, "Accept-Language", "et").Text("h1"); h != "Sign in" {
		t.Errorf("after choosing English: %q", h)
	}
	if h := c.Get(t, "/login", http.StatusOK, "Accept-Language", "et").Text("h1"); h != "Sign in" {
		t.Errorf("the choice of English was not kept: %q", h)
	}
}
