package server_test

import (
	"net/http"
	"testing"

	"tugi/app/apptest"
	"tugi/app/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestHealth(t *testing.T) {
	app := apptest.New(t)
	c := app.Client(t)
	if p := c.Get(t, "/healthz", http.StatusOK); p.Status != http.StatusOK {
		t.Errorf("/healthz: %d", p.Status)
	}
	if p := c.Get(t, "/readyz", http.StatusOK); p.Status != http.StatusOK {
		t.Errorf("/readyz: %d", p.Status)
	}
	app.DB.Close()
	if p := c.Get(t, "/readyz", http.StatusServiceUnavailable); p.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database gone: %d, want 503", p.Status)
	}
}

func TestSignInAndHome(t *testing.T) {
	app := apptest.New(t)
	c := app.SignIn(t, "customer@demo-customer.example")
	p := c.Get(t, "/", http.StatusOK)
	if p.Status != 200 || p.Text("h1") != "Welcome, Mari Maasikas" {
		t.Fatalf("home: %d %q", p.Status, p.Text("h1"))
	}
}
